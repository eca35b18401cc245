/**
 * `awsorg state migrate` with the real terraform binary and a real moto_server: a directory
 * with a built-in `terraform_data` resource is applied with local state, then migrated into
 * the emulator's bucket. Afterwards the remote object carries the local lineage and serial,
 * and `terraform plan -detailed-exitcode` finds nothing to do using the remote state.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { LoadedBlueprint } from '../../src/core/blueprint.js';
import { createDeps, systemClock } from '../../src/aws/deps.js';
import { AwsorgError } from '../../src/core/errors.js';
import type { Journal } from '../../src/core/journal.js';
import { createMigrateStateStep } from '../../src/steps/migrate-state.js';
import type { StepContext } from '../../src/steps/types.js';
import {
  BACKEND_MARKER,
  describeBackendChange,
  inspectBackendDeclarations,
  renderBackend,
  type S3BackendSettings,
} from '../../src/terraform/backend.js';
import { isolatedEnv, REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';

const MAIN_TF = `resource "terraform_data" "bootstrap" {
  input = "hello"
}

output "greeting" {
  value = terraform_data.bootstrap.output
}
`;

function stateMeta(text: string): { lineage: string; serial: number } {
  const parsed = JSON.parse(text) as { lineage: string; serial: number };
  return { lineage: parsed.lineage, serial: parsed.serial };
}

/** A blueprint with nothing but the state backend (lockfile locking, no TLS deny for moto) and the Terraform directory. */
function stateOnlyBlueprint(dir: string, bucket: string, key: string, tool: 'auto' | 'terraform'): LoadedBlueprint {
  return {
    blueprint: {
      version: 1,
      region: 'us-east-1',
      organization: { trustedServices: [], policyTypes: [] },
      organizationalUnits: [],
      accounts: [],
      stateBackend: { account: 'management', bucket, lock: 'lockfile', encryption: 'AES256', enforceTls: false },
      terraform: { dir: '.', key, tool },
    },
    file: join(dir, 'awsorg.yaml'),
    baseDir: dir,
    customPolicies: {},
    deployInlinePolicy: undefined,
  };
}

describe('awsorg state migrate (terraform + moto)', () => {
  let moto: Moto;
  let env: Record<string, string>;
  let s3: S3Client;
  let dynamodb: DynamoDBClient;
  const cleanup: string[] = [];
  let bucketCount = 0;

  before(async () => {
    moto = await startMoto();
    // No real AWS configuration, moto's endpoint and keys, and no Terraform update checks.
    env = isolatedEnv({ ...moto.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' });
    cleanup.push(env.HOME!);
    const config = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    s3 = new S3Client({ ...config, forcePathStyle: true });
    dynamodb = new DynamoDBClient(config);
  });

  after(async () => {
    s3?.destroy();
    dynamodb?.destroy();
    await moto?.stop();
    for (const path of cleanup) rmSync(path, { recursive: true, force: true });
  });

  /** A fresh bucket (no TLS-only policy: moto would refuse every object call under it). */
  async function createBucket(): Promise<string> {
    const bucket = `awsorg-state-${process.pid}-${++bucketCount}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  }

  async function createLockTable(name: string): Promise<void> {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }

  /** A directory with MAIN_TF, initialised and applied with local state. */
  async function appliedDir(): Promise<{ dir: string; stateText: string }> {
    const dir = tempDir('awsorg-tf-');
    cleanup.push(dir);
    writeFileSync(join(dir, 'main.tf'), MAIN_TF);
    const init = await terraform(['init', '-input=false', '-no-color'], dir, env);
    assert.equal(init.code, 0, init.output);
    const apply = await terraform(['apply', '-auto-approve', '-input=false', '-no-color'], dir, env);
    assert.equal(apply.code, 0, apply.output);
    return { dir, stateText: readFileSync(join(dir, 'terraform.tfstate'), 'utf8') };
  }

  async function remoteState(bucket: string, key: string): Promise<string> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? '';
  }

  async function migrateAndCheck(
    lock: 'lockfile' | 'dynamodb' | 'both',
    tag: string = lock,
  ): Promise<{ dir: string; bucket: string; key: string; args: string[] }> {
    const { dir, stateText } = await appliedDir();
    const before = stateMeta(stateText);
    const bucket = await createBucket();
    const table = `awsorg-locks-${tag}-${process.pid}`;
    if (lock !== 'lockfile') await createLockTable(table);
    const key = `bootstrap/${tag}/terraform.tfstate`;
    const args = [
      'state',
      'migrate',
      '--dir',
      dir,
      '--bucket',
      bucket,
      '--key',
      key,
      '--region',
      'us-east-1',
      '--lock',
      lock,
    ];
    if (lock !== 'lockfile') args.push('--table', table);

    const result = await runCli([...args, '--tool', 'terraform', '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(report.status, 'migrated');
    assert.equal(report.lineage, before.lineage);
    assert.equal(report.serial, before.serial);
    assert.equal(report.tool, 'terraform');

    // The remote object is the local state, lineage and serial included.
    const remote = await remoteState(bucket, key);
    assert.deepEqual(stateMeta(remote), before);

    // The backup is the local state as it was, private to its owner.
    const backup = join(dir, `terraform.tfstate.awsorg-backup-${before.serial}`);
    assert.equal(report.backup, backup);
    assert.equal(readFileSync(backup, 'utf8'), stateText);
    assert.equal(statSync(backup).mode & 0o777, 0o600);

    // backend.tf names the chosen lock and no emulator setting, formatted as terraform fmt wants.
    const backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, new RegExp(`bucket\\s+= "${bucket}"`));
    assert.match(backendTf, /encrypt\s+= true/);
    assert.equal(/use_lockfile\s+= true/.test(backendTf), lock !== 'dynamodb');
    assert.equal(/dynamodb_table\s+= /.test(backendTf), lock !== 'lockfile');
    assert.doesNotMatch(backendTf, /endpoint|path_style|127\.0\.0\.1/);
    const fmt = await terraform(['fmt', '-check', '-diff', '-no-color', 'backend.tf'], dir, env);
    assert.equal(fmt.code, 0, fmt.output);

    if (lock !== 'lockfile') {
      // Terraform checks the object against this digest when it reads the state.
      const item = await dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { LockID: { S: `${bucket}/${key}-md5` } } }),
      );
      assert.equal(item.Item?.Digest?.S, createHash('md5').update(remote).digest('hex'));
    }

    // The local file no longer holds the state; plan reads the remote one and finds nothing to do.
    assert.equal(readFileSync(join(dir, 'terraform.tfstate'), 'utf8').trim(), '');
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
    assert.equal(plan.code, 0, plan.output);
    assert.match(plan.output, /No changes/);
    return { dir, bucket, key, args };
  }

  it('migrates with S3 native locking (use_lockfile), and a rerun reports "already migrated"', async () => {
    const { dir, bucket, key, args } = await migrateAndCheck('lockfile');
    const remoteBefore = await remoteState(bucket, key);

    const rerun = await runCli(args, { env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /Already migrated/);
    assert.match(rerun.stdout, new RegExp(stateMeta(remoteBefore).lineage));
    assert.equal(await remoteState(bucket, key), remoteBefore);

    const json = await runCli([...args, '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(report.status, 'already-migrated');
    assert.equal(report.dir, dir);
  });

  it('migrates with a DynamoDB lock table', async () => {
    await migrateAndCheck('dynamodb');
  });

  it('migrates with both lock kinds', async () => {
    await migrateAndCheck('both');
  });

  it('applies a later lock-mode change: rewrites backend.tf and runs init -reconfigure (dynamodb -> lockfile -> dynamodb)', async () => {
    const { dir, bucket, key } = await migrateAndCheck('dynamodb', 'relock');
    const remoteBefore = await remoteState(bucket, key);
    const base = [
      'state',
      'migrate',
      '--dir',
      dir,
      '--bucket',
      bucket,
      '--key',
      key,
      '--region',
      'us-east-1',
      '--tool',
      'terraform',
    ];

    const toLockfile = await runCli([...base, '--lock', 'lockfile'], { env });
    assert.equal(toLockfile.code, 0, toLockfile.stderr);
    assert.doesNotMatch(toLockfile.stdout + toLockfile.stderr, /does not declare/);
    assert.match(toLockfile.stdout, /Reconfigured the backend of .*: lock lockfile \(was dynamodb\)/);
    assert.match(toLockfile.stderr, /init -reconfigure/);
    let backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, /use_lockfile += true/);
    assert.doesNotMatch(backendTf, /dynamodb_table/);
    let plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
    assert.equal(plan.code, 0, plan.output);
    assert.equal(await remoteState(bucket, key), remoteBefore, 'the state object is not touched');

    const table = `awsorg-locks-relock-${process.pid}`;
    const back = await runCli([...base, '--lock', 'dynamodb', '--table', table, '--json'], { env });
    assert.equal(back.code, 0, back.stderr);
    const report = JSON.parse(back.stdout) as Record<string, unknown>;
    assert.equal(report.status, 'reconfigured');
    assert.deepEqual(report.backendChanges, ['lock dynamodb (was lockfile)']);
    backendTf = readFileSync(join(dir, 'backend.tf'), 'utf8');
    assert.match(backendTf, new RegExp(`dynamodb_table += "${table}"`));
    assert.doesNotMatch(backendTf, /use_lockfile/);
    plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
    assert.equal(plan.code, 0, plan.output);

    const again = await runCli([...base, '--lock', 'dynamodb', '--table', table, '--json'], { env });
    assert.equal((JSON.parse(again.stdout) as Record<string, unknown>).status, 'already-migrated');
  });

  it('refuses a lock-mode change that would rewrite a backend.tf the user has edited, and leaves the file byte for byte', async () => {
    const { dir, bucket, key } = await migrateAndCheck('lockfile', 'edited');
    const path = join(dir, 'backend.tf');
    const edited = readFileSync(path, 'utf8').replace(
      '    encrypt ',
      '    workspace_key_prefix = "workspaces" # ours\n    encrypt ',
    );
    writeFileSync(path, edited);
    const table = `awsorg-locks-edited-${process.pid}`;
    await createLockTable(table);
    const run = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        bucket,
        '--key',
        key,
        '--region',
        'us-east-1',
        '--tool',
        'terraform',
        '--lock',
        'dynamodb',
        '--table',
        table,
      ],
      { env },
    );
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /backend\.tf was written by awsorg but has been edited/);
    assert.equal(readFileSync(path, 'utf8'), edited);
  });

  it('reports every workspace init -migrate-state moved, each with its key, lineage and serial', async () => {
    async function withWorkspaces(): Promise<{
      dir: string;
      local: Record<string, { lineage: string; serial: number }>;
    }> {
      const { dir, stateText } = await appliedDir();
      const local: Record<string, { lineage: string; serial: number }> = { default: stateMeta(stateText) };
      for (const name of ['staging', 'prod']) {
        for (const args of [
          ['workspace', 'new', '-no-color', name],
          ['apply', '-auto-approve', '-input=false', '-no-color'],
        ]) {
          const run = await terraform(args, dir, env);
          assert.equal(run.code, 0, run.output);
        }
        local[name] = stateMeta(readFileSync(join(dir, 'terraform.tfstate.d', name, 'terraform.tfstate'), 'utf8'));
      }
      const select = await terraform(['workspace', 'select', '-no-color', 'default'], dir, env);
      assert.equal(select.code, 0, select.output);
      return { dir, local };
    }
    const key = 'ws/terraform.tfstate';

    const json = await withWorkspaces();
    const bucket = await createBucket();
    const result = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        json.dir,
        '--bucket',
        bucket,
        '--key',
        key,
        '--region',
        'us-east-1',
        '--tool',
        'terraform',
        '--json',
      ],
      { env },
    );
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      status: string;
      notes: string[];
      workspaces: Array<Record<string, unknown>>;
    };
    assert.equal(report.status, 'migrated');
    assert.doesNotMatch(report.notes.join('\n'), /default workspace only/);
    assert.deepEqual(
      report.workspaces.map((w) => [w.name, w.key, w.status, w.lineage, w.remoteLineage]),
      [
        ['default', key, 'moved', json.local.default!.lineage, json.local.default!.lineage],
        ['prod', `env:/prod/${key}`, 'moved', json.local.prod!.lineage, json.local.prod!.lineage],
        ['staging', `env:/staging/${key}`, 'moved', json.local.staging!.lineage, json.local.staging!.lineage],
      ],
    );
    for (const name of ['staging', 'prod']) {
      const remote = stateMeta(await remoteState(bucket, `env:/${name}/${key}`));
      assert.equal(remote.lineage, json.local[name]!.lineage, `${name} keeps its lineage`);
      const entry = report.workspaces.find((w) => w.name === name)!;
      assert.equal(entry.remoteSerial, remote.serial);
      assert.equal(entry.serial, json.local[name]!.serial);
      assert.ok(existsSync(String(entry.backup)), `a copy of ${name}'s local state is kept`);
    }

    const text = await withWorkspaces();
    const textBucket = await createBucket();
    const human = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        text.dir,
        '--bucket',
        textBucket,
        '--key',
        key,
        '--region',
        'us-east-1',
        '--tool',
        'terraform',
      ],
      { env },
    );
    assert.equal(human.code, 0, human.stderr);
    assert.doesNotMatch(human.stdout + human.stderr, /default workspace only/);
    assert.match(
      human.stdout,
      /Workspaces: terraform init -migrate-state moved all 3; 3 of them check out in the bucket:/,
    );
    for (const name of ['staging', 'prod']) {
      assert.match(
        human.stdout,
        new RegExp(
          `\\n +${name} +s3://${textBucket}/env:/${name}/${key} +lineage ${text.local[name]!.lineage}, serial \\d+ +\\(lineage kept`,
        ),
      );
    }
    assert.match(
      human.stdout,
      new RegExp(
        `\\n +default +s3://${textBucket}/${key} +lineage ${text.local.default!.lineage}, serial ${text.local.default!.serial} +\\(lineage and serial kept\\)`,
      ),
    );
  });

  it('reports a directory without local state and changes nothing', async () => {
    const dir = tempDir('awsorg-tf-');
    cleanup.push(dir);
    writeFileSync(join(dir, 'main.tf'), MAIN_TF);
    // The bucket does not even exist: with nothing to move, nothing is needed from it.
    const args = [
      'state',
      'migrate',
      '--dir',
      dir,
      '--bucket',
      'awsorg-state-never-created',
      '--key',
      'k/terraform.tfstate',
      '--region',
      'us-east-1',
    ];
    const human = await runCli(args, { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /No local state in /);
    const json = await runCli([...args, '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { status: string }).status, 'no-local-state');
    assert.equal(existsSync(join(dir, 'backend.tf')), false);
  });

  it('refuses to overwrite a different state already stored at the key', async () => {
    const { dir, stateText } = await appliedDir();
    const bucket = await createBucket();
    const key = 'taken/terraform.tfstate';
    const other = { ...JSON.parse(stateText), lineage: '00000000-0000-0000-0000-000000000000', serial: 7 };
    const otherText = JSON.stringify(other, null, 2);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: otherText }));

    const result = await runCli(
      ['state', 'migrate', '--dir', dir, '--bucket', bucket, '--key', key, '--region', 'us-east-1'],
      { env },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /already holds a different state/);
    assert.equal(await remoteState(bucket, key), otherText);
    assert.equal(readFileSync(join(dir, 'terraform.tfstate'), 'utf8'), stateText);
    assert.equal(existsSync(join(dir, 'backend.tf')), false);
  });

  it('names both tools and how to install them when the chosen tool is missing', async () => {
    const { dir } = await appliedDir();
    const bucket = await createBucket();
    const result = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        bucket,
        '--key',
        'k/terraform.tfstate',
        '--region',
        'us-east-1',
        '--tool',
        'tofu',
      ],
      {
        env: { ...env, PATH: '/nonexistent' },
      },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /`tofu` was not found on PATH/);
    assert.match(result.stderr, /opentofu\.org/);
    assert.match(result.stderr, /--tool terraform/);
    assert.equal(existsSync(join(dir, 'backend.tf')), false);

    const auto = await runCli(
      ['state', 'migrate', '--dir', dir, '--bucket', bucket, '--key', 'k/terraform.tfstate', '--region', 'us-east-1'],
      {
        env: { ...env, PATH: '/nonexistent' },
      },
    );
    assert.equal(auto.code, 1, auto.stderr);
    assert.match(auto.stderr, /Neither `tofu` \(OpenTofu\) nor `terraform` was found on PATH/);
    assert.match(auto.stderr, /developer\.hashicorp\.com\/terraform\/install/);
  });

  it('takes the bucket, key, lock and directory from a blueprint with --config', async () => {
    const { dir, stateText } = await appliedDir();
    const bucket = await createBucket();
    const table = `awsorg-locks-config-${process.pid}`;
    await createLockTable(table);
    const blueprintFile = join(dir, '..', `${dir.split('/').pop()}.awsorg.yaml`);
    cleanup.push(blueprintFile);
    writeFileSync(
      blueprintFile,
      [
        'version: 1',
        'region: us-east-1',
        'organization:',
        '  trustedServices: []',
        '  policyTypes: []',
        'organizationalUnits: []',
        'accounts: []',
        'stateBackend:',
        `  bucket: ${bucket}`,
        '  lock: dynamodb',
        `  table: ${table}`,
        '  encryption: AES256',
        'terraform:',
        `  dir: ./${dir.split('/').pop()}`,
        '  key: from-config/terraform.tfstate',
        '  tool: terraform',
        '',
      ].join('\n'),
    );
    const result = await runCli(['state', 'migrate', '--config', blueprintFile, '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(report.status, 'migrated');
    assert.equal(report.dir, dir);
    assert.equal(report.key, 'from-config/terraform.tfstate');
    assert.deepEqual(stateMeta(await remoteState(bucket, 'from-config/terraform.tfstate')), stateMeta(stateText));
    assert.match(readFileSync(join(dir, 'backend.tf'), 'utf8'), new RegExp(`dynamodb_table = "${table}"`));
  });

  it('finishes a run that stopped after the upload, and refreshes an older copy of the same lineage', async () => {
    for (const remoteSerialOffset of [0, -1]) {
      const { dir, stateText } = await appliedDir();
      const local = stateMeta(stateText);
      const bucket = await createBucket();
      const key = 'resume/terraform.tfstate';
      const earlier =
        remoteSerialOffset === 0
          ? stateText
          : JSON.stringify({ ...JSON.parse(stateText), serial: local.serial - 1 }, null, 2);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: earlier }));

      const result = await runCli(
        ['state', 'migrate', '--dir', dir, '--bucket', bucket, '--key', key, '--region', 'us-east-1', '--json'],
        { env },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as { status: string }).status, 'migrated');
      assert.equal(await remoteState(bucket, key), stateText);
      const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
      assert.equal(plan.code, 0, plan.output);
    }
  });

  it('refuses to roll back a newer remote snapshot of the same state', async () => {
    const { dir, stateText } = await appliedDir();
    const bucket = await createBucket();
    const key = 'newer/terraform.tfstate';
    const newer = JSON.stringify({ ...JSON.parse(stateText), serial: stateMeta(stateText).serial + 5 }, null, 2);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: newer }));
    const result = await runCli(
      ['state', 'migrate', '--dir', dir, '--bucket', bucket, '--key', key, '--region', 'us-east-1'],
      { env },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /newer snapshot/);
    assert.equal(await remoteState(bucket, key), newer);
  });

  it('after a failed init that did not move the state, removes backend.tf again and keeps the local state', async () => {
    const { dir, stateText } = await appliedDir();
    // A stand-in terraform that fails the way a credentials or network problem does.
    const bin = tempDir('awsorg-bin-');
    cleanup.push(bin);
    writeFileSync(
      join(bin, 'terraform'),
      '#!/bin/sh\nif [ "$1" = version ]; then echo \'{"terraform_version":"1.11.4"}\'; exit 0; fi\necho "Error: simulated failure before the backend was configured" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const bucket = await createBucket();
    const result = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        bucket,
        '--key',
        'failed/terraform.tfstate',
        '--region',
        'us-east-1',
      ],
      {
        env: { ...env, PATH: `${bin}:${env.PATH}` },
      },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /terraform init -migrate-state failed/);
    assert.match(result.stderr, /simulated failure/);
    assert.match(result.stderr, /The local state is unchanged/);
    assert.equal(readFileSync(join(dir, 'terraform.tfstate'), 'utf8'), stateText);
    assert.equal(
      readFileSync(join(dir, `terraform.tfstate.awsorg-backup-${stateMeta(stateText).serial}`), 'utf8'),
      stateText,
    );
    assert.equal(existsSync(join(dir, 'backend.tf')), false);

    // The next run with the real terraform picks up where this one stopped.
    const rerun = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        bucket,
        '--key',
        'failed/terraform.tfstate',
        '--region',
        'us-east-1',
        '--json',
      ],
      { env },
    );
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal((JSON.parse(rerun.stdout) as { status: string }).status, 'migrated');
  });

  it('after a failed init that had already moved the state, keeps backend.tf and says so', async () => {
    const { dir, stateText } = await appliedDir();
    // Terraform configures the backend (and moves the state) before it reports this error.
    writeFileSync(join(dir, 'versions.tf'), 'terraform {\n  required_version = "< 1.0"\n}\n');
    const bucket = await createBucket();
    const key = 'moved/terraform.tfstate';
    const result = await runCli(
      ['state', 'migrate', '--dir', dir, '--bucket', bucket, '--key', key, '--region', 'us-east-1'],
      { env },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Unsupported Terraform Core version/);
    assert.match(result.stderr, /had already moved the state/);
    assert.equal(existsSync(join(dir, 'backend.tf')), true);
    assert.deepEqual(stateMeta(await remoteState(bucket, key)), stateMeta(stateText));
  });

  it('refuses, with the reason, when the directory declares another backend', async () => {
    const { dir, stateText } = await appliedDir();
    writeFileSync(
      join(dir, 'versions.tf'),
      'terraform {\n  backend "local" {\n    path = "terraform.tfstate"\n  }\n}\n',
    );
    const bucket = await createBucket();
    const result = await runCli(
      ['state', 'migrate', '--dir', dir, '--bucket', bucket, '--key', 'k/terraform.tfstate', '--region', 'us-east-1'],
      { env },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /versions\.tf already declares backend "local"/);
    assert.equal(readFileSync(join(dir, 'terraform.tfstate'), 'utf8'), stateText);
    assert.equal(existsSync(join(dir, 'backend.tf')), false);
  });

  it('runs as the bootstrap step: plans before the bucket exists, applies, verifies, then converges', async () => {
    const { dir, stateText } = await appliedDir();
    const local = stateMeta(stateText);
    const bucket = `awsorg-state-step-${process.pid}`;
    const key = 'bootstrap/terraform.tfstate';
    const loaded = stateOnlyBlueprint(dir, bucket, key, 'auto');
    const controller = new AbortController();
    const sink = { write: () => true };
    const deps = createDeps({ env, signal: controller.signal, stdout: sink, stderr: sink });
    const session = deps.aws('us-east-1');
    const notes: string[] = [];
    const ctx: StepContext = {
      loaded,
      session,
      sessionFor: async () => session,
      state: { ouIds: new Map(), accountIds: new Map() },
      journal: undefined as unknown as Journal,
      clock: systemClock,
      signal: controller.signal,
      options: { allowRoot: false, memberRoleName: 'OrganizationAccountAccessRole', omitTlsDenyStatement: true },
      note: (message) => notes.push(message),
      spawn,
      env,
    };
    const step = createMigrateStateStep({ tool: 'terraform' });
    try {
      assert.equal(step.enabled(loaded), true);
      // On a fresh organization the state account cannot be reached during --plan.
      const unreachable = await step.observe({
        ...ctx,
        sessionFor: async () => Promise.reject(new Error('no such account yet')),
      });
      assert.equal(step.plan(unreachable, loaded, ctx.options).length, 1);

      // The bucket does not exist yet either: still one planned change, nothing written.
      const observed = await step.observe(ctx);
      const [change, ...rest] = step.plan(observed, loaded, ctx.options);
      assert.equal(rest.length, 0);
      assert.ok(change);
      assert.deepEqual(change.calls, ['terraform:init -migrate-state', 's3:PutObject', 's3:GetObject']);
      assert.match(change.summary, new RegExp(`lineage ${local.lineage}, serial ${local.serial}`));
      assert.equal(existsSync(join(dir, 'backend.tf')), false);

      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await step.apply(change, ctx);
      await step.verify?.(ctx);
      assert.deepEqual(stateMeta(await remoteState(bucket, key)), local);
      assert.ok(
        notes.some((n) => n.includes(`lineage ${local.lineage}`)),
        notes.join('\n'),
      );

      const again = await step.observe(ctx);
      assert.deepEqual(step.plan(again, loaded, ctx.options), []);
      assert.ok(step.notes?.(again).some((n) => n.includes('already in')));
    } finally {
      session.destroy();
    }
  });

  /**
   * A stand-in terraform: `version` answers like terraform 1.11; `init` exits 0 after writing
   * to the state key what `rewrite` makes of the local state (or deleting the key) and emptying
   * the local file, as a tool that did not keep the state's identity would.
   */
  function standInTerraform(
    bucket: string,
    key: string,
    rewrite: 'fresh-lineage' | 'other-lineage' | 'next-serial' | 'delete',
  ): string {
    const bin = tempDir('awsorg-bin-');
    cleanup.push(bin);
    const script = `#!${process.execPath}
const { createRequire } = require('node:module');
const { readFileSync, writeFileSync } = require('node:fs');
const { randomUUID } = require('node:crypto');
const req = createRequire(${JSON.stringify(join(REPO_ROOT, 'package.json'))});
const { S3Client, PutObjectCommand, DeleteObjectCommand } = req('@aws-sdk/client-s3');
const args = process.argv.slice(2);
if (args[0] === 'version') {
  console.log(JSON.stringify({ terraform_version: '1.11.4' }));
  process.exit(0);
}
if (args[0] !== 'init') process.exit(3);
const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL, region: 'us-east-1', forcePathStyle: true });
const state = JSON.parse(readFileSync('terraform.tfstate', 'utf8'));
const mode = ${JSON.stringify(rewrite)};
if (mode === 'fresh-lineage') Object.assign(state, { lineage: randomUUID(), serial: 1 });
if (mode === 'other-lineage') state.lineage = randomUUID();
if (mode === 'next-serial') state.serial += 1;
const command = mode === 'delete'
  ? new DeleteObjectCommand({ Bucket: ${JSON.stringify(bucket)}, Key: ${JSON.stringify(key)} })
  : new PutObjectCommand({ Bucket: ${JSON.stringify(bucket)}, Key: ${JSON.stringify(key)}, Body: JSON.stringify(state, null, 2) });
s3.send(command).then(() => {
  writeFileSync('terraform.tfstate', '');
  console.log('Successfully configured the backend "s3"!');
}, (err) => {
  console.error(String(err));
  process.exit(1);
});
`;
    writeFileSync(join(bin, 'terraform'), script, { mode: 0o755 });
    return bin;
  }

  // Each rewrite changes one thing only, so each part of the check is needed on its own.
  for (const rewrite of ['other-lineage', 'next-serial', 'delete'] as const) {
    it(`fails the migration when init exits 0 but the key then holds another state (${rewrite})`, async () => {
      const { dir, stateText } = await appliedDir();
      const local = stateMeta(stateText);
      const bucket = await createBucket();
      const key = `verify-${rewrite}/terraform.tfstate`;
      const bin = standInTerraform(bucket, key, rewrite);
      const result = await runCli(
        [
          'state',
          'migrate',
          '--dir',
          dir,
          '--bucket',
          bucket,
          '--key',
          key,
          '--region',
          'us-east-1',
          '--tool',
          'terraform',
        ],
        {
          env: { ...env, PATH: `${bin}:${env.PATH}` },
        },
      );
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.doesNotMatch(result.stdout, /Migrated|migrated/, 'no success is reported');

      let found: string;
      if (rewrite === 'delete') {
        found = 'no state';
      } else {
        const remote = stateMeta(await remoteState(bucket, key));
        if (rewrite === 'other-lineage') {
          assert.notEqual(remote.lineage, local.lineage);
          assert.equal(remote.serial, local.serial);
        } else {
          assert.deepEqual(remote, { lineage: local.lineage, serial: local.serial + 1 });
        }
        found = `lineage ${remote.lineage}, serial ${remote.serial}`;
      }
      assert.ok(
        result.stderr.includes(
          `After migrating, s3://${bucket}/${key} has ${found}, but the local state had lineage ${local.lineage}, serial ${local.serial}.`,
        ),
        result.stderr,
      );
      const backup = join(dir, `terraform.tfstate.awsorg-backup-${local.serial}`);
      assert.match(result.stderr, new RegExp(`Do not apply from ${dir}`));
      assert.ok(result.stderr.includes(`kept at ${backup}`), result.stderr);
      assert.equal(readFileSync(backup, 'utf8'), stateText, 'the backup holds the state as it was');
    });
  }

  // What Terraform itself does when it copies a state to an empty key: fresh lineage, serial 1.
  it('fails the bootstrap step when init leaves a state of another lineage in the bucket', async () => {
    const { dir, stateText } = await appliedDir();
    const local = stateMeta(stateText);
    const bucket = await createBucket();
    const key = 'step-verify/terraform.tfstate';
    const bin = standInTerraform(bucket, key, 'fresh-lineage');
    const loaded = stateOnlyBlueprint(dir, bucket, key, 'terraform');
    const stepEnv = { ...env, PATH: `${bin}:${env.PATH}` };
    const controller = new AbortController();
    const sink = { write: () => true };
    const deps = createDeps({ env: stepEnv, signal: controller.signal, stdout: sink, stderr: sink });
    const session = deps.aws('us-east-1');
    const ctx: StepContext = {
      loaded,
      session,
      sessionFor: async () => session,
      state: { ouIds: new Map(), accountIds: new Map() },
      journal: undefined as unknown as Journal,
      clock: systemClock,
      signal: controller.signal,
      options: { allowRoot: false, memberRoleName: 'OrganizationAccountAccessRole', omitTlsDenyStatement: true },
      note: () => undefined,
      spawn,
      env: stepEnv,
    };
    const step = createMigrateStateStep();
    try {
      const [change] = step.plan(await step.observe(ctx), loaded, ctx.options);
      assert.ok(change);
      await assert.rejects(step.apply(change, ctx), (err: unknown) => {
        assert.ok(err instanceof AwsorgError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `After migrating, s3://${bucket}/${key} has lineage [0-9a-f-]+, serial 1, but the local state had lineage ${local.lineage}, serial ${local.serial}\\.`,
          ),
        );
        assert.match(err.nextStep ?? '', /Do not apply from/);
        return true;
      });
    } finally {
      session.destroy();
    }
  });

  it('exits 2 naming the missing flag', async () => {
    const dir = tempDir('awsorg-tf-');
    cleanup.push(dir);
    const noBucket = await runCli(['state', 'migrate', '--dir', dir, '--key', 'k', '--region', 'us-east-1'], { env });
    assert.equal(noBucket.code, 2);
    assert.match(noBucket.stderr, /--bucket is required/);

    const noDir = await runCli(['state', 'migrate', '--bucket', 'b-ucket', '--key', 'k', '--region', 'us-east-1'], {
      env,
    });
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /--dir is required/);

    const noTable = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        'some-bucket',
        '--key',
        'k',
        '--region',
        'us-east-1',
        '--lock',
        'dynamodb',
      ],
      { env },
    );
    assert.equal(noTable.code, 2);
    assert.match(noTable.stderr, /--table is required/);

    const badRole = await runCli(
      [
        'state',
        'migrate',
        '--dir',
        dir,
        '--bucket',
        'some-bucket',
        '--key',
        'k',
        '--region',
        'us-east-1',
        '--account',
        '123456789012',
        '--member-role',
        'no role',
      ],
      { env },
    );
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /--member-role 'no role' is not an IAM role name/);

    const noSubcommand = await runCli(['state', '--dir', dir], { env });
    assert.equal(noSubcommand.code, 2);
    assert.match(noSubcommand.stderr, /state migrate/);
  });
});

describe('backend.tf rendering and detection', () => {
  const settings: S3BackendSettings = {
    bucket: 'acme-tfstate',
    key: 'bootstrap/terraform.tfstate',
    region: 'eu-west-1',
    lock: 'both',
    table: 'acme-tf-locks',
  };

  it('aligns the attributes and adds kms_key_id for a key ARN', () => {
    const kms = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    assert.equal(
      renderBackend({ ...settings, encryption: kms }),
      [
        BACKEND_MARKER,
        'terraform {',
        '  backend "s3" {',
        '    bucket         = "acme-tfstate"',
        '    key            = "bootstrap/terraform.tfstate"',
        '    region         = "eu-west-1"',
        '    encrypt        = true',
        `    kms_key_id     = "${kms}"`,
        '    use_lockfile   = true',
        '    dynamodb_table = "acme-tf-locks"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('writes assume_role as an object attribute (Terraform ignores the block form) and names what changed', () => {
    const roleArn = 'arn:aws:iam::210987654321:role/OrganizationAccountAccessRole';
    const withRole = renderBackend({ ...settings, lock: 'lockfile', roleArn });
    assert.equal(
      withRole,
      [
        BACKEND_MARKER,
        'terraform {',
        '  backend "s3" {',
        '    bucket       = "acme-tfstate"',
        '    key          = "bootstrap/terraform.tfstate"',
        '    region       = "eu-west-1"',
        '    encrypt      = true',
        '    use_lockfile = true',
        '    assume_role = {',
        `      role_arn = "${roleArn}"`,
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const wanted = { ...settings, lock: 'lockfile' as const, roleArn };
    assert.equal(inspectBackendDeclarations([{ name: 'backend.tf', text: withRole }], wanted).kind, 'ours-current');
    const before = inspectBackendDeclarations(
      [{ name: 'backend.tf', text: renderBackend({ ...settings, lock: 'dynamodb' }) }],
      wanted,
    );
    assert.equal(before.kind, 'ours-outdated');
    assert.deepEqual(
      describeBackendChange(
        before.kind === 'ours-outdated' ? before.declared : { file: '', type: 's3', attributes: {} },
        wanted,
      ),
      ['lock lockfile (was dynamodb)', `assume_role ${roleArn} (was none)`],
    );
    const sameButRole = inspectBackendDeclarations([{ name: 'backend.tf', text: withRole }], {
      ...wanted,
      roleArn: undefined,
    });
    assert.deepEqual(
      describeBackendChange(
        sameButRole.kind === 'ours-outdated' ? sameButRole.declared : { file: '', type: 's3', attributes: {} },
        { ...wanted, roleArn: undefined },
      ),
      [`assume_role none (was ${roleArn})`],
    );
  });

  it('recognises its own file, an outdated one, a matching or conflicting declaration', () => {
    const ours = renderBackend(settings);
    assert.equal(
      inspectBackendDeclarations([{ name: 'main.tf', text: 'resource "terraform_data" "x" {}\n' }], settings).kind,
      'none',
    );
    assert.equal(inspectBackendDeclarations([{ name: 'backend.tf', text: ours }], settings).kind, 'ours-current');
    assert.equal(
      inspectBackendDeclarations([{ name: 'backend.tf', text: renderBackend({ ...settings, key: 'other' }) }], settings)
        .kind,
      'ours-outdated',
    );

    const operator =
      'terraform {\n  backend "s3" {\n    bucket = "acme-tfstate" # the state bucket\n    key    = "bootstrap/terraform.tfstate"\n    region = "eu-west-1"\n  }\n}\n';
    assert.equal(
      inspectBackendDeclarations([{ name: 'versions.tf', text: operator }], settings).kind,
      'operator-matching',
    );

    const local = inspectBackendDeclarations(
      [{ name: 'main.tf', text: 'terraform {\n  backend "local" {\n    path = "x.tfstate"\n  }\n}\n' }],
      settings,
    );
    assert.equal(local.kind, 'conflict');
    assert.match(local.kind === 'conflict' ? local.reason : '', /main\.tf already declares backend "local"/);

    const cloud = inspectBackendDeclarations(
      [{ name: 'main.tf.json', text: JSON.stringify({ terraform: { cloud: { organization: 'acme' } } }) }],
      settings,
    );
    assert.equal(cloud.kind, 'conflict');

    const commented = '# terraform {\n#   backend "gcs" {}\n# }\n/* terraform { backend "local" {} } */\n';
    assert.equal(inspectBackendDeclarations([{ name: 'main.tf', text: commented }], settings).kind, 'none');

    const foreignBackendTf = inspectBackendDeclarations(
      [{ name: 'backend.tf', text: 'provider "aws" {}\n' }],
      settings,
    );
    assert.equal(foreignBackendTf.kind, 'conflict');
  });

  it('never rewrites its own backend.tf once the user has edited it (a workspace_key_prefix, a required_version, a comment)', () => {
    const older = renderBackend({ ...settings, lock: 'dynamodb' });
    // Spacing alone (terraform fmt realigning, CRLF) is no edit: the file is rewritten for the new lock.
    assert.equal(
      inspectBackendDeclarations(
        [{ name: 'backend.tf', text: older.replace(/ += /g, ' = ').replace(/\n/g, '\r\n') }],
        settings,
      ).kind,
      'ours-outdated',
    );
    const edits: Record<string, string> = {
      workspace_key_prefix: older.replace('    encrypt ', '    workspace_key_prefix = "workspaces"\n    encrypt '),
      required_version: older.replace('terraform {\n', 'terraform {\n  required_version = ">= 1.10"\n'),
      comment: older.replace('  backend "s3" {\n', '  backend "s3" {\n    # the platform team\'s bucket, see ADR-12\n'),
      profile: older.replace('    encrypt ', '    profile = "platform-admin"\n    encrypt '),
      provider: `${older}\nprovider "aws" {\n  region = "eu-west-1"\n}\n`,
    };
    for (const [what, text] of Object.entries(edits)) {
      const found = inspectBackendDeclarations([{ name: 'backend.tf', text }], settings);
      assert.equal(found.kind, 'conflict', what);
      assert.match(
        found.kind === 'conflict' ? found.reason : '',
        /backend\.tf was written by awsorg but has been edited/,
        what,
      );
    }
    // Edits that leave awsorg's own settings as wanted need no rewrite: the file stays and counts as current.
    const currentButEdited = renderBackend(settings).replace(
      '    encrypt ',
      '    workspace_key_prefix = "workspaces"\n    encrypt ',
    );
    assert.equal(
      inspectBackendDeclarations([{ name: 'backend.tf', text: currentButEdited }], settings).kind,
      'ours-current',
    );
  });
});

describe('state migrate report on a terminal', () => {
  it("shows control characters in a workspace's name, key or lineage visibly instead of sending them to the terminal", async () => {
    const { humanReport } = await import('../../src/commands/state.js');
    const hostile = 'ws\x1b]0;owned\x07\x1b[2J';
    const report = humanReport({
      status: 'migrated',
      dir: '/tmp/tf',
      bucket: 'acme-tfstate',
      key: 'k/terraform.tfstate',
      region: 'us-east-1',
      lineage: 'l-1',
      serial: 3,
      backup: '/tmp/tf/terraform.tfstate.awsorg-backup-3',
      tool: { name: 'terraform', path: '/usr/bin/terraform', version: '1.11.0' },
      backendFile: 'written',
      roleArn: undefined,
      backendChanges: [],
      workspaces: [
        {
          name: 'default',
          key: 'k/terraform.tfstate',
          lineage: 'l-1',
          serial: 3,
          remote: { lineage: 'l-1', serial: 3 },
          status: 'moved',
          backup: undefined,
        },
        {
          name: hostile,
          key: `env:/${hostile}/k/terraform.tfstate`,
          lineage: 'l-2',
          serial: 1,
          remote: { lineage: 'x\x1b[31m', serial: 9 },
          status: 'differs',
          backup: undefined,
        },
      ],
      notes: [`workspace ${hostile}: differs`],
    });
    assert.doesNotMatch(report, /[\x1b\x07]/);
    assert.match(report, /ws\\x1b\]0;owned\\x07/);
  });
});
