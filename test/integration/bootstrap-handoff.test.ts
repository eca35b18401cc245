/**
 * Issue 13 end to end: `awsorg bootstrap --yes` with `terraform.handoff: true` against moto, with
 * the real terraform binary and the real hashicorp/aws provider (the filesystem mirror). The
 * organization ends in Terraform state, in the state bucket, and a plain `terraform plan` with
 * the management account's keys alone finds nothing to do.
 *
 * moto serves plain HTTP and enforces the TLS-only bucket policy statement, so the runs pass
 * --omit-tls-deny (the generated code then leaves that statement out too).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AddTagsCommand, GetTrailCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeTableCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { clientsFor, memberClients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';
import { HANDOFF_MARKER } from '../../src/terraform/handoff/generate.js';

const FLAGS = ['--allow-placeholders', '--omit-tls-deny'];

/** Every `to = ...` in imports.tf: the resources the hand-off must leave in the state. */
function importTargets(dir: string): string[] {
  return [...readFileSync(join(dir, 'imports.tf'), 'utf8').matchAll(/^\s*to\s*=\s*(\S+)$/gm)].map((m) => m[1]!).sort();
}

function snapshotDir(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.terraform' || e.name.startsWith('terraform.tfstate')) continue;
      if (e.isDirectory()) walk(path);
      else out.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  walk('');
  return out;
}

async function writeBlueprint(dir: string, edit: (b: any) => void): Promise<void> {
  const b = parseYaml(readFileSync(join(dir, 'awsorg.yaml'), 'utf8'));
  edit(b);
  writeFileSync(join(dir, 'awsorg.yaml'), stringifyYaml(b));
}

describe('bootstrap hands the standard preset to Terraform (state bucket in the management account)', () => {
  let moto: Moto;
  let dir: string;
  let tf: string;
  let env: Record<string, string>;
  /** terraform as an operator runs it later: management keys from the environment, nothing else. */
  let plainEnv: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = tempDir();
    tf = join(dir, 'bootstrap');
    env = isolatedEnv(moto.env);
    plainEnv = { ...env, TF_IN_AUTOMATION: '1' };
    const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    assert.match(readFileSync(join(dir, 'awsorg.yaml'), 'utf8'), /handoff: true/);
  });
  after(async () => moto?.stop());

  it('--plan on a fresh account says the code comes after the other steps, and writes nothing', async () => {
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--plan'], { env, cwd: dir });
    assert.equal(plan.code, 3, plan.stderr);
    assert.match(plan.stdout, /Hand the organization to Terraform/);
    assert.match(plan.stdout, /Write Terraform code for the organization into \.\/bootstrap and import every resource/);
    assert.match(
      plan.stdout,
      /Move the state the hand-off imports into \.\/bootstrap to s3:\/\/example-tfstate-change-me\/bootstrap\/terraform\.tfstate/,
    );
    assert.doesNotMatch(plan.stdout, /nothing to migrate/);
    assert.equal(existsSync(tf), false, 'no directory written by --plan');
  });

  it('--yes builds the organization, imports it into Terraform and moves that state into the bucket', async () => {
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes', '--json'], {
      env,
      cwd: dir,
      timeoutMs: 600_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'converged');
    const handoff = result.steps.find((s: { id: string }) => s.id === 'terraform-handoff');
    assert.equal(handoff.applied.length, 1, 'one hand-off change');
    assert.deepEqual(handoff.applied[0].calls.slice(0, 3), ['terraform:init', 'terraform:plan', 'terraform:apply']);
    for (const name of [
      'versions.tf',
      'providers.tf',
      'organization.tf',
      'guardrails.tf',
      'state-backend.tf',
      'ci-oidc.tf',
      'organization-trail.tf',
      'imports.tf',
      'outputs.tf',
    ]) {
      assert.ok(readFileSync(join(tf, name), 'utf8').startsWith(`${HANDOFF_MARKER}\n`), `${name} carries the marker`);
    }
  });

  it('fmt -check and validate pass on the generated code', async () => {
    const fmt = await terraform(['fmt', '-check', '-recursive', '-no-color'], tf, plainEnv);
    assert.equal(fmt.code, 0, fmt.output);
    const validate = await terraform(['validate', '-no-color'], tf, plainEnv);
    assert.equal(validate.code, 0, validate.output);
  });

  it('the state is in the bucket, holds every resource, and plain terraform plan finds no changes', async () => {
    const local = join(tf, 'terraform.tfstate');
    assert.ok(!existsSync(local) || statSync(local).size === 0, 'no local state left');
    const object = await clientsFor(moto.endpoint).s3.send(
      new GetObjectCommand({ Bucket: 'example-tfstate-change-me', Key: 'bootstrap/terraform.tfstate' }),
    );
    const state = JSON.parse(await object.Body!.transformToString());
    assert.ok(state.resources.length > 30, `state holds ${state.resources.length} resources`);
    const list = await terraform(['state', 'list', '-no-color'], tf, plainEnv);
    assert.equal(list.code, 0, list.output);
    const listed = list.output.trim().split('\n').sort();
    assert.deepEqual(
      importTargets(tf).filter((a) => !listed.includes(a)),
      [],
      'every imported address is in the state',
    );
    for (const expected of [
      'aws_organizations_organization.this',
      'aws_cloudtrail.organization',
      'aws_s3_bucket.state',
      'aws_dynamodb_table.lock',
      'aws_iam_role.deploy',
    ]) {
      assert.ok(
        listed.some((a) => a.startsWith(expected)),
        `${expected} in ${listed.join(', ')}`,
      );
    }
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], tf, plainEnv);
    assert.equal(plan.code, 0, plan.output);
  });

  it('a second --yes changes nothing and regenerates byte-identical files; --plan says where the organization is managed', async () => {
    const before = snapshotDir(tf);
    const mtimes = [...before.keys()].map((p) => statSync(join(tf, p)).mtimeMs);
    const second = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes', '--json'], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).changesApplied, 0);
    assert.deepEqual(snapshotDir(tf), before);
    assert.deepEqual(
      [...before.keys()].map((p) => statSync(join(tf, p)).mtimeMs),
      mtimes,
      'no file rewritten',
    );
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--plan'], { env, cwd: dir });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /managed as code in \.\/bootstrap/);
  });

  it("a user's own .tf file is never touched; one that declares a generated resource is refused before any write", async () => {
    const own = join(tf, 'team.tf');
    writeFileSync(own, 'locals {\n  team = "platform"\n}\n');
    const ownBefore = readFileSync(own, 'utf8');
    await writeBlueprint(dir, (b) => b.organizationalUnits.push('Workloads/Production'));
    const ok = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes'], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(readFileSync(own, 'utf8'), ownBefore);

    const clash = join(tf, 'mine.tf');
    writeFileSync(clash, 'resource "aws_s3_bucket" "state" {\n  bucket = "x"\n}\n');
    const snapshot = await moto.snapshot();
    const files = snapshotDir(tf);
    await writeBlueprint(dir, (b) => b.guardrails.denyRoot.targets.push('Infrastructure'));
    const refused = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes'], { env, cwd: dir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /aws_s3_bucket\.state/);
    assert.match(refused.stderr, /mine\.tf/);
    assert.match(refused.stderr, /state-backend\.tf/);
    assert.deepEqual(await moto.snapshot(), snapshot, 'no AWS write');
    assert.deepEqual(snapshotDir(tf), files, 'no file write');
    await writeBlueprint(
      dir,
      (b) =>
        (b.guardrails.denyRoot.targets = b.guardrails.denyRoot.targets.filter((t: string) => t !== 'Infrastructure')),
    );
    const { rmSync } = await import('node:fs');
    rmSync(clash);
  });

  it('a blueprint change after the hand-off (a new OU and a new SCP target) is applied, imported, and plan still exits 0; tags someone added are kept', async () => {
    // Tags another team put on the bucket, the lock table and the trail must survive the hand-off.
    const aws = clientsFor(moto.endpoint);
    await aws.s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'example-tfstate-change-me',
        Tagging: { TagSet: [{ Key: 'CostCenter', Value: 'platform' }] },
      }),
    );
    const table = await aws.dynamodb.send(new DescribeTableCommand({ TableName: 'example-tf-locks' }));
    await aws.dynamodb.send(
      new TagResourceCommand({ ResourceArn: table.Table!.TableArn!, Tags: [{ Key: 'Owner', Value: 'sre' }] }),
    );
    const trail = await aws.cloudtrail.send(new GetTrailCommand({ Name: 'org-trail' }));
    await aws.cloudtrail.send(
      new AddTagsCommand({ ResourceId: trail.Trail!.TrailARN!, TagsList: [{ Key: 'Retention', Value: '7y' }] }),
    );
    await writeBlueprint(dir, (b) => {
      b.organizationalUnits.push('Workloads/Staging');
      b.guardrails.denyRoot.targets.push('Workloads/Staging');
    });
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes', '--json'], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const list = await terraform(['state', 'list', '-no-color'], tf, plainEnv);
    assert.match(list.output, /aws_organizations_organizational_unit\.workloads_staging/);
    assert.match(list.output, /aws_organizations_policy_attachment\.deny_root__workloads_staging/);
    const backendCode = readFileSync(join(tf, 'state-backend.tf'), 'utf8');
    assert.match(backendCode, /"CostCenter" = "platform"/);
    assert.match(backendCode, /"Owner" += "sre"/);
    assert.match(readFileSync(join(tf, 'organization-trail.tf'), 'utf8'), /"Retention" = "7y"/);
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], tf, plainEnv);
    assert.equal(plan.code, 0, plan.output);
  });

  it('a generated file the user edited is refused and named; --force regenerates it', async () => {
    const file = join(tf, 'organization.tf');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original + '\n# my note\n');
    await writeBlueprint(dir, (b) => b.organizationalUnits.push('Sandbox/Experiments'));
    const refused = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes'], { env, cwd: dir });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /organization\.tf/);
    assert.match(refused.stderr, /--force/);
    assert.match(readFileSync(file, 'utf8'), /# my note/, 'left as the user wrote it');
    const forced = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes', '--force'], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(forced.code, 0, forced.stderr);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /# my note/);
    assert.match(readFileSync(file, 'utf8'), /"Experiments"/);
  });
});

describe('bootstrap hands the organization to Terraform with the state bucket and trail bucket in member accounts', () => {
  let moto: Moto;
  let dir: string;
  let tf: string;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = tempDir();
    tf = join(dir, 'bootstrap');
    env = isolatedEnv(moto.env);
    const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    await writeBlueprint(dir, (b) => {
      b.stateBackend.account = 'shared-services';
      b.organizationTrail.account = 'log-archive';
    });
  });
  after(async () => moto?.stop());

  it('--yes ends with the state in the member bucket and a plan that exits 0 with management keys only', async () => {
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes', '--json'], {
      env,
      cwd: dir,
      timeoutMs: 600_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const accounts = JSON.parse(run.stdout).accounts as Record<string, string>;
    assert.match(
      readFileSync(join(tf, 'backend.tf'), 'utf8'),
      new RegExp(`role_arn = "arn:aws:iam::${accounts['shared-services']}:role/OrganizationAccountAccessRole"`),
    );
    assert.match(readFileSync(join(tf, 'providers.tf'), 'utf8'), /alias\s+= "shared_services"/);
    const member = await memberClients(moto.endpoint, accounts['shared-services']!);
    const object = await member.s3.send(
      new GetObjectCommand({ Bucket: 'example-tfstate-change-me', Key: 'bootstrap/terraform.tfstate' }),
    );
    const state = JSON.parse(await object.Body!.transformToString());
    assert.ok(state.resources.some((r: { type: string }) => r.type === 'aws_cloudtrail'));
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], tf, {
      ...env,
      TF_IN_AUTOMATION: '1',
    });
    assert.equal(plan.code, 0, plan.output);
  });
});
