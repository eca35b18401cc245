/**
 * The runner with operations written in the test (no AWS): what it records, where it stops,
 * what a dry run does, verify timeouts on a fake clock, partial failures keeping their
 * rollback, drills reporting every item, and the pure rollback planner and parameter checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AwsSession } from '../../src/aws/session.js';
import { AuditTranscript, type AuditRecord } from '../../src/core/audit.js';
import { createDeps, type Clock } from '../../src/aws/deps.js';
import { UsageError } from '../../src/core/errors.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { parse } from '../../src/commands/runbook.js';
import { fillTemplate, validateParams } from '../../src/runbooks/params.js';
import type { PreparedRun, PreparedStep } from '../../src/runbooks/prepare.js';
import { planRollback, rebuildRollback } from '../../src/runbooks/rollback.js';
import { executeRun } from '../../src/runbooks/runner.js';
import type {
  ActionOperation,
  CheckOperation,
  Operation,
  Runbook,
  RunbookHost,
  RunEvent,
  StepDef,
  VerifyOperation,
} from '../../src/runbooks/types.js';
import { tempDir } from '../helpers/cli.js';

const WHERE = { account: '222222222222', role: 'Responder', region: 'us-east-1' };

function fakeClock(): Clock & { slept: number[] } {
  let now = Date.parse('2026-11-22T10:00:00Z');
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

function harness(steps: { def: StepDef; op?: Operation }[], opts: { dryRun?: boolean; signal?: AbortSignal } = {}) {
  const home = tempDir();
  const clock = fakeClock();
  const paths = xdgPaths(
    { XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
    home,
  );
  const deps = createDeps({ env: {}, signal: opts.signal ?? new AbortController().signal, clock, paths });
  const runbook: Runbook = {
    id: 'test-runbook',
    title: 'Test',
    description: 'd',
    whenToUse: ['w'],
    whenNotToUse: ['n'],
    params: [],
    steps: steps.map((s) => s.def),
  };
  const prepared: PreparedRun = {
    mode: 'run',
    runbook,
    incident: 'INC-T',
    dryRun: opts.dryRun ?? false,
    params: {},
    displayParams: {},
    operator: { arn: 'arn:aws:iam::111111111111:user/alice', name: 'alice' },
    followUps: ['rotate'],
    outputs: {},
    handoffs: [],
    steps: steps.map(
      (s): PreparedStep => ({ def: s.def, recordKind: s.def.kind, where: WHERE, ...(s.op ? { operation: s.op } : {}) }),
    ),
    contextFor: async (step, _host, outputs) => ({
      incident: 'INC-T',
      runbook: runbook.id,
      step: step.def.id,
      params: {},
      where: WHERE,
      session: {} as AwsSession,
      sessionFor: async () => ({}) as AwsSession,
      operator: { arn: 'arn:aws:iam::111111111111:user/alice', name: 'alice' },
      organization: async () => ({ id: 'o-1', managementAccountId: '111111111111', rootId: 'r-1' }),
      outputs,
      now: () => new Date(clock.now()),
      signal: deps.signal,
      dryRun: opts.dryRun ?? false,
      input: async () => '',
      handoff: () => undefined,
      registerSecrets: () => undefined,
    }),
  };
  const transcript = AuditTranscript.open(paths, 'INC-T', { now: () => new Date(clock.now()) });
  const records = () =>
    readFileSync(transcript.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
  return { deps, prepared, transcript, records, clock };
}

function host(
  answers: { confirm?: boolean[]; ack?: ({ text: string; note?: string } | undefined)[] } = {},
): RunbookHost & { events: RunEvent[]; asked: number } {
  const events: RunEvent[] = [];
  const h = {
    events,
    asked: 0,
    event: (e: RunEvent) => void events.push(e),
    confirmAction: async () => {
      h.asked++;
      return answers.confirm?.shift() ?? true;
    },
    acknowledge: async () => answers.ack?.shift(),
  };
  return h;
}

const check = (ok: boolean, extra: Partial<Awaited<ReturnType<CheckOperation['run']>>> = {}): CheckOperation => ({
  kind: 'check',
  reads: ['x:Get'],
  run: async () => ({ ok, summary: ok ? 'fine' : 'bad', ...extra }),
});

function action(sent: string[], opts: { failOn?: number } = {}): ActionOperation {
  return {
    kind: 'action',
    call: 'iam:PutRolePolicy',
    reads: ['iam:ListRolePolicies'],
    rollbackCall: 'iam:DeleteRolePolicy',
    capture: async () => ({ policies: ['a'] }),
    plan: () => [
      { service: 'iam', action: 'PutRolePolicy', input: { RoleName: 'r', PolicyName: 'p1' } },
      { service: 'iam', action: 'PutRolePolicy', input: { RoleName: 'r', PolicyName: 'p2' } },
    ],
    apply: async (_ctx, requests, progress) => {
      for (const [i, r] of requests.entries()) {
        if (opts.failOn === i) throw new Error(`AccessDenied on ${String(r.input.PolicyName)}`);
        sent.push(String(r.input.PolicyName));
        progress.push({ ok: true });
      }
      return progress;
    },
    rollback: (_ctx, _prior, responses) =>
      responses.length
        ? {
            requests: responses.map((_, i) => ({
              service: 'iam' as const,
              action: 'DeleteRolePolicy',
              input: { RoleName: 'r', PolicyName: `p${i + 1}` },
            })),
            does: 'removes them',
          }
        : { none: 'nothing sent' },
  };
}

const def = (id: string, kind: StepDef['kind'], extra: Partial<StepDef> = {}): StepDef => ({
  id,
  kind,
  title: id,
  does: `does ${id}`,
  ...extra,
});

describe('runbook runner', () => {
  it('runs check, action, manual and verify in order and records each with where it ran', async () => {
    const sent: string[] = [];
    const verify: VerifyOperation = {
      kind: 'verify',
      reads: [],
      probe: async () => ({ ok: true, summary: 'visible' }),
    };
    const t = harness([
      { def: def('c', 'check'), op: check(true) },
      { def: def('a', 'action'), op: action(sent) },
      { def: def('m', 'manual', { prompt: 'Told the owner?' }) },
      { def: def('v', 'verify'), op: verify },
    ]);
    const h = host({ ack: [{ text: ' yes, paged bob ', note: 'ticket 42' }] });
    const outcome = await executeRun(t.deps, t.prepared, h, t.transcript);
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.exitCode, 0);
    assert.deepEqual(sent, ['p1', 'p2']);
    const records = t.records();
    assert.deepEqual(
      records.map((r) => `${r.step}:${r.status}`),
      ['run-start:started', 'c:passed', 'a:sending', 'a:applied', 'm:acknowledged', 'v:passed', 'run-end:completed'],
    );
    const [intent, applied] = [records[2]!, records[3]!];
    assert.deepEqual(intent.request, applied.request, 'the intent records the exact requests before they are sent');
    assert.equal(applied.intent, intent.hash, 'the outcome names its intent');
    assert.deepEqual(
      [applied.account, applied.role, applied.region, applied.call],
      [WHERE.account, WHERE.role, WHERE.region, 'iam:PutRolePolicy'],
    );
    assert.deepEqual(applied.prior, { policies: ['a'] });
    assert.equal((applied.rollback as { requests: unknown[] }).requests.length, 2);
    assert.deepEqual(records[4]!.ack, { text: 'yes, paged bob', note: 'ticket 42' });
    assert.ok(records.every((r) => r.operator === 'arn:aws:iam::111111111111:user/alice'));
  });

  it('a dry run captures and plans but sends nothing, asks nothing, and skips manual and verify steps', async () => {
    const sent: string[] = [];
    const t = harness(
      [
        { def: def('c', 'check'), op: check(true) },
        { def: def('a', 'action'), op: action(sent) },
        { def: def('m', 'manual') },
        {
          def: def('v', 'verify'),
          op: { kind: 'verify', reads: [], probe: async () => assert.fail('no probe in a dry run') },
        },
      ],
      { dryRun: true },
    );
    const h = host();
    const outcome = await executeRun(t.deps, t.prepared, h, t.transcript);
    assert.equal(outcome.exitCode, 0);
    assert.deepEqual(sent, []);
    assert.equal(h.asked, 0);
    assert.deepEqual(
      outcome.steps.map((s) => s.status),
      ['passed', 'planned', 'skipped', 'skipped'],
    );
    const planned = t.records().find((r) => r.step === 'a')!;
    assert.equal(planned.dryRun, true);
    assert.equal((planned.request as unknown[]).length, 2);
  });

  it('a declined action stops the run with exit 130 and nothing sent for it; later steps are skipped', async () => {
    const sent: string[] = [];
    const t = harness([
      { def: def('a', 'action'), op: action(sent) },
      { def: def('c', 'check'), op: check(true) },
    ]);
    const outcome = await executeRun(t.deps, t.prepared, host({ confirm: [false] }), t.transcript);
    assert.equal(outcome.status, 'stopped');
    assert.equal(outcome.exitCode, 130);
    assert.deepEqual(sent, []);
    assert.deepEqual(
      outcome.steps.map((s) => s.status),
      ['declined', 'skipped'],
    );
    assert.deepEqual(
      t.records().map((r) => r.status),
      ['started', 'declined', 'stopped'],
    );
  });

  it('an unacknowledged manual step stops the run', async () => {
    const t = harness([{ def: def('m', 'manual') }]);
    const outcome = await executeRun(t.deps, t.prepared, host({ ack: [undefined] }), t.transcript);
    assert.equal(outcome.status, 'stopped');
  });

  it('a partial failure records what was sent with its rollback, so it can be undone', async () => {
    const sent: string[] = [];
    const t = harness([{ def: def('a', 'action'), op: action(sent, { failOn: 1 }) }]);
    const outcome = await executeRun(t.deps, t.prepared, host(), t.transcript);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.exitCode, 1);
    assert.match(outcome.message!, /AccessDenied on p2/);
    const record = t.records().findLast((r) => r.step === 'a')!;
    assert.equal(record.status, 'partial');
    assert.deepEqual(
      (record.rollback as { requests: { input: { PolicyName: string } }[] }).requests.map((r) => r.input.PolicyName),
      ['p1'],
    );
    const plan = planRollback(t.records());
    assert.equal(plan.items.length, 1, 'the partial action is offered for rollback');
  });

  it('a failed check stops the run unless it is a drill item; a drill reports every item and exits 1', async () => {
    const stop = harness([
      { def: def('c1', 'check'), op: check(false) },
      { def: def('c2', 'check'), op: check(true) },
    ]);
    const stopped = await executeRun(stop.deps, stop.prepared, host(), stop.transcript);
    assert.deepEqual(
      stopped.steps.map((s) => s.status),
      ['failed', 'skipped'],
    );
    const drill = harness([
      {
        def: def('d1', 'check', { continueOnFail: true }),
        op: check(false, { items: [{ name: 'acct 1', ok: false, detail: 'no role' }] }),
      },
      { def: def('d2', 'check', { continueOnFail: true }), op: check(true) },
    ]);
    const h = host();
    const drilled = await executeRun(drill.deps, drill.prepared, h, drill.transcript);
    assert.deepEqual(
      drilled.steps.map((s) => s.status),
      ['failed', 'passed'],
    );
    assert.equal(drilled.exitCode, 1);
    assert.match(drilled.message!, /1 check failed: d1/);
    assert.deepEqual(
      h.events.find((e) => e.type === 'step-end' && e.index === 0 && 'items' in e && e.items),
      {
        type: 'step-end',
        index: 0,
        status: 'failed',
        summary: 'bad',
        items: [{ name: 'acct 1', ok: false, detail: 'no role' }],
      },
    );
  });

  it('a refusal ends the run with exit 2 before the action after it', async () => {
    const sent: string[] = [];
    const t = harness([
      {
        def: def('guard', 'check'),
        op: check(false, { refusal: { message: 'the management account', nextStep: 'do X' } }),
      },
      { def: def('a', 'action'), op: action(sent) },
    ]);
    const outcome = await executeRun(t.deps, t.prepared, host(), t.transcript);
    assert.equal(outcome.status, 'refused');
    assert.equal(outcome.exitCode, 2);
    assert.deepEqual(sent, []);
    assert.equal(t.records()[1]!.status, 'refused');
  });

  it('verify polls with growing waits until its timeout, then fails naming the rollback', async () => {
    let probes = 0;
    const verify: VerifyOperation = {
      kind: 'verify',
      reads: [],
      probe: async () => ({ ok: ++probes > 100, summary: `not yet (${probes})` }),
    };
    const t = harness([{ def: def('v', 'verify', { timeoutSeconds: 10 }), op: verify }]);
    const outcome = await executeRun(t.deps, t.prepared, host(), t.transcript);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /not visible after 1\d s[\s\S]*runbook rollback INC-T/);
    assert.deepEqual(t.clock.slept.slice(0, 3), [500, 1000, 1500]);
  });

  it('Ctrl-C between steps stops before the next one', async () => {
    const controller = new AbortController();
    const stopping: CheckOperation = {
      kind: 'check',
      reads: [],
      run: async () => (controller.abort(), { ok: true, summary: 'ok' }),
    };
    const t = harness(
      [
        { def: def('c1', 'check'), op: stopping },
        { def: def('c2', 'check'), op: check(true) },
      ],
      { signal: controller.signal },
    );
    const outcome = await executeRun(t.deps, t.prepared, host(), t.transcript);
    assert.equal(outcome.status, 'stopped');
    assert.equal(outcome.exitCode, 130);
    assert.deepEqual(
      outcome.steps.map((s) => s.status),
      ['passed', 'skipped'],
    );
  });
});

describe('rollback planning (pure)', () => {
  const rec = (seq: number, extra: Partial<AuditRecord>): AuditRecord => ({
    seq,
    time: '',
    incident: 'I',
    operator: 'o',
    runbook: 'rb',
    step: `s${seq}`,
    kind: 'action',
    status: 'applied',
    prev: '',
    hash: `h${seq}`,
    ...extra,
  });
  it('offers applied actions newest first, skips dry runs and what is already undone, and lists what cannot be undone', () => {
    const undo = (n: string) => ({
      requests: [{ service: 'iam', action: 'DeleteRolePolicy', input: { PolicyName: n } }],
      does: `removes ${n}`,
    });
    const records = [
      rec(1, { rollback: undo('a') }),
      rec(2, { rollback: { none: 'AWS cannot restore a password' } }),
      rec(3, { rollback: undo('b') }),
      rec(4, { rollback: undo('c'), dryRun: true, status: 'planned' }),
      rec(5, { kind: 'rollback', undoes: 'h3', status: 'applied' }),
      rec(6, { rollback: undo('d'), status: 'declined' }),
    ];
    const plan = planRollback(records);
    assert.deepEqual(
      plan.items.map((i) => i.record.step),
      ['s1'],
    );
    assert.deepEqual(
      plan.notUndoable.map((n) => n.reason),
      ['AWS cannot restore a password'],
    );
  });

  it('an intent with no outcome (awsorg stopped while sending) is offered as uncertain; one with an outcome is not offered twice', () => {
    const undo = (n: string) => ({
      requests: [{ service: 'iam', action: 'DeleteRolePolicy', input: { PolicyName: n } }],
      does: `removes ${n}`,
    });
    const put = (n: string) => [{ service: 'iam', action: 'PutRolePolicy', input: { PolicyName: n } }];
    const records = [
      rec(1, { status: 'sending', request: put('a'), rollback: undo('a') }),
      rec(2, { status: 'applied', request: put('a'), rollback: undo('a'), intent: 'h1' }),
      rec(3, { status: 'sending', request: put('b'), rollback: undo('b') }),
      rec(4, { status: 'sending', request: put('c'), rollback: undo('c') }),
      rec(5, { status: 'applied', request: put('c'), rollback: undo('c'), intent: 'h4' }),
      rec(6, { kind: 'rollback', status: 'sending', undoes: 'h5' }),
    ];
    const plan = planRollback(records);
    assert.deepEqual(
      plan.items.map((i) => [i.record.step, Boolean(i.uncertain)]),
      [
        ['s5', true],
        ['s3', true],
        ['s2', false],
      ],
    );
    assert.match(plan.items[1]!.uncertain!, /stopped while sending iam:PutRolePolicy \(transcript line 4\)/);
    assert.match(plan.items[0]!.uncertain!, /stopped while undoing it \(transcript line 7\)/);
  });
});

describe('rollback rebuilt from the operation (pure)', () => {
  const prior = { role: 'app', document: null };
  const revoke: ActionOperation = {
    kind: 'action',
    call: 'iam:PutRolePolicy',
    reads: [],
    rollbackCall: 'iam:DeleteRolePolicy',
    capture: async () => prior,
    plan: (_ctx, p) => [
      { service: 'iam', action: 'PutRolePolicy', input: { RoleName: (p as typeof prior).role, PolicyName: 'Revoke' } },
    ],
    rollback: (_ctx, p, responses) =>
      responses.length
        ? {
            requests: [
              {
                service: 'iam',
                action: 'DeleteRolePolicy',
                input: { RoleName: (p as typeof prior).role, PolicyName: 'Revoke' },
              },
            ],
            does: 'deletes it',
          }
        : { none: 'nothing sent' },
  };
  const runbook: Runbook = {
    id: 'rb',
    title: 't',
    description: 'd',
    whenToUse: [],
    whenNotToUse: [],
    params: [],
    steps: [{ id: 'revoke', kind: 'action', title: 'x', does: 'y', operation: 'test.revoke' }],
  };
  const catalog = { runbooks: [runbook], operations: { 'test.revoke': revoke } };
  const genuine = (extra: Partial<AuditRecord> = {}): AuditRecord => ({
    seq: 3,
    time: '2026-01-01T00:00:00Z',
    incident: 'I',
    operator: 'o',
    runbook: 'rb',
    step: 'revoke',
    kind: 'action',
    status: 'applied',
    prev: '',
    hash: 'h3',
    operation: 'test.revoke',
    prior,
    request: revoke.plan({} as never, prior),
    response: [{}],
    rollback: revoke.rollback({} as never, prior, [{}]),
    ...extra,
  });

  it('a genuine rollback is rebuilt from the code, and matches', () => {
    const plan = rebuildRollback(planRollback([genuine()]), catalog);
    assert.deepEqual(
      plan.items.map((i) => i.requests.map((r) => `${r.action} ${String(r.input.RoleName)}`)),
      [['DeleteRolePolicy app']],
    );
  });

  it('refuses (exit 2) a rollback the operation does not declare, naming the line and the calls', () => {
    const admin = {
      requests: [
        { service: 'iam', action: 'CreateUser', input: { UserName: 'mallory' } },
        {
          service: 'iam',
          action: 'AttachUserPolicy',
          input: { UserName: 'mallory', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        },
      ],
      does: 'restores',
    };
    assert.throws(
      () => rebuildRollback(planRollback([genuine({ rollback: admin })]), catalog),
      (err: unknown) =>
        err instanceof UsageError &&
        err.exitCode === 2 &&
        /transcript line 4 \(rb revoke\) carries the rollback iam:CreateUser, iam:AttachUserPolicy, but test.revoke rebuilds it .* as iam:DeleteRolePolicy/.test(
          err.message,
        ),
    );
    // The same call on another resource than the one acted on, with the prior state kept: refused too.
    const other = {
      requests: [
        { service: 'iam', action: 'DeleteRolePolicy', input: { RoleName: 'someone-else', PolicyName: 'Revoke' } },
      ],
      does: 'deletes it',
    };
    assert.throws(() => rebuildRollback(planRollback([genuine({ rollback: other })]), catalog), /with other inputs/);
    // A forged prior state that makes the rollback act elsewhere no longer matches the request that was sent.
    const elsewhere = { role: 'someone-else', document: null };
    assert.throws(
      () =>
        rebuildRollback(
          planRollback([genuine({ prior: elsewhere, rollback: revoke.rollback({} as never, elsewhere, [{}]) })]),
          catalog,
        ),
      /its request iam:PutRolePolicy is not what test.revoke plans/,
    );
    // Another step's operation, or a runbook awsorg does not know: refused, not guessed.
    assert.throws(
      () => rebuildRollback(planRollback([genuine({ operation: 'test.other' })]), catalog),
      /the record says operation test.other, but step revoke of rb names test.revoke/,
    );
    assert.throws(
      () => rebuildRollback(planRollback([genuine({ runbook: 'unknown' })]), catalog),
      (err: unknown) => err instanceof UsageError && /knows no runbook unknown/.test(err.message),
    );
  });

  it('an uncertain action whose operation cannot check AWS is left to the operator, with the exact request and rollback', () => {
    const plan = rebuildRollback(planRollback([genuine({ status: 'sending', response: undefined })]), catalog);
    assert.equal(plan.items.length, 0);
    assert.match(
      plan.notUndoable[0]!.reason,
      /stopped while sending iam:PutRolePolicy .* Check in account .*"PutRolePolicy".*undo it with: .*"DeleteRolePolicy"/,
    );
  });
});

describe('runbook parameters and arguments', () => {
  const runbook: Runbook = {
    id: 'rb',
    title: 't',
    description: 'd',
    whenToUse: ['w'],
    whenNotToUse: ['n'],
    params: [
      { name: 'account', kind: 'account', required: true, description: 'the account' },
      { name: 'role-name', kind: 'role-name', required: false, default: 'Responder', description: 'the role' },
      { name: 'access-key-id', kind: 'access-key-id', required: false, description: 'the key' },
    ],
    steps: [],
  };
  it('applies defaults and names the flag and the fix for bad or missing values', () => {
    assert.deepEqual(validateParams(runbook, { account: 'prod' }), { account: 'prod', 'role-name': 'Responder' });
    assert.throws(
      () => validateParams(runbook, {}),
      (e: unknown) => e instanceof UsageError && /needs --account/.test(e.message),
    );
    assert.throws(
      () => validateParams(runbook, { account: 'p', 'access-key-id': 'akia123' }),
      (e: unknown) => e instanceof UsageError && /--access-key-id "akia123" is not an access key id/.test(e.message),
    );
    assert.throws(
      () => validateParams(runbook, { account: 'p', 'role-name': 'a b' }),
      /--role-name "a b" is not an IAM role name/,
    );
    assert.throws(
      () => validateParams(runbook, { account: 'p', bucket: 'x' }),
      (e: unknown) =>
        e instanceof UsageError &&
        /rb has no parameter --bucket/.test(e.message) &&
        /--account, --role-name, --access-key-id/.test(e.nextStep ?? ''),
    );
  });
  it('fills templates, and says when a value is not known yet', () => {
    assert.equal(fillTemplate('{{account}}/{{ role }}', { account: '1', role: 'R' }), '1/R');
    assert.equal(fillTemplate('{{bucket-region}}', {}), undefined);
  });
  it('parses runbook parameters as flags and refuses them on other subcommands', () => {
    const opts = parse([
      'run',
      'quarantine-account',
      '--account',
      'prod',
      '--incident=INC-1',
      '--dry-run',
      '--responder-role',
      'IR',
    ]);
    assert.deepEqual(
      [opts.id, opts.incident, opts.dryRun, opts.params],
      ['quarantine-account', 'INC-1', true, { account: 'prod', 'responder-role': 'IR' }],
    );
    assert.equal(parse(['rollback', 'INC-1', '--yes']).incident, 'INC-1');
    assert.throws(() => parse(['list', '--account', 'x']), UsageError);
    assert.throws(() => parse(['run', 'a', 'b']), UsageError);
    assert.throws(() => parse(['run', 'a', '--account']), /--account needs a value/);
  });
});
