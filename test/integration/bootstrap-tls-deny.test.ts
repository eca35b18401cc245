/**
 * The emulator path with the TLS-only bucket policy statement. moto enforces the
 * `aws:SecureTransport` deny on its plain-HTTP endpoint, so once awsorg's own statement is on
 * the state bucket every object call is refused. The way out is `--omit-tls-deny`: it must be
 * named when that refusal happens, and `--plan --omit-tls-deny` must preview the fix (the
 * bucket-policy change, the state object shown as unknown) instead of failing on the refusal.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { clientsFor, type Clients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';

describe('bootstrap with the TLS-only statement against moto, then --omit-tls-deny', () => {
  let moto: Moto;
  let aws: Clients;
  let dir: string;
  let env: Record<string, string>;
  const bucket = `awsorg-tls-${process.pid}`;
  const key = 'bootstrap/terraform.tfstate';

  before(async () => {
    moto = await startMoto();
    aws = clientsFor(moto.endpoint);
    env = isolatedEnv({ ...moto.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' });
    dir = tempDir();
    writeFileSync(
      join(dir, 'awsorg.yaml'),
      [
        'version: 1',
        'region: us-east-1',
        'organization: { trustedServices: [], policyTypes: [] }',
        'organizationalUnits: []',
        'accounts: []',
        `stateBackend: { account: management, bucket: ${bucket}, lock: lockfile, encryption: AES256, enforceTls: true }`,
        `terraform: { dir: ./bootstrap, key: ${key} }`,
        '',
      ].join('\n'),
    );
    const tfDir = join(dir, 'bootstrap');
    mkdirSync(tfDir);
    writeFileSync(join(tfDir, 'main.tf'), 'resource "terraform_data" "bootstrap" {\n  input = "first day"\n}\n');
    for (const args of [
      ['init', '-input=false', '-no-color'],
      ['apply', '-auto-approve', '-input=false', '-no-color'],
    ]) {
      const run = await terraform(args, tfDir, env);
      assert.equal(run.code, 0, run.output);
    }
  });
  after(async () => moto?.stop());

  it('an apply with the statement is refused the state object, and the next step names --omit-tls-deny', async () => {
    const apply = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: dir });
    assert.notEqual(apply.code, 0, apply.stderr);
    assert.match(apply.stderr, /s3:(Get|Put)Object failed .*AccessDenied/);
    const nextStep = apply.stderr.split('\n').find((l) => l.startsWith('Next step:')) ?? '';
    assert.match(nextStep, /--omit-tls-deny/, apply.stderr);
    assert.match(nextStep, /AwsorgDenyInsecureTransport/);
    assert.match(nextStep, /never .*against AWS/i);
    const policy = JSON.parse((await aws.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
    assert.deepEqual(
      policy.Statement.map((s: { Sid: string }) => s.Sid),
      ['AwsorgDenyInsecureTransport'],
    );
  });

  it('--plan without the flag shows the state object as unknown and names --omit-tls-deny', async () => {
    const before = await moto.snapshot();
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--plan'], { env, cwd: dir });
    assert.equal(plan.code, 3, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /note: .*s3:\/\/awsorg-tls-\d+\/bootstrap\/terraform\.tfstate.* unknown/);
    assert.match(plan.stdout, /--omit-tls-deny/);
    assert.deepEqual(await moto.snapshot(), before);
  });

  it('`state migrate` refused the state object names --omit-tls-deny too, and changes nothing', async () => {
    const before = await moto.snapshot();
    const migrate = await runCli(['state', 'migrate', '--config', 'awsorg.yaml'], { env, cwd: dir });
    assert.notEqual(migrate.code, 0, migrate.stdout + migrate.stderr);
    assert.match(migrate.stderr, /s3:GetObject failed .*AccessDenied/);
    assert.match(
      migrate.stderr.split('\n').find((l) => l.startsWith('Next step:')) ?? '',
      /--omit-tls-deny/,
      migrate.stderr,
    );
    assert.deepEqual(await moto.snapshot(), before);
  });

  it("a refusal by a statement that is not awsorg's does not suggest --omit-tls-deny", async () => {
    const foreign = `awsorg-foreign-${process.pid}`;
    await aws.s3.send(new CreateBucketCommand({ Bucket: foreign }));
    const deny = {
      Sid: 'NoReads',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${foreign}/*`,
    };
    await aws.s3.send(
      new PutBucketPolicyCommand({
        Bucket: foreign,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [deny] }),
      }),
    );
    const args = [
      'state',
      'migrate',
      '--dir',
      'bootstrap',
      '--bucket',
      foreign,
      '--key',
      key,
      '--region',
      'us-east-1',
      '--lock',
      'lockfile',
    ];
    const migrate = await runCli(args, { env, cwd: dir });
    assert.notEqual(migrate.code, 0, migrate.stdout + migrate.stderr);
    assert.match(migrate.stderr, /s3:GetObject failed .*AccessDenied/);
    assert.doesNotMatch(migrate.stderr, /omit-tls-deny/);
  });

  it('--plan --omit-tls-deny previews the fix: the bucket-policy change, the state object as unknown', async () => {
    const before = await moto.snapshot();
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--plan', '--omit-tls-deny'], { env, cwd: dir });
    assert.equal(plan.code, 3, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /- s3:DeleteBucketPolicy\n +Remove the bucket policy of awsorg-tls-\d+/);
    assert.match(plan.stdout, /- +"Sid": "AwsorgDenyInsecureTransport"/);
    assert.match(plan.stdout, /note: .*s3:\/\/awsorg-tls-\d+\/bootstrap\/terraform\.tfstate.* unknown/);
    assert.match(plan.stdout, /terraform:init -migrate-state/);
    assert.match(plan.stdout, /Plan: 2 changes in 2 steps\./);
    assert.match(plan.stderr, /Apply with: awsorg bootstrap --config awsorg\.yaml --yes --omit-tls-deny/);
    assert.deepEqual(await moto.snapshot(), before);
  });

  it('--yes --omit-tls-deny applies what that plan showed, and the next plan is empty', async () => {
    const apply = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes', '--omit-tls-deny', '--json'], {
      env,
      cwd: dir,
    });
    assert.equal(apply.code, 0, apply.stderr);
    const result = JSON.parse(apply.stdout);
    assert.equal(result.changesApplied, 2);
    // Each step carries its wall time (npm run bench sums the Terraform steps' from here).
    for (const step of result.steps)
      assert.ok(Number.isFinite(step.elapsedMs) && step.elapsedMs >= 0, `${step.id} elapsedMs ${step.elapsedMs}`);
    assert.ok(result.steps.find((s: { id: string }) => s.id === 'migrate-state').elapsedMs > 0);
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--plan', '--omit-tls-deny'], { env, cwd: dir });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});
