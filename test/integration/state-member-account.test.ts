/**
 * A state bucket and lock table in a member account, with the real terraform binary and a real
 * moto_server. After awsorg moves the state there (bootstrap, or `state migrate --account`),
 * `terraform plan` in the directory must work with nothing but the management account's
 * credentials: backend.tf assumes the member role itself. A later lock-mode change in the
 * blueprint (or `--lock`) is planned, written to backend.tf and applied with `init -reconfigure`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { memberClients, type Clients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';
import { createDeps, systemClock } from '../../src/aws/deps.js';
import { WizardOperations } from '../../src/ui/wizard/operations.js';

const MAIN_TF = `resource "terraform_data" "bootstrap" {
  input = "hello"
}
`;

function blueprint(bucket: string, lock: 'dynamodb' | 'lockfile'): string {
  return [
    'version: 1',
    'region: us-east-1',
    'organization:',
    '  trustedServices: []',
    '  policyTypes: []',
    'organizationalUnits: [ Infrastructure ]',
    'accounts:',
    '  - { name: shared-services, email: aws+shared-services@acme-corp.io, ou: Infrastructure }',
    'stateBackend:',
    '  account: shared-services',
    `  bucket: ${bucket}`,
    `  lock: ${lock}`,
    ...(lock === 'dynamodb' ? ['  table: member-tf-locks'] : []),
    '  encryption: AES256',
    '  enforceTls: false',
    'terraform:',
    '  dir: ./bootstrap',
    '  key: bootstrap/terraform.tfstate',
    '  tool: terraform',
    '',
  ].join('\n');
}

describe('a state backend in a member account (terraform + moto)', () => {
  let moto: Moto;
  let env: Record<string, string>;
  let root: string;
  let memberId: string;
  let member: Clients;
  const bucket = `member-tfstate-${process.pid}`;

  before(async () => {
    moto = await startMoto();
    env = isolatedEnv({ ...moto.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' });
    root = tempDir('awsorg-member-state-');
  });
  after(async () => {
    await moto?.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(env.HOME!, { recursive: true, force: true });
  });

  /** A directory with MAIN_TF, applied with local state. */
  async function appliedDir(dir: string): Promise<{ lineage: string; serial: number }> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.tf'), MAIN_TF);
    const init = await terraform(['init', '-input=false', '-no-color'], dir, env);
    assert.equal(init.code, 0, init.output);
    const apply = await terraform(['apply', '-auto-approve', '-input=false', '-no-color'], dir, env);
    assert.equal(apply.code, 0, apply.output);
    return JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8')) as { lineage: string; serial: number };
  }

  /** `terraform plan` with the management account's keys only (env holds nothing else). */
  async function planWithManagementCredentials(dir: string): Promise<void> {
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
    assert.equal(plan.code, 0, plan.output);
  }

  it('bootstrap writes backend.tf with assume_role into the member account; plan works with management credentials', async () => {
    const local = await appliedDir(join(root, 'bootstrap'));
    writeFileSync(join(root, 'awsorg.yaml'), blueprint(bucket, 'dynamodb'));
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes', '--json'], {
      env,
      cwd: root,
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    memberId = (JSON.parse(run.stdout) as { accounts: Record<string, string> }).accounts['shared-services']!;
    assert.match(memberId, /^\d{12}$/);
    member = await memberClients(moto.endpoint, memberId);
    await planWithManagementCredentials(join(root, 'bootstrap'));

    const backendTf = readFileSync(join(root, 'bootstrap', 'backend.tf'), 'utf8');
    assert.match(
      backendTf,
      new RegExp(
        `assume_role = \\{\\n\\s+role_arn = "arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole"\\n\\s+\\}`,
      ),
    );
    const remote = await member.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'bootstrap/terraform.tfstate' }));
    const state = JSON.parse((await remote.Body?.transformToString()) ?? '') as { lineage: string; serial: number };
    assert.deepEqual([state.lineage, state.serial], [local.lineage, local.serial]);
    const fmt = await terraform(['fmt', '-check', '-diff', 'backend.tf'], join(root, 'bootstrap'), env);
    assert.equal(fmt.code, 0, fmt.output);
  });

  it('bootstrap plans and applies a lock-mode change (dynamodb -> lockfile -> dynamodb)', async () => {
    const dir = join(root, 'bootstrap');
    writeFileSync(join(root, 'lockfile.yaml'), blueprint(bucket, 'lockfile'));
    const plan = await runCli(['bootstrap', '--config', 'lockfile.yaml', '--plan'], { env, cwd: root });
    assert.equal(plan.code, 3, plan.stdout + plan.stderr);
    assert.doesNotMatch(plan.stdout, /No changes/);
    assert.match(plan.stdout, /terraform:init -reconfigure/);
    assert.match(plan.stdout, /lock lockfile \(was dynamodb\)/);

    const apply = await runCli(['bootstrap', '--config', 'lockfile.yaml', '--yes', '--json'], { env, cwd: root });
    assert.equal(apply.code, 0, apply.stderr);
    let backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, /use_lockfile += true/);
    assert.doesNotMatch(backendTf, /dynamodb_table/);
    assert.match(backendTf, /assume_role = \{/);
    await planWithManagementCredentials(dir);
    const again = await runCli(['bootstrap', '--config', 'lockfile.yaml', '--plan'], { env, cwd: root });
    assert.equal(again.code, 0, again.stdout + again.stderr);

    const back = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--plan'], { env, cwd: root });
    assert.equal(back.code, 3, back.stdout + back.stderr);
    assert.match(back.stdout, /lock dynamodb \(was lockfile\)/);
    const applyBack = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: root });
    assert.equal(applyBack.code, 0, applyBack.stderr);
    backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, /dynamodb_table += "member-tf-locks"/);
    assert.doesNotMatch(backendTf, /use_lockfile/);
    await planWithManagementCredentials(dir);
  });

  it("the wizard's state screen offers a lock-mode change as init -reconfigure and applies it (its apply leaves this step to the screen)", async () => {
    const dir = join(root, 'bootstrap');
    assert.match(
      readFileSync(join(dir, 'backend.tf'), 'utf8'),
      /dynamodb_table/,
      'the previous test left the dynamodb backend',
    );
    const deps = createDeps({
      env,
      cwd: root,
      signal: new AbortController().signal,
      clock: systemClock,
      stdout: { write: () => true },
      stderr: { write: () => true },
      interactive: true,
    });
    const ops = new WizardOperations(deps);
    await ops.signIn({ kind: 'sign-in', method: 'current' }, () => undefined);
    await ops.plan('lockfile.yaml', () => undefined);
    const info = await ops.inspectMigration('./bootstrap');
    assert.deepEqual(
      info.finding.kind === 'reconfigure' && info.finding.changes,
      ['lock lockfile (was dynamodb)'],
      JSON.stringify(info.finding),
    );
    const output: string[] = [];
    const verification = await ops.migrate('./bootstrap', (line) => output.push(line));
    assert.equal(verification, undefined, 'nothing moved');
    const backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, /use_lockfile += true/, output.join('\n'));
    assert.doesNotMatch(backendTf, /dynamodb_table/);
    assert.ok(
      output.some((l) => /init -reconfigure|re-initialised/.test(l)),
      output.join('\n'),
    );
    assert.equal((await ops.inspectMigration('./bootstrap')).finding.kind, 'already-migrated');
    await planWithManagementCredentials(dir);
    // Back to dynamodb for the tests that follow.
    const back = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: root });
    assert.equal(back.code, 0, back.stderr);
  });

  it('state migrate --account NAME writes assume_role; --lock lockfile later rewrites backend.tf and reinitialises', async () => {
    const dir = join(root, 'other');
    const local = await appliedDir(dir);
    const otherBucket = `member-other-${process.pid}`;
    await member.s3.send(new CreateBucketCommand({ Bucket: otherBucket }));
    await member.dynamodb.send(
      new CreateTableCommand({
        TableName: 'other-locks',
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const common = [
      'state',
      'migrate',
      '--dir',
      dir,
      '--bucket',
      otherBucket,
      '--key',
      'other/terraform.tfstate',
      '--region',
      'us-east-1',
      '--tool',
      'terraform',
    ];
    const migrate = await runCli(
      [...common, '--lock', 'dynamodb', '--table', 'other-locks', '--account', 'shared-services', '--json'],
      { env },
    );
    assert.equal(migrate.code, 0, migrate.stderr);
    const report = JSON.parse(migrate.stdout) as Record<string, unknown>;
    assert.equal(report.status, 'migrated');
    assert.equal(report.lineage, local.lineage);
    assert.equal(report.roleArn, `arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole`);
    assert.match(
      readFileSync(join(dir, 'backend.tf'), 'utf8'),
      new RegExp(`role_arn = "arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole"`),
    );
    const digest = await member.dynamodb.send(
      new GetItemCommand({
        TableName: 'other-locks',
        Key: { LockID: { S: `${otherBucket}/other/terraform.tfstate-md5` } },
      }),
    );
    assert.ok(digest.Item, 'the lock table in the member account holds the digest');
    await planWithManagementCredentials(dir);

    const relock = await runCli([...common, '--lock', 'lockfile', '--account', 'shared-services'], { env });
    assert.equal(relock.code, 0, relock.stderr);
    assert.doesNotMatch(relock.stdout + relock.stderr, /does not declare/);
    assert.match(relock.stdout, /lock lockfile \(was dynamodb\)/);
    const backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, /use_lockfile += true/);
    assert.doesNotMatch(backendTf, /dynamodb_table/);
    await planWithManagementCredentials(dir);

    const rerun = await runCli([...common, '--lock', 'lockfile', '--account', 'shared-services', '--json'], { env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal((JSON.parse(rerun.stdout) as Record<string, unknown>).status, 'already-migrated');
  });

  it('state migrate --account with an unknown name exits 2 before any write', async () => {
    const dir = join(root, 'unknown');
    await appliedDir(dir);
    const before = await moto.snapshot();
    const run = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        bucket,
        '--key',
        'x/terraform.tfstate',
        '--region',
        'us-east-1',
        '--account',
        'shared-servics',
      ],
      { env },
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--account: no account named "shared-servics"/);
    assert.deepEqual(await moto.snapshot(), before);
  });
});
