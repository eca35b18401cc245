/**
 * Redaction: by key name alone (nothing registered), and of credentials a runbook step obtains
 * while it runs (a break-glass MFA session, an AssumeRole) when they later show up under some
 * other key. The second goes through the runner and the real step context, the way a run does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AwsSession } from '../../src/aws/session.js';
import { AuditTranscript, redact } from '../../src/core/audit.js';
import { createDeps } from '../../src/aws/deps.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { stepContext, type PreparedRun, type Sessions } from '../../src/runbooks/prepare.js';
import { executeRun } from '../../src/runbooks/runner.js';
import type { ActionOperation, CheckOperation, Runbook, RunbookHost } from '../../src/runbooks/types.js';

const SECRET_ACCESS_KEY = 'mid/RunSecretKey+EXAMPLE0123456789abcdefgh';
const SESSION_TOKEN = 'FwoGZXIvYXdzEMidRunSessionTokenEXAMPLE//+==';

describe('redaction by key name alone', () => {
  it('redacts SecretAccessKey and SessionToken (and their camelCase and env forms) with no secret registered', () => {
    const out = redact(
      {
        SecretAccessKey: SECRET_ACCESS_KEY,
        SessionToken: SESSION_TOKEN,
        nested: [{ secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN, AccessKeyId: 'ASIAEXAMPLE' }],
        env: { AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN },
        // Condition keys that merely contain the words stay readable.
        Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' } },
      },
      [],
    );
    assert.deepEqual(out, {
      SecretAccessKey: '[redacted]',
      SessionToken: '[redacted]',
      nested: [{ secretAccessKey: '[redacted]', sessionToken: '[redacted]', AccessKeyId: 'ASIAEXAMPLE' }],
      env: { AWS_SECRET_ACCESS_KEY: '[redacted]', AWS_SESSION_TOKEN: '[redacted]' },
      Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' } },
    });
  });

  it('a transcript opened with no secrets writes neither value', () => {
    const home = mkdtempSync(join(tmpdir(), 'awsorg-redact-'));
    const paths = xdgPaths(
      {
        XDG_STATE_HOME: join(home, 'state'),
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_CACHE_HOME: join(home, 'cache'),
      },
      home,
    );
    const t = AuditTranscript.open(paths, 'INC-KEYS', { now: () => new Date('2026-01-01T00:00:00Z') });
    t.append({
      incident: 'INC-KEYS',
      operator: 'o',
      runbook: 'r',
      step: 's',
      kind: 'action',
      status: 'applied',
      response: { SecretAccessKey: SECRET_ACCESS_KEY, SessionToken: SESSION_TOKEN },
    });
    const text = readFileSync(t.file, 'utf8');
    assert.ok(!text.includes(SECRET_ACCESS_KEY) && !text.includes(SESSION_TOKEN));
    assert.match(text, /"SecretAccessKey":"\[redacted\]","SessionToken":"\[redacted\]"/);
  });
});

describe('redaction of credentials obtained mid-run', () => {
  function run(obtain: 'handoff' | 'register') {
    const home = mkdtempSync(join(tmpdir(), 'awsorg-midrun-'));
    const paths = xdgPaths(
      {
        XDG_STATE_HOME: join(home, 'state'),
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_CACHE_HOME: join(home, 'cache'),
      },
      home,
    );
    const deps = createDeps({ env: {}, signal: new AbortController().signal, paths });
    const transcript = AuditTranscript.open(paths, 'INC-MID', { now: () => new Date('2026-01-01T00:00:00Z') });
    const where = { account: '222222222222', role: 'Responder', region: 'us-east-1' };
    // As run.ts wires it: what the sessions register goes to the transcript's secrets.
    const sessions: Sessions = {
      operator: async () => ({ arn: 'arn:aws:iam::111111111111:user/breakglass', name: 'breakglass' }),
      organization: async () => ({ id: 'o-1', managementAccountId: '111111111111', rootId: 'r-1' }),
      sessionFor: async () => ({}) as AwsSession,
      registerSecrets: (values) => transcript.addSecrets(values),
    };
    // A step that gets a role session (as break-glass-session's AssumeRole does); its own record carries no secret.
    const assume: ActionOperation = {
      kind: 'action',
      call: 'sts:AssumeRole',
      reads: [],
      rollbackCall: 'none',
      capture: async () => ({}),
      plan: () => [
        {
          service: 'sts',
          action: 'AssumeRole',
          input: { RoleArn: 'arn:aws:iam::222222222222:role/Admin', RoleSessionName: 'INC-MID' },
        },
      ],
      async apply(ctx) {
        const credentials = {
          accessKeyId: 'ASIAMIDRUNEXAMPLE',
          secretAccessKey: SECRET_ACCESS_KEY,
          sessionToken: SESSION_TOKEN,
          expiration: '2026-01-01T01:00:00Z',
        };
        if (obtain === 'handoff')
          ctx.handoff({
            credentials,
            account: where.account,
            role: 'Admin',
            region: where.region,
            arn: 'arn:aws:sts::222222222222:assumed-role/Admin/INC-MID',
          });
        else ctx.registerSecrets([credentials.secretAccessKey, credentials.sessionToken]);
        return [{ AccessKeyId: credentials.accessKeyId }];
      },
      rollback: () => ({ none: 'expires' }),
    };
    // A later step whose detail shows the values under keys that are not credential keys.
    const echo: CheckOperation = {
      kind: 'check',
      reads: [],
      run: async () => ({
        ok: true,
        summary: `exported ${SESSION_TOKEN.slice(0, 4)}…`,
        detail: { shellLine: `export AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}`, seen: { value: SESSION_TOKEN } },
      }),
    };
    const runbook: Runbook = {
      id: 'mid',
      title: 't',
      description: 'd',
      whenToUse: [],
      whenNotToUse: [],
      params: [],
      steps: [],
    };
    const operator = { arn: 'arn:aws:iam::111111111111:user/breakglass', name: 'breakglass' };
    const prepared: PreparedRun = {
      mode: 'run',
      runbook,
      incident: 'INC-MID',
      dryRun: false,
      params: {},
      displayParams: {},
      operator,
      followUps: [],
      outputs: {},
      handoffs: [],
      steps: [
        {
          def: { id: 'assume', kind: 'action', title: 'assume', does: 'x' },
          recordKind: 'action',
          where,
          operation: assume,
        },
        { def: { id: 'echo', kind: 'check', title: 'echo', does: 'y' }, recordKind: 'check', where, operation: echo },
      ],
      contextFor: (step, host, outputs) =>
        stepContext(
          deps,
          {
            runbook: 'mid',
            incident: 'INC-MID',
            params: {},
            operator,
            values: {},
            dryRun: false,
            sessions,
            handoffs: prepared.handoffs,
          },
          step,
          host,
          outputs,
        ),
    };
    const host: RunbookHost = {
      event: () => undefined,
      confirmAction: async () => true,
      acknowledge: async () => undefined,
    };
    return { deps, prepared, host, transcript };
  }

  for (const obtain of ['handoff', 'register'] as const) {
    it(`credentials a step obtains (${obtain === 'handoff' ? 'handed to the shell' : 'registered by the step'}) are scrubbed from every later record, under any key`, async () => {
      const t = run(obtain);
      const outcome = await executeRun(t.deps, t.prepared, t.host, t.transcript);
      assert.equal(outcome.status, 'completed', outcome.message);
      const text = readFileSync(t.transcript.file, 'utf8');
      assert.ok(!text.includes(SECRET_ACCESS_KEY), 'no secret access key in the transcript');
      assert.ok(!text.includes(SESSION_TOKEN), 'no session token in the transcript');
      assert.match(text, /"shellLine":"export AWS_SECRET_ACCESS_KEY=\[redacted\]"/);
    });
  }
});
