/**
 * `revoke-role-sessions` and `contain-access-key` through the built CLI against moto: the effect
 * on the role or user (read back through the member account), the exact rollback (twice: the
 * second undoes nothing), refusals that change nothing (moto's whole state compared before and
 * after), --dry-run, and a transcript that verifies and holds no secret.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  GetLoginProfileCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { memberClients, type Clients } from '../helpers/aws.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, MOTO_MANAGEMENT_ACCOUNT, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';

const OPERATOR_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const USER_PASSWORD = 'Correct-Horse-Battery-9';
/** Every session token moto hands out starts like this. */
const MOTO_SESSION_TOKEN = /FQoGZXIvYXdz/;

type Rec = {
  seq: number;
  step: string;
  kind: string;
  status: string;
  call?: string;
  dryRun?: boolean;
  request?: unknown;
  rollback?: { requests?: { action: string; input: Record<string, unknown> }[]; none?: string };
  detail?: unknown;
  prior?: unknown;
};

function transcriptFile(env: Record<string, string>, incident: string): string {
  return join(env.XDG_STATE_HOME!, 'awsorg', 'audit', `${incident}.jsonl`);
}

function records(env: Record<string, string>, incident: string): Rec[] {
  return readFileSync(transcriptFile(env, incident), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);
}

function assertNoSecrets(env: Record<string, string>, incident: string, secrets: string[]): void {
  const text = readFileSync(transcriptFile(env, incident), 'utf8');
  for (const secret of [OPERATOR_SECRET, ...secrets])
    assert.ok(!text.includes(secret), `the transcript must not contain ${secret.slice(0, 6)}…`);
  assert.doesNotMatch(text, MOTO_SESSION_TOKEN, 'no session token in the transcript');
  assert.doesNotMatch(text, /"(SecretAccessKey|SessionToken|Password)":"(?!\[redacted\])/);
}

async function verifyAudit(env: Record<string, string>, incident: string): Promise<void> {
  const verified = await runCli(['audit', 'verify', transcriptFile(env, incident)], { env });
  assert.equal(verified.code, 0, verified.stderr);
}

function policyJson(document: string | undefined): unknown {
  return JSON.parse(decodeURIComponent(document ?? ''));
}

function assertRevokesBefore(document: string | undefined, startedMs: number, endedMs: number): void {
  const doc = policyJson(document) as {
    Statement: {
      Effect: string;
      Action: string[];
      Resource: string[];
      Condition: { DateLessThan: Record<string, string> };
    }[];
  };
  assert.equal(doc.Statement.length, 1);
  const s = doc.Statement[0]!;
  assert.equal(s.Effect, 'Deny');
  assert.deepEqual(s.Action, ['*']);
  assert.deepEqual(s.Resource, ['*']);
  const cutoff = s.Condition.DateLessThan['aws:TokenIssueTime']!;
  assert.match(cutoff, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(
    Date.parse(cutoff) >= startedMs - 1000 && Date.parse(cutoff) <= endedMs + 1000,
    `cut-off ${cutoff} is the time of the run`,
  );
}

async function rolePolicies(
  iam: IAMClient,
  roleName: string,
): Promise<{ inline: Record<string, unknown>; attached: string[] }> {
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const inline: Record<string, unknown> = {};
  for (const name of names)
    inline[name] = policyJson(
      (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument,
    );
  const attached = (
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? []
  )
    .map((p) => p.PolicyArn!)
    .sort();
  return { inline, attached };
}

async function userState(
  iam: IAMClient,
  userName: string,
): Promise<{ inline: Record<string, unknown>; keys: Record<string, string>; loginProfile: boolean }> {
  const names = (await iam.send(new ListUserPoliciesCommand({ UserName: userName }))).PolicyNames ?? [];
  const inline: Record<string, unknown> = {};
  for (const name of names)
    inline[name] = policyJson(
      (await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: name }))).PolicyDocument,
    );
  const keys = Object.fromEntries(
    ((await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map((k) => [
      k.AccessKeyId!,
      k.Status!,
    ]),
  );
  const loginProfile = await iam.send(new GetLoginProfileCommand({ UserName: userName })).then(
    () => true,
    (err: Error) => (err.name === 'NoSuchEntityException' ? false : Promise.reject(err)),
  );
  return { inline, keys, loginProfile };
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }],
});
const APP_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::app-artifacts/*' }],
};

describe('revoke-role-sessions and contain-access-key against moto', () => {
  let moto: Moto;
  let org: OrgFixture;
  let production: string;
  let member: Clients;
  let env: Record<string, string>;

  const runbook = (args: string[], e = env): Promise<CliResult> => runCli(['runbook', ...args], { env: e });
  /** Runs the CLI and checks that moto holds exactly what it held before. */
  const refusedWithoutChange = async (args: string[], e = env): Promise<CliResult> => {
    const before = await state();
    const result = await runbook(args, e);
    assert.equal(result.code, 2, `exit 2 for ${args.join(' ')}\n${result.stderr}`);
    assert.deepEqual(await state(), before, `nothing changed in moto for ${args.join(' ')}`);
    return result;
  };
  /**
   * moto's state without the "role last used" stamps: moto sets them whenever a session of an
   * existing role makes any call, a read included, so acting through a role is not a write.
   */
  const state = async (): Promise<Record<string, unknown>> => {
    const snapshot = await moto.snapshot();
    const iam = snapshot.iam as { Role?: Record<string, unknown>[] } | undefined;
    for (const role of iam?.Role ?? []) {
      delete role.last_used;
      delete role.last_used_region;
      delete role.role_last_used;
    }
    return snapshot;
  };

  before(async () => {
    moto = await startMoto();
    org = await createOrgFixture(moto.endpoint, [
      { name: 'Production', ou: 'Workloads' },
      { name: 'Development', ou: 'Workloads' },
    ]);
    production = org.byName('Production').id;
    member = await memberClients(moto.endpoint, production);
    const iam = member.iam;
    await iam.send(new CreateRoleCommand({ RoleName: 'app-deployer', AssumeRolePolicyDocument: TRUST }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'app-deployer',
        PolicyName: 'app-access',
        PolicyDocument: JSON.stringify(APP_POLICY),
      }),
    );
    const managed = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'deploy-tools', PolicyDocument: JSON.stringify(APP_POLICY) }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'app-deployer', PolicyArn: managed.Policy!.Arn! }));
    await iam.send(new CreateRoleCommand({ RoleName: 'batch-runner', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com' }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'AWSReservedSSO_Admin_123',
        Path: '/aws-reserved/sso.amazonaws.com/',
        AssumeRolePolicyDocument: TRUST,
      }),
    );
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    // A fresh operator for every test: its own XDG state directory, so its own transcripts.
    env = operatorEnv(moto.endpoint);
  });

  it('revoke-role-sessions puts AWSRevokeOlderSessions, and the rollback removes it exactly once', async () => {
    const before = await rolePolicies(member.iam, 'app-deployer');
    assert.deepEqual(Object.keys(before.inline), ['app-access']);
    const started = Date.now();
    const run = await runbook([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-R1',
      '--account',
      'Production',
      '--role-name',
      'app-deployer',
      '--yes',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const ended = Date.now();

    const afterRun = await rolePolicies(member.iam, 'app-deployer');
    assert.deepEqual(Object.keys(afterRun.inline).sort(), ['AWSRevokeOlderSessions', 'app-access']);
    const revoke = await member.iam.send(
      new GetRolePolicyCommand({ RoleName: 'app-deployer', PolicyName: 'AWSRevokeOlderSessions' }),
    );
    assertRevokesBefore(revoke.PolicyDocument, started, ended);
    assert.deepEqual(afterRun.attached, before.attached, 'attached policies are untouched');

    const recs = records(env, 'INC-R1');
    const captured = recs.findLast((r) => r.step === 'capture-policies')!;
    assert.equal(captured.status, 'passed');
    assert.deepEqual(
      (captured.detail as { found: { inline: { name: string; document: string }[] } }).found.inline.map((p) => [
        p.name,
        JSON.parse(p.document),
      ]),
      [['app-access', APP_POLICY]],
    );
    const action = recs.findLast((r) => r.step === 'revoke-sessions')!;
    assert.equal(action.status, 'applied');
    assert.equal(action.call, 'iam:PutRolePolicy');
    assert.deepEqual(
      action.rollback?.requests?.map((q) => [q.action, q.input]),
      [['DeleteRolePolicy', { RoleName: 'app-deployer', PolicyName: 'AWSRevokeOlderSessions' }]],
    );
    assert.equal(recs.findLast((r) => r.step === 'verify-revoked')?.status, 'passed');
    assert.match(run.stderr, /transcript: .*INC-R1\.jsonl/);

    const rollback = await runbook(['rollback', 'INC-R1', '--yes']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.deepEqual(
      await rolePolicies(member.iam, 'app-deployer'),
      before,
      'inline and attached policies are as before',
    );

    const again = await runbook(['rollback', 'INC-R1', '--yes']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to roll back/);
    assert.deepEqual(await rolePolicies(member.iam, 'app-deployer'), before);

    assertNoSecrets(env, 'INC-R1', []);
    await verifyAudit(env, 'INC-R1');
  });

  it('a previous AWSRevokeOlderSessions is replaced by a later cut-off, and the rollback puts its document back', async () => {
    const earlier = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
        },
      ],
    };
    await member.iam.send(
      new PutRolePolicyCommand({
        RoleName: 'batch-runner',
        PolicyName: 'AWSRevokeOlderSessions',
        PolicyDocument: JSON.stringify(earlier),
      }),
    );
    const before = await rolePolicies(member.iam, 'batch-runner');
    const started = Date.now();
    const run = await runbook([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-R2',
      '--account',
      production,
      '--role-name',
      'batch-runner',
      '--yes',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const revoke = await member.iam.send(
      new GetRolePolicyCommand({ RoleName: 'batch-runner', PolicyName: 'AWSRevokeOlderSessions' }),
    );
    assertRevokesBefore(revoke.PolicyDocument, started, Date.now());
    const action = records(env, 'INC-R2').findLast((r) => r.step === 'revoke-sessions')!;
    assert.equal(action.rollback?.requests?.[0]?.action, 'PutRolePolicy');

    const rollback = await runbook(['rollback', 'INC-R2', '--yes']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.deepEqual(await rolePolicies(member.iam, 'batch-runner'), before);
    await verifyAudit(env, 'INC-R2');
  });

  it('refuses service-linked, IAM Identity Center, unknown and self-acting roles with exit 2 and no write', async () => {
    const slr = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-X1',
      '--account',
      'Production',
      '--role-name',
      'AWSServiceRoleForElasticBeanstalk',
      '--yes',
    ]);
    assert.match(slr.stderr, /service-linked role.*cannot|service-linked role.*does not let/s);
    assert.match(slr.stderr, /Next step: /);
    const sso = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-X2',
      '--account',
      'Production',
      '--role-name',
      'AWSReservedSSO_Admin_123',
      '--yes',
    ]);
    assert.match(sso.stderr, /IAM Identity Center/);
    assert.match(sso.stderr, /permission set/);
    const unknown = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-X3',
      '--account',
      'Production',
      '--role-name',
      'no-such-role',
      '--yes',
    ]);
    assert.match(unknown.stderr, /no IAM role named no-such-role/);
    const self = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-X4',
      '--account',
      'Production',
      '--role-name',
      'batch-runner',
      '--access-role',
      'batch-runner',
      '--yes',
    ]);
    assert.match(self.stderr, /acts in account \d{12} through a session of that same role/);
    assert.match(self.stderr, /--access-role/);
    for (const inc of ['INC-X1', 'INC-X2', 'INC-X3']) {
      const recs = records(env, inc);
      assert.equal(recs.findLast((r) => r.step === 'refuse-protected-role')?.status, 'refused');
      assert.ok(!recs.some((r) => r.kind === 'action'), 'no action was even planned');
      await verifyAudit(env, inc);
    }
  });

  it('refuses an unknown account, a missing --incident and a run without a terminal or --yes, with exit 2 and no write', async () => {
    const unknown = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-X5',
      '--account',
      'Nowhere',
      '--role-name',
      'app-deployer',
      '--yes',
    ]);
    assert.match(unknown.stderr, /Nowhere/);
    const noIncident = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--account',
      'Production',
      '--role-name',
      'app-deployer',
      '--yes',
    ]);
    assert.match(noIncident.stderr, /--incident/);
    const noYes = await refusedWithoutChange([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-X6',
      '--account',
      'Production',
      '--role-name',
      'app-deployer',
    ]);
    assert.match(noYes.stderr, /--yes/);
    await refusedWithoutChange([
      'run',
      'contain-access-key',
      '--incident',
      'INC-X7',
      '--access-key-id',
      'AKIAIOSFODNN7EXAMPLE',
    ]);
    assert.ok(!existsSync(transcriptFile(env, 'INC-X6')), 'nothing was recorded for a run that never started');
  });

  it('--dry-run changes nothing and records the planned step', async () => {
    const before = await state();
    const run = await runbook([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-D1',
      '--account',
      'Production',
      '--role-name',
      'app-deployer',
      '--dry-run',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await state(), before);
    const recs = records(env, 'INC-D1');
    const action = recs.findLast((r) => r.step === 'revoke-sessions')!;
    assert.equal(action.status, 'planned');
    assert.equal(action.dryRun, true);
    assert.equal(recs.findLast((r) => r.step === 'verify-revoked')?.status, 'skipped');
    const rollback = await runbook(['rollback', 'INC-D1', '--yes']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stderr, /Nothing to roll back/);
    assertNoSecrets(env, 'INC-D1', []);
  });

  describe('contain-access-key', () => {
    let keyId: string;
    let keySecret: string;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] };

    before(async () => {
      const iam = member.iam;
      await iam.send(new CreateUserCommand({ UserName: 'ci-deployer' }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'ci-deployer',
          PolicyName: 'ci-access',
          PolicyDocument: JSON.stringify(policy),
        }),
      );
      await iam.send(new CreateLoginProfileCommand({ UserName: 'ci-deployer', Password: USER_PASSWORD }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-deployer' }))).AccessKey!;
      keyId = key.AccessKeyId!;
      keySecret = key.SecretAccessKey!;
    });

    it('finds the account and user, deactivates the key, denies older sessions and removes the console password; the rollback restores what it can', async () => {
      const before = await userState(member.iam, 'ci-deployer');
      assert.deepEqual(before, { inline: { 'ci-access': policy }, keys: { [keyId]: 'Active' }, loginProfile: true });
      const started = Date.now();
      const run = await runbook([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K1',
        '--access-key-id',
        keyId,
        '--yes',
      ]);
      assert.equal(run.code, 0, run.stderr);

      const contained = await userState(member.iam, 'ci-deployer');
      assert.equal(contained.keys[keyId], 'Inactive', 'the key is deactivated, not deleted');
      assert.equal(contained.loginProfile, false);
      assert.deepEqual(Object.keys(contained.inline).sort(), [`awsorg-contain-${keyId}`, 'ci-access']);
      const deny = await member.iam.send(
        new GetUserPolicyCommand({ UserName: 'ci-deployer', PolicyName: `awsorg-contain-${keyId}` }),
      );
      assertRevokesBefore(deny.PolicyDocument, started, Date.now());

      const recs = records(env, 'INC-K1');
      assert.match(JSON.stringify(recs.findLast((r) => r.step === 'find-account')?.detail), new RegExp(production));
      assert.match(JSON.stringify(recs.findLast((r) => r.step === 'find-user')?.detail), /ci-deployer/);
      const login = recs.findLast((r) => r.step === 'remove-console-password')!;
      assert.equal(login.status, 'applied');
      assert.match(login.rollback?.none ?? '', /cannot be restored.*create-login-profile.*--password-reset-required/);
      assert.equal(recs.findLast((r) => r.step === 'verify-contained')?.status, 'passed');

      const rollback = await runbook(['rollback', 'INC-K1', '--yes']);
      assert.equal(rollback.code, 0, rollback.stderr);
      assert.match(
        rollback.stderr,
        /contain-access-key remove-console-password .*cannot be restored/,
        'the rollback says the password was not put back',
      );
      const restored = await userState(member.iam, 'ci-deployer');
      assert.deepEqual(
        restored,
        { ...before, loginProfile: false },
        'key Active and user policies as before; the password stays gone',
      );

      const again = await runbook(['rollback', 'INC-K1', '--yes']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /Nothing to roll back/);
      assert.deepEqual(await userState(member.iam, 'ci-deployer'), restored);

      assertNoSecrets(env, 'INC-K1', [keySecret, USER_PASSWORD]);
      await verifyAudit(env, 'INC-K1');
    });

    it('with --account, an already inactive key and no console password: nothing is sent for those steps', async () => {
      await member.iam.send(
        new UpdateAccessKeyCommand({ UserName: 'ci-deployer', AccessKeyId: keyId, Status: 'Inactive' }),
      );
      const run = await runbook([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K2',
        '--access-key-id',
        keyId,
        '--account',
        'Production',
        '--yes',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const recs = records(env, 'INC-K2');
      assert.equal(recs.findLast((r) => r.step === 'deactivate-key')?.status, 'unchanged');
      assert.equal(recs.findLast((r) => r.step === 'remove-console-password')?.status, 'unchanged');
      assert.equal(recs.findLast((r) => r.step === 'deny-older-sessions')?.status, 'applied');
      const rollback = await runbook(['rollback', 'INC-K2', '--yes']);
      assert.equal(rollback.code, 0, rollback.stderr);
      const state = await userState(member.iam, 'ci-deployer');
      assert.deepEqual(state, { inline: { 'ci-access': policy }, keys: { [keyId]: 'Inactive' }, loginProfile: false });
      await member.iam.send(
        new UpdateAccessKeyCommand({ UserName: 'ci-deployer', AccessKeyId: keyId, Status: 'Active' }),
      );
    });

    it('--dry-run changes nothing and records every action as planned', async () => {
      await member.iam.send(new CreateLoginProfileCommand({ UserName: 'ci-deployer', Password: USER_PASSWORD }));
      const before = await state();
      const run = await runbook([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K3',
        '--access-key-id',
        keyId,
        '--dry-run',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await state(), before);
      const recs = records(env, 'INC-K3');
      assert.deepEqual(
        recs.filter((r) => r.kind === 'action').map((r) => [r.step, r.status, r.call]),
        [
          ['deactivate-key', 'planned', 'iam:UpdateAccessKey'],
          ['deny-older-sessions', 'planned', 'iam:PutUserPolicy'],
          ['remove-console-password', 'planned', 'iam:DeleteLoginProfile'],
        ],
      );
      assertNoSecrets(env, 'INC-K3', [keySecret, USER_PASSWORD]);
      await verifyAudit(env, 'INC-K3');
    });

    it('refuses a key of another account than --account, an unknown key and a temporary key, with exit 2 and no write', async () => {
      const other = await refusedWithoutChange([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K4',
        '--access-key-id',
        keyId,
        '--account',
        'Development',
        '--yes',
      ]);
      assert.match(other.stderr, new RegExp(`belongs to account ${production}`));
      // moto's sts:GetAccessKeyInfo answers the caller's (management) account for a key it does not know, so act there as the sign-in.
      const unknown = await refusedWithoutChange([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K5',
        '--access-key-id',
        'AKIAZZZZZZZZZZZZZZZZ',
        '--access-role',
        'signed-in',
        '--yes',
      ]);
      assert.match(
        unknown.stderr,
        new RegExp(`no IAM user in account ${MOTO_MANAGEMENT_ACCOUNT} has access key AKIAZZZZZZZZZZZZZZZZ`),
      );
      const temporary = await refusedWithoutChange([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K6',
        '--access-key-id',
        'ASIAZZZZZZZZZZZZZZZZ',
        '--yes',
      ]);
      assert.match(temporary.stderr, /temporary.*revoke-role-sessions/s);
      for (const inc of ['INC-K4', 'INC-K5', 'INC-K6']) await verifyAudit(env, inc);
    });

    it("a management-account key: refused through OrganizationAccountAccessRole, contained through the operator's own sign-in", async () => {
      const iam = org.clients.iam;
      await iam.send(new CreateUserCommand({ UserName: 'legacy-admin' }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'legacy-admin' }))).AccessKey!;
      const refused = await refusedWithoutChange([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K7',
        '--access-key-id',
        key.AccessKeyId!,
        '--yes',
      ]);
      assert.match(refused.stderr, /management account .* has no OrganizationAccountAccessRole/);
      const run = await runbook([
        'run',
        'contain-access-key',
        '--incident',
        'INC-K8',
        '--access-key-id',
        key.AccessKeyId!,
        '--access-role',
        'signed-in',
        '--yes',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const state = await userState(iam, 'legacy-admin');
      assert.equal(state.keys[key.AccessKeyId!], 'Inactive');
      assert.deepEqual(Object.keys(state.inline), [`awsorg-contain-${key.AccessKeyId}`]);
      const action = records(env, 'INC-K8').findLast((r) => r.step === 'deactivate-key') as Rec & {
        account?: string;
        role?: string;
      };
      assert.deepEqual([action.account, action.role], [MOTO_MANAGEMENT_ACCOUNT, 'signed-in']);
      const rollback = await runbook(['rollback', 'INC-K8', '--yes']);
      assert.equal(rollback.code, 0, rollback.stderr);
      assert.deepEqual(await userState(iam, 'legacy-admin'), {
        inline: {},
        keys: { [key.AccessKeyId!]: 'Active' },
        loginProfile: false,
      });
      assertNoSecrets(env, 'INC-K8', [key.SecretAccessKey!]);
    });
  });
});
