/**
 * break-glass-drill and break-glass-session through the built CLI against moto, signed in as a
 * break-glass IAM user (access keys, a console password and an MFA device) in the management
 * account of a small organization:
 * - the drill reports every item, fails on the account without the emergency role, and leaves
 *   moto exactly as it was;
 * - the session records the approver, starts an MFA session, assumes the role with the incident
 *   as the session name, and opens $SHELL, where the real AWS CLI sees that session; the
 *   transcript holds no secret and verifies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  EnableMFADeviceCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { AttachPolicyCommand, CreatePolicyCommand, EnablePolicyTypeCommand } from '@aws-sdk/client-organizations';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { memberClients } from '../helpers/aws.js';
import { CLI, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, MOTO_MANAGEMENT_ACCOUNT, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';

const ROLE = 'OrganizationAccountAccessRole';
const USER = 'breakglass';
const MFA_SERIAL = `arn:aws:iam::${MOTO_MANAGEMENT_ACCOUNT}:mfa/${USER}`;
const MFA_CODE = '246813';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MOTO_MANAGEMENT_ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const PROTECT_SCP = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ProtectBreakGlassRole',
      Effect: 'Deny',
      Action: [
        'iam:DeleteRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:PutRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:DeleteRolePolicy',
      ],
      Resource: `arn:aws:iam::*:role/${ROLE}`,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/IncidentResponder'] } },
    },
  ],
});
const SIGN_IN = 'AWS Console Sign In via CloudTrail';

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

interface TranscriptRecord {
  step: string;
  kind: string;
  status: string;
  call?: string;
  response?: unknown;
  ack?: { text: string };
  detail?: Record<string, unknown>;
}

/** Run the CLI with stdin piped from `input` (runCli ignores stdin; the break-glass shell reads it). */
function runCliWithInput(args: string[], env: Record<string, string>, input: string): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

function transcriptFile(env: Record<string, string>, incident: string): string {
  return join(env.XDG_STATE_HOME!, 'awsorg', 'audit', `${incident}.jsonl`);
}

function records(file: string): TranscriptRecord[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TranscriptRecord);
}

/**
 * moto's state without the use timestamps it keeps, as AWS does, on every key that signs a
 * request and every role that is assumed (last_used, last_used_region, role_last_used): using credentials is
 * not a change the drill makes.
 */
async function stateOf(moto: Moto): Promise<unknown> {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !k.includes('last_used'))
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  return strip(await moto.snapshot());
}

/** Remove a role moto created with the account (it comes with policies that block DeleteRole). */
async function deleteRole(endpoint: string, accountId: string, roleName: string): Promise<void> {
  const { iam } = await memberClients(endpoint, accountId);
  for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ??
    []) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn }));
  }
  for (const name of (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? []) {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
  }
  await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
}

describe('break-glass runbooks against moto', () => {
  let moto: Moto;
  let org: OrgFixture;
  let keys: Keys;
  let env: () => Record<string, string>;

  before(async () => {
    moto = await startMoto();
    org = await createOrgFixture(moto.endpoint, [
      { name: 'Audit', ou: 'Security' },
      { name: 'Production', ou: 'Workloads/Prod' },
      { name: 'Sandbox', ou: 'Sandbox' },
    ]);
    const { iam, organizations } = org.clients;
    // The emergency role: Organizations made it in every member account (moto does too); the
    // management account gets one by hand; Sandbox has lost its copy.
    await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST }));
    await deleteRole(moto.endpoint, org.byName('Sandbox').id, ROLE);
    // The SCP that protects it, on the root.
    await organizations.send(new EnablePolicyTypeCommand({ RootId: org.rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    const policy = await organizations.send(
      new CreatePolicyCommand({
        Name: 'protect-break-glass',
        Description: 'deny changes to the emergency role',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: PROTECT_SCP,
      }),
    );
    await organizations.send(
      new AttachPolicyCommand({ PolicyId: policy.Policy!.PolicySummary!.Id!, TargetId: org.rootId }),
    );
    // Alerts on root sign-in and on the break-glass user's sign-in.
    const events = new EventBridgeClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const alert = async (name: string, pattern: unknown) => {
      await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
      await events.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [{ Id: 'on-call', Arn: `arn:aws:sns:us-east-1:${MOTO_MANAGEMENT_ACCOUNT}:security-alerts` }],
        }),
      );
    };
    await alert('root-console-sign-in', { 'detail-type': [SIGN_IN], detail: { userIdentity: { type: ['Root'] } } });
    await alert('break-glass-console-sign-in', {
      source: ['aws.signin'],
      'detail-type': [SIGN_IN],
      detail: { userIdentity: { userName: [USER] } },
    });
    // The break-glass user: keys, a console password and an MFA device.
    await iam.send(new CreateUserCommand({ UserName: USER }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey!;
    keys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    await iam.send(new CreateLoginProfileCommand({ UserName: USER, Password: 'Break-Glass-Example-1!' }));
    await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: USER }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: USER,
        SerialNumber: MFA_SERIAL,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    env = () =>
      operatorEnv(moto.endpoint, {
        AWS_ACCESS_KEY_ID: keys.accessKeyId,
        AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
        SHELL: '/bin/sh',
      });
  });
  after(async () => {
    await moto?.stop();
  });

  it('drill: reports every item, fails on the account without the emergency role, changes nothing, and the transcript verifies', async () => {
    const before = await stateOf(moto);
    const e = env();
    const r = await runCli(['runbook', 'run', 'break-glass-drill', '--incident', 'DRILL-1', '--yes'], { env: e });
    assert.equal(r.code, 1, r.stderr);
    const sandbox = org.byName('Sandbox');
    const expected = [
      /PASS {2}sign-in: IAM user breakglass in 123456789012/,
      new RegExp(`PASS {2}MFA device: ${MFA_SERIAL}`),
      /PASS {2}\S.* \(123456789012\): arn:aws:iam::123456789012:role\/OrganizationAccountAccessRole/,
      new RegExp(`PASS {2}Audit \\(${org.byName('Audit').id}\\): arn:aws:iam::${org.byName('Audit').id}:role/${ROLE}`),
      new RegExp(`PASS {2}Production \\(${org.byName('Production').id}\\)`),
      new RegExp(`FAIL {2}Sandbox \\(${sandbox.id}\\): ${ROLE} is missing`),
      /PASS {2}all 3 member accounts: protect-break-glass \(p-\w+\) on the root r-\w+ denies iam:DeleteRole, iam:UpdateAssumeRolePolicy, iam:PutRolePolicy, iam:AttachRolePolicy on OrganizationAccountAccessRole \(ProtectBreakGlassRole\); except ArnNotLike aws:PrincipalArn arn:aws:iam::\*:role\/IncidentResponder/,
      /PASS {2}root console sign-in: root-console-sign-in \(ENABLED\) sends it to arn:aws:sns:us-east-1:123456789012:security-alerts/,
      /PASS {2}console sign-in by breakglass: break-glass-console-sign-in \(ENABLED\)/,
      /PASS {2}breakglass console password: never used; created \d{4}-\d\d-\d\d \(0 days ago\)/,
      new RegExp(`PASS {2}breakglass MFA: ${MFA_SERIAL}`),
      new RegExp(
        `PASS {2}breakglass access key ${keys.accessKeyId}: last used \\d{4}-\\d\\d-\\d\\d \\(iam, us-east-1\\), today \\(by this drill`,
      ),
      /awsorg: 1 check failed: emergency-role/,
    ];
    for (const line of expected) assert.match(r.stderr, line);
    assert.equal((r.stderr.match(/^\s+FAIL /gm) ?? []).length, 1, r.stderr);
    assert.deepEqual(await stateOf(moto), before, 'the drill is read-only');

    const file = transcriptFile(e, 'DRILL-1');
    const steps = records(file);
    assert.deepEqual(
      steps.map((s) => `${s.step}:${s.status}`),
      [
        'run-start:started',
        'identity-mfa:passed',
        'emergency-role:failed',
        'role-protection:passed',
        'sign-in-alert:passed',
        'credential-use:passed',
        'run-end:failed',
      ],
    );
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(keys.secretAccessKey.replace(/[/+]/g, '\\$&')));
    const verify = await runCli(['audit', 'verify', file], { env: e });
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('drill: names what is missing for another role and unknown users (dry run: the same reads)', async () => {
    const before = await stateOf(moto);
    const r = await runCli(
      [
        'runbook',
        'run',
        'break-glass-drill',
        '--incident',
        'DRILL-2',
        '--dry-run',
        '--emergency-role',
        'BreakGlassAdmin',
        '--break-glass-users',
        `${USER},ghost`,
      ],
      { env: env() },
    );
    assert.equal(r.code, 1, r.stderr);
    for (const a of org.accounts) {
      assert.match(r.stderr, new RegExp(`FAIL {2}${a.name} \\(${a.id}\\): BreakGlassAdmin is missing`));
      assert.match(
        r.stderr,
        new RegExp(
          `FAIL {2}${a.name} \\(${a.id}\\): no SCP attached on its path \\(r-\\w+ > ou-[\\w-]+ .*${a.id}\\) denies`,
        ),
      );
    }
    assert.match(r.stderr, /FAIL {2}console sign-in by ghost: no EventBridge rule in us-east-1 matches/);
    assert.match(r.stderr, /FAIL {2}ghost: no IAM user ghost in 123456789012: the credential is missing/);
    assert.match(r.stderr, /4 checks failed: emergency-role, role-protection, sign-in-alert, credential-use/);
    assert.deepEqual(await stateOf(moto), before);
  });

  it('session: records the approver, assumes the role as the incident, opens $SHELL with it, and keeps every secret out of the transcript', async () => {
    const e = env();
    const out = tempDir('awsorg-break-glass-');
    const production = org.byName('Production');
    const script = [
      `aws sts get-caller-identity --output json > ${out}/identity.json`,
      `printf '%s\\n%s\\n' "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" > ${out}/credentials`,
      `printf '%s %s\\n' "$AWSORG_INCIDENT" "$AWS_REGION" > ${out}/markers`,
      'exit 0',
      '',
    ].join('\n');
    const r = await runCliWithInput(
      [
        'runbook',
        'run',
        'break-glass-session',
        '--incident',
        'INC-7',
        '--account',
        'Production',
        '--approver',
        'alice',
        '--token-code',
        MFA_CODE,
        '--yes',
      ],
      e,
      script,
    );
    assert.equal(r.code, 0, r.stderr);

    const sessionArn = `arn:aws:sts::${production.id}:assumed-role/${ROLE}/INC-7`;
    const identity = JSON.parse(readFileSync(join(out, 'identity.json'), 'utf8')) as { Arn: string; Account: string };
    assert.equal(
      identity.Arn,
      sessionArn,
      'the AWS CLI in the shell runs as the role session named after the incident',
    );
    assert.equal(readFileSync(join(out, 'markers'), 'utf8').trim(), 'INC-7 us-east-1');
    assert.match(r.stderr, new RegExp(`Opening /bin/sh as ${sessionArn.replace(/[/]/g, '\\/')}`));
    assert.match(r.stderr, /Shell exited with status 0/);
    assert.match(
      r.stderr,
      /aws cloudtrail lookup-events --region us-east-1 --lookup-attributes AttributeKey=Username,AttributeValue=INC-7/,
    );
    assert.match(r.stderr, /Rotate the break-glass credentials used/);
    assert.match(r.stderr, /Confirm the break-glass sign-in alert fired/);

    const file = transcriptFile(e, 'INC-7');
    const text = readFileSync(file, 'utf8');
    const steps = records(file);
    assert.deepEqual(
      steps.map((s) => `${s.step}:${s.status}`),
      [
        'run-start:started',
        'record-approval:acknowledged',
        'start-mfa-session:sending',
        'start-mfa-session:applied',
        'assume-target:sending',
        'assume-target:applied',
        'run-end:completed',
        'close-out:completed',
      ],
    );
    const start = steps[0]!.detail as { params: Record<string, string> };
    assert.equal(start.params.approver, 'alice');
    assert.equal(start.params['token-code'], '[redacted]');
    assert.match(start.params.account!, new RegExp(`^${production.id} \\(Production\\)$`));
    assert.equal(steps[2]!.call, 'sts:GetSessionToken');
    assert.equal(steps[5]!.call, 'sts:AssumeRole');
    assert.match(JSON.stringify(steps[5]!.response), new RegExp(sessionArn.replace(/[/]/g, '\\/')));
    const closeOut = steps[7]!.detail as { shellExitCode: number; sessionArn: string; followUps: string[] };
    assert.equal(closeOut.shellExitCode, 0);
    assert.equal(closeOut.sessionArn, sessionArn);
    assert.ok(closeOut.followUps.some((f) => f.includes('AttributeKey=Username,AttributeValue=INC-7')));

    // No secret reaches the file: the user's own key, the MFA session's, the role session's, the code.
    const [roleSecret, roleToken] = readFileSync(join(out, 'credentials'), 'utf8').trim().split('\n');
    const mfa = await new STSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: keys }).send(
      new GetSessionTokenCommand({ SerialNumber: MFA_SERIAL, TokenCode: '135790' }),
    );
    const secrets = [
      keys.secretAccessKey,
      roleSecret!,
      roleToken!,
      mfa.Credentials!.SecretAccessKey!,
      mfa.Credentials!.SessionToken!,
    ];
    for (const secret of secrets) {
      assert.ok(secret.length >= 16, 'a real secret was read back');
      assert.equal(text.includes(secret), false, `the transcript must not contain ${secret.slice(0, 6)}…`);
    }
    assert.equal(text.includes(MFA_CODE), false, 'the MFA code is never recorded');
    assert.doesNotMatch(text, /"(SecretAccessKey|SessionToken|TokenCode)":"(?!\[redacted\])/);

    const verify = await runCli(['audit', 'verify', file], { env: e });
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('session: a shell that cannot start is recorded as a failed close-out, and the exit code says so', async () => {
    const e = { ...env(), SHELL: '/nonexistent/shell' };
    const r = await runCliWithInput(
      [
        'runbook',
        'run',
        'break-glass-session',
        '--incident',
        'INC-11',
        '--account',
        'Audit',
        '--approver',
        'alice',
        '--token-code',
        MFA_CODE,
        '--yes',
      ],
      e,
      '',
    );
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /could not start \/nonexistent\/shell/);
    assert.match(r.stderr, /AttributeValue=INC-11/, 'the follow-ups are printed even so');
    const file = transcriptFile(e, 'INC-11');
    const closeOut = records(file).at(-1)!;
    assert.equal(`${closeOut.step}:${closeOut.status}`, 'close-out:failed');
    assert.equal((await runCli(['audit', 'verify', file], { env: e })).code, 0);
  });

  it('session: a dry run plans both calls, opens no shell and sends nothing', async () => {
    const e = env();
    const r = await runCli(
      [
        'runbook',
        'run',
        'break-glass-session',
        '--incident',
        'INC-8',
        '--account',
        'Production',
        '--approver',
        'alice',
        '--dry-run',
      ],
      { env: e },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Opening /);
    const steps = records(transcriptFile(e, 'INC-8'));
    assert.deepEqual(
      steps.map((s) => `${s.step}:${s.status}`),
      [
        'run-start:started',
        'record-approval:skipped',
        'start-mfa-session:planned',
        'assume-target:planned',
        'run-end:completed',
      ],
    );
  });

  it('session: without a terminal and without --token-code, stops at the MFA step naming the flag, before any role is assumed', async () => {
    const e = env();
    const r = await runCli(
      [
        'runbook',
        'run',
        'break-glass-session',
        '--incident',
        'INC-9',
        '--account',
        'Production',
        '--approver',
        'alice',
        '--yes',
      ],
      { env: e },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--token-code/);
    assert.doesNotMatch(r.stderr, /Opening /);
    const steps = records(transcriptFile(e, 'INC-9'));
    assert.equal(steps.find((s) => s.step === 'assume-target')?.status, undefined);
  });

  it('session: refuses a bad --region before any credential is issued', async () => {
    const e = env();
    const r = await runCli(
      [
        'runbook',
        'run',
        'break-glass-session',
        '--incident',
        'INC-12',
        '--account',
        'Production',
        '--approver',
        'alice',
        '--token-code',
        MFA_CODE,
        '--region',
        'moon-1',
        '--yes',
      ],
      { env: e },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--region "moon-1" is not an AWS region/);
    const steps = records(transcriptFile(e, 'INC-12'));
    assert.equal(steps.find((s) => s.step === 'start-mfa-session')?.status, 'refused');
    assert.equal(
      steps.some((s) => s.status === 'applied'),
      false,
    );
  });

  it('session: refuses without --approver (exit 2) and writes no transcript', async () => {
    const e = env();
    const r = await runCli(
      [
        'runbook',
        'run',
        'break-glass-session',
        '--incident',
        'INC-10',
        '--account',
        'Production',
        '--token-code',
        MFA_CODE,
        '--yes',
      ],
      { env: e },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--approver/);
    assert.equal(existsSync(transcriptFile(e, 'INC-10')), false);
  });
});
