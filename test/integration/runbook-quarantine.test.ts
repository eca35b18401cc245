/**
 * quarantine-account against a bootstrapped moto organization, through the built CLI: the
 * account lands in the Quarantine OU with the SCP attached (SDK reads), rollback restores its
 * parent and policies field by field, the transcript verifies and a one-character copy does not,
 * and every refusal exits 2 with moto's state unchanged.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DescribePolicyCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { ListPoliciesCommand } from '@aws-sdk/client-organizations';
import { AuditTranscript } from '../../src/core/audit.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { clientsFor, type Clients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('runbook quarantine-account against a bootstrapped organization', () => {
  let moto: Moto;
  let aws: Clients;
  let env: Record<string, string>;
  let production: string;
  let rootId: string;
  const transcript = () => join(env.XDG_STATE_HOME!, 'awsorg', 'audit', 'INC-1.jsonl');

  const placement = async (accountId: string) => ({
    parents: (await aws.organizations.send(new ListParentsCommand({ ChildId: accountId }))).Parents,
    policies: (
      await aws.organizations.send(
        new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' }),
      )
    ).Policies,
  });
  const quarantineOu = async () =>
    (
      await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }))
    ).OrganizationalUnits?.find((ou) => ou.Name === 'Quarantine');

  before(async () => {
    moto = await startMoto();
    aws = clientsFor(moto.endpoint);
    // Long-term keys of the length AWS uses, so the transcript check below means something.
    env = isolatedEnv({ ...moto.env, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET });
    const boot = await runCli(
      ['bootstrap', '--preset', 'standard', '--allow-placeholders', '--yes', '--omit-tls-deny'],
      { env, cwd: tempDir() },
    );
    assert.equal(boot.code, 0, boot.stderr);
    const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts ?? [];
    production = accounts.find((a) => a.Name === 'production')!.Id!;
    rootId = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  });
  after(async () => moto?.stop());

  const refusals: [string, string[], RegExp][] = [
    [
      'the management account',
      ['--account', '123456789012', '--incident', 'INC-9'],
      /management account.*SCPs do not apply/s,
    ],
    [
      'an unknown account',
      ['--account', 'no-such-account', '--incident', 'INC-9'],
      /no account, alias or id matches "no-such-account"/,
    ],
    ['a missing --incident', ['--account', 'production'], /--incident/],
    [
      'a non-TTY run without --yes',
      ['--account', 'production', '--incident', 'INC-9'],
      /no terminal to ask on[\s\S]*--yes/,
    ],
  ];
  for (const [name, args, message] of refusals) {
    it(`refuses ${name} with exit 2 and no write`, async () => {
      const before = await moto.snapshot();
      const yes = name.includes('without --yes') ? [] : ['--yes'];
      const result = await runCli(['runbook', 'run', 'quarantine-account', ...args, ...yes], { env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.deepEqual(await moto.snapshot(), before, 'moto state unchanged');
    });
  }

  it('--dry-run captures the state, records the planned calls and changes nothing', async () => {
    const before = await moto.snapshot();
    const result = await runCli(
      ['runbook', 'run', 'quarantine-account', '--account', 'production', '--incident', 'DRY-1', '--dry-run', '--json'],
      { env },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await moto.snapshot(), before, 'moto state unchanged');
    const out = JSON.parse(result.stdout) as { dryRun: boolean; steps: { id: string; status: string }[] };
    assert.equal(out.dryRun, true);
    assert.deepEqual(
      out.steps.map((s) => s.status),
      ['passed', 'passed', 'planned', 'planned', 'planned', 'planned', 'skipped'],
    );
    const records = readFileSync(join(env.XDG_STATE_HOME!, 'awsorg', 'audit', 'DRY-1.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; request?: { action: string }[] });
    assert.deepEqual(
      records.filter((r) => r.status === 'planned').map((r) => r.request![0]!.action),
      ['CreateOrganizationalUnit', 'CreatePolicy', 'AttachPolicy', 'MoveAccount'],
    );
    // The dry run moved nothing, so it must not promise that a rollback moves it back.
    assert.doesNotMatch(result.stderr, /^ {2}- When the account is clean/m);
    assert.match(
      result.stderr,
      /^ {2}- After a real run: when the account is clean, `awsorg runbook rollback DRY-1` moves it back/m,
    );
    const rollback = await runCli(['runbook', 'rollback', 'DRY-1', '--yes'], { env });
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stderr, /Nothing to roll back for DRY-1/);
  });

  it('quarantines production: parent is the Quarantine OU with the SCP attached', async () => {
    const prior = await placement(production);
    const result = await runCli(
      ['runbook', 'run', 'quarantine-account', '--account', 'production', '--incident', 'INC-1', '--yes'],
      { env },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /quarantine-account for INC-1: completed/);
    const ou = await quarantineOu();
    assert.ok(ou?.Id, 'a Quarantine OU exists');
    const now = await placement(production);
    assert.equal(now.parents?.[0]?.Id, ou.Id);
    const ouPolicies =
      (
        await aws.organizations.send(
          new ListPoliciesForTargetCommand({ TargetId: ou.Id, Filter: 'SERVICE_CONTROL_POLICY' }),
        )
      ).Policies ?? [];
    const scp = ouPolicies.find((p) => p.Name === 'awsorg-quarantine');
    assert.ok(scp?.Id, 'the quarantine SCP is attached to the OU');
    const content = JSON.parse(
      (await aws.organizations.send(new DescribePolicyCommand({ PolicyId: scp.Id }))).Policy!.Content!,
    ) as { Statement: Record<string, unknown>[] };
    assert.deepEqual(content.Statement[0], {
      Sid: 'AwsorgQuarantineDenyAllButResponders',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/OrganizationAccountAccessRole'] } },
    });
    assert.equal(content.Statement[1]!.Action, 'organizations:LeaveOrganization');
    assert.equal(content.Statement[1]!.Effect, 'Deny');
    // The account's own policies are untouched; only its parent changed.
    assert.deepEqual(now.policies, prior.policies);

    // The transcript: private, chained, secret-free, and it verifies.
    assert.equal(statSync(transcript()).mode & 0o777, 0o600);
    const text = readFileSync(transcript(), 'utf8');
    assert.ok(!text.includes(SECRET), 'no secret access key in the transcript');
    assert.ok(text.includes('"operator":"arn:aws:'), 'the operator is recorded');
    const move = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .findLast((r) => r.step === 'move-account')!;
    assert.equal(move.status, 'applied');
    assert.equal(move.account, '123456789012');
    assert.equal(move.role, 'signed-in');
    assert.equal(move.region, 'us-east-1');
    assert.deepEqual((move.prior as { parents: unknown }).parents, prior.parents);
    const verified = await runCli(['audit', 'verify', transcript()], { env });
    assert.equal(verified.code, 0, verified.stderr);
  });

  it('audit verify fails on a copy with one character changed, naming the line', async () => {
    const copy = join(tempDir(), 'INC-1.jsonl');
    const lines = readFileSync(transcript(), 'utf8').split('\n');
    const edited = lines.findIndex((l) => l.includes('"status":"applied"'));
    lines[edited] = lines[edited]!.replace('"status":"applied"', '"status":"applieD"');
    writeFileSync(copy, lines.join('\n'));
    const result = await runCli(['audit', 'verify', copy], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`line ${edited + 1}:`));
    const intact = join(tempDir(), 'INC-1.jsonl');
    copyFileSync(transcript(), intact);
    assert.equal(
      (await runCli(['audit', 'verify', intact], { env })).code,
      0,
      'an unchanged copy verifies against the live anchor',
    );
  });

  it('a second run finds everything in place and sends nothing', async () => {
    const before = await moto.snapshot();
    const result = await runCli(
      ['runbook', 'run', 'quarantine-account', '--account', 'production', '--incident', 'INC-1', '--yes', '--json'],
      { env },
    );
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { steps: { status: string }[] };
    assert.deepEqual(
      out.steps.map((s) => s.status),
      ['passed', 'passed', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'passed'],
    );
    assert.deepEqual(await moto.snapshot(), before);
  });

  it('rollback moves it back: parents and policies equal the captured state, field by field', async () => {
    const records = readFileSync(transcript(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: string; status: string; prior?: { parents: unknown } });
    const captured = records.findLast((r) => r.step === 'move-account' && r.status === 'applied')!.prior!;
    const result = await runCli(['runbook', 'rollback', 'INC-1', '--yes'], { env });
    assert.equal(result.code, 0, result.stderr);
    const now = await placement(production);
    assert.deepEqual(now.parents, captured.parents);
    const again = await runCli(['runbook', 'rollback', 'INC-1', '--yes'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to roll back for INC-1/);
    assert.equal((await runCli(['audit', 'verify', transcript()], { env })).code, 0);
  });

  it('a forged quarantine-scp record whose rollback would rewrite a guardrail SCP is not replayed: the rollback acts only on the quarantine SCP it finds in AWS', async () => {
    const scps =
      (await aws.organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies ?? [];
    const guardrail = scps.find((p) => p.Name !== 'FullAWSAccess' && p.Name !== 'awsorg-quarantine')!;
    assert.ok(guardrail, `a guardrail SCP from bootstrap: ${scps.map((p) => p.Name).join(', ')}`);
    const content = (await aws.organizations.send(new DescribePolicyCommand({ PolicyId: guardrail.Id! }))).Policy!
      .Content!;
    const allowAll = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    // Everything the rebuild checks is consistent: the plan from this prior is the request, the rollback from it is the recorded one.
    const paths = xdgPaths(
      { XDG_STATE_HOME: env.XDG_STATE_HOME, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, XDG_CACHE_HOME: env.XDG_CACHE_HOME },
      env.HOME!,
    );
    const forger = AuditTranscript.open(paths, 'INC-SCP', { now: () => new Date() });
    forger.append({
      incident: 'INC-SCP',
      operator: 'arn:aws:iam::123456789012:user/someone',
      runbook: 'quarantine-account',
      step: 'quarantine-scp',
      kind: 'action',
      status: 'applied',
      account: '123456789012',
      role: 'signed-in',
      region: 'us-east-1',
      call: 'organizations:UpdatePolicy',
      operation: 'organizations.ensure-quarantine-policy',
      prior: { policy: { id: guardrail.Id!, content: allowAll }, wanted: content },
      request: [
        { service: 'organizations', action: 'UpdatePolicy', input: { PolicyId: guardrail.Id!, Content: content } },
      ],
      response: [{}],
      rollback: {
        requests: [
          { service: 'organizations', action: 'UpdatePolicy', input: { PolicyId: guardrail.Id!, Content: allowAll } },
        ],
        does: 'restores the quarantine SCP document it replaced',
      },
    });
    assert.equal(
      (await runCli(['audit', 'verify', join(env.XDG_STATE_HOME!, 'awsorg', 'audit', 'INC-SCP.jsonl')], { env })).code,
      0,
    );
    const result = await runCli(['runbook', 'rollback', 'INC-SCP', '--yes'], { env });
    assert.equal(
      (await aws.organizations.send(new DescribePolicyCommand({ PolicyId: guardrail.Id! }))).Policy!.Content,
      content,
      `the guardrail SCP is unchanged\n${result.stderr}`,
    );
    assert.match(result.stderr, /nothing to undo: the change is not in AWS/);
  });
});
