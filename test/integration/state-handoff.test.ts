/**
 * Issue 13: `awsorg state handoff --config FILE` hands an organization bootstrapped WITHOUT
 * `terraform.handoff` to Terraform afterwards, against moto with the real terraform binary and
 * the real hashicorp/aws provider (the filesystem mirror). It refuses while AWS still differs
 * from the blueprint, writing nothing.
 *
 * moto serves plain HTTP and enforces the TLS-only bucket policy statement, so the runs pass
 * --omit-tls-deny (the generated code then leaves that statement out too).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';
import { HANDOFF_MARKER } from '../../src/terraform/handoff/generate.js';

const FLAGS = ['--allow-placeholders', '--omit-tls-deny'];

/** Every file under `dir` (the blueprint's directory: YAML, journal, ./bootstrap) with its content. */
function snapshotDir(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.terraform') continue;
      if (e.isDirectory()) walk(path);
      else out.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  walk('');
  return out;
}

function editBlueprint(dir: string, edit: (b: any) => void): void {
  const b = parseYaml(readFileSync(join(dir, 'awsorg.yaml'), 'utf8'));
  edit(b);
  writeFileSync(join(dir, 'awsorg.yaml'), stringifyYaml(b));
}

describe('awsorg state handoff: bad input', () => {
  it('without --config, or with a flag it does not take, exits 2 with the usage', async () => {
    const env = isolatedEnv();
    const cwd = tempDir();
    const missing = await runCli(['state', 'handoff', '--plan'], { env, cwd });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /--config FILE is required/);
    assert.match(missing.stderr, /awsorg state handoff --config FILE/);
    const unknown = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', '--dir', 'x'], { env, cwd });
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--dir/);
    assert.match(unknown.stderr, /awsorg state handoff --config FILE/);
    const extra = await runCli(['state', 'handoff', 'now', '--config', 'awsorg.yaml'], { env, cwd });
    assert.equal(extra.code, 2, extra.stderr);
    assert.match(extra.stderr, /unexpected argument "now"/);
  });
});

describe('awsorg state handoff after a bootstrap without terraform.handoff (standard preset)', () => {
  let moto: Moto;
  let dir: string;
  let tf: string;
  let env: Record<string, string>;
  /** terraform as an operator runs it later: management keys from the environment, nothing else. */
  let plainEnv: Record<string, string>;
  let blueprintText: string;

  before(async () => {
    moto = await startMoto();
    dir = tempDir();
    tf = join(dir, 'bootstrap');
    env = isolatedEnv(moto.env);
    plainEnv = { ...env, TF_IN_AUTOMATION: '1' };
    const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    editBlueprint(dir, (b) => (b.terraform.handoff = false));
    blueprintText = readFileSync(join(dir, 'awsorg.yaml'), 'utf8');
    assert.match(blueprintText, /handoff: false/);
    const bootstrap = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes'], {
      env,
      cwd: dir,
      timeoutMs: 600_000,
    });
    assert.equal(bootstrap.code, 0, bootstrap.stderr);
    assert.equal(existsSync(tf), false, 'the bootstrap without hand-off writes no Terraform directory');
  });
  after(async () => moto?.stop());

  it('--plan names the files and imports, exits 3, and writes nothing', async () => {
    const snapshot = await moto.snapshot();
    const files = snapshotDir(dir);
    const plan = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', ...FLAGS, '--plan', '--json'], {
      env,
      cwd: dir,
    });
    assert.equal(plan.code, 3, plan.stderr);
    const result = JSON.parse(plan.stdout);
    assert.equal(result.status, 'changes-pending');
    assert.ok(result.filesToWrite.includes('organization.tf'), result.filesToWrite.join(', '));
    assert.ok(result.imports > 30, `${result.imports} imports`);
    assert.equal(result.state, 's3://example-tfstate-change-me/bootstrap/terraform.tfstate');
    assert.equal(existsSync(tf), false, 'no directory written by --plan');
    assert.deepEqual(snapshotDir(dir), files, 'no file written by --plan');
    assert.deepEqual(await moto.snapshot(), snapshot, 'no AWS write by --plan');
  });

  it('writes the code, imports every resource, moves the state into the bucket; the blueprint file is not edited', async () => {
    const run = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', ...FLAGS, '--json'], {
      env,
      cwd: dir,
      timeoutMs: 600_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'handed-off');
    assert.ok(result.filesWritten.includes('imports.tf'), result.filesWritten.join(', '));
    assert.ok(result.imports > 30, `${result.imports} imports`);
    assert.equal(result.stateMigrated, true);
    assert.equal(result.state, 's3://example-tfstate-change-me/bootstrap/terraform.tfstate');
    for (const name of ['organization.tf', 'guardrails.tf', 'state-backend.tf', 'imports.tf']) {
      assert.ok(readFileSync(join(tf, name), 'utf8').startsWith(`${HANDOFF_MARKER}\n`), `${name} carries the marker`);
    }
    assert.equal(
      readFileSync(join(dir, 'awsorg.yaml'), 'utf8'),
      blueprintText,
      'the blueprint is read as handoff: true, not rewritten',
    );
    // Progress in plain lines on stderr, as bootstrap shows it.
    assert.match(run.stderr, /\[terraform-handoff\]/);
  });

  it('the state is in the bucket and plain terraform plan finds no changes', async () => {
    const local = join(tf, 'terraform.tfstate');
    assert.ok(!existsSync(local) || statSync(local).size === 0, 'no local state left');
    const object = await clientsFor(moto.endpoint).s3.send(
      new GetObjectCommand({ Bucket: 'example-tfstate-change-me', Key: 'bootstrap/terraform.tfstate' }),
    );
    const state = JSON.parse(await object.Body!.transformToString());
    assert.ok(state.resources.length > 30, `state holds ${state.resources.length} resources`);
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], tf, plainEnv);
    assert.equal(plan.code, 0, plan.output);
  });

  it('a second run does nothing and rewrites no file; --plan then exits 0', async () => {
    const files = snapshotDir(tf);
    const mtimes = [...files.keys()].map((p) => statSync(join(tf, p)).mtimeMs);
    const second = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', ...FLAGS], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Nothing to do/);
    assert.deepEqual(snapshotDir(tf), files);
    assert.deepEqual(
      [...files.keys()].map((p) => statSync(join(tf, p)).mtimeMs),
      mtimes,
      'no file rewritten',
    );
    const plan = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', ...FLAGS, '--plan'], { env, cwd: dir });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });

  it('with a blueprint change not yet applied it refuses (exit 1), names it, and writes nothing', async () => {
    editBlueprint(dir, (b) => b.organizationalUnits.push('Workloads/Production'));
    const snapshot = await moto.snapshot();
    const files = snapshotDir(dir);
    const refused = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', ...FLAGS], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /Workloads\/Production/);
    assert.match(
      refused.stderr,
      /run `awsorg bootstrap --config awsorg\.yaml --yes` first; the hand-off only records what exists/i,
    );
    assert.deepEqual(await moto.snapshot(), snapshot, 'no AWS write');
    assert.deepEqual(snapshotDir(dir), files, 'no file written (code, state, journal)');
    const plan = await runCli(['state', 'handoff', '--config', 'awsorg.yaml', ...FLAGS, '--plan'], { env, cwd: dir });
    assert.equal(plan.code, 1, plan.stderr);
  });
});
