/**
 * Issue 13, bad input and failure: `awsorg bootstrap --yes` with the Terraform hand-off is
 * SIGKILLed at each phase of the hand-off and the state migration, then run again; the rerun
 * must converge with every resource in the state exactly once, no state lost, the local state
 * backup kept, and the journal saying it resumed. Terraform missing and `init` failing end with
 * exit 1, the tool's own message and the next step, nothing imported, and a rerun that resumes.
 *
 * The kill comes from a `terraform` wrapper placed first on PATH: when AWSORG_TEST_KILL_AT names
 * the subcommand awsorg is running, it SIGKILLs its parent (the awsorg process) either before the
 * real terraform starts (between phases), or while it runs. "finish" lets terraform run to the
 * end with nobody listening (awsorg died; terraform did its work); "crash" kills terraform too,
 * part-way (a machine that went down). One moto and one organization serve every kill point: the
 * hand-off is reset between them (directory and state object removed), so each rerun does the
 * whole hand-off again from what the kill left.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';
import { findOnPath } from '../../src/terraform/tool.js';

const FLAGS = ['--allow-placeholders', '--omit-tls-deny'];
const BUCKET = 'example-tfstate-change-me';
const KEY = 'bootstrap/terraform.tfstate';

/** Every `to = ...` in imports.tf: the resources the hand-off must leave in the state. */
function importTargets(dir: string): string[] {
  return [...readFileSync(join(dir, 'imports.tf'), 'utf8').matchAll(/^\s*to\s*=\s*(\S+)$/gm)].map((m) => m[1]!).sort();
}

/**
 * The wrapper. KILL_AT is `<subcommand>:<how>`, the subcommand being init, plan, show, apply,
 * version, or migrate (init -migrate-state); it fires once (a marker file records that it did).
 */
function writeWrapper(binDir: string, real: string): void {
  mkdirSync(binDir, { recursive: true });
  const script = `#!/bin/sh
sub="$1"
case " $* " in *" -migrate-state "*) sub=migrate;; esac
at="\${AWSORG_TEST_KILL_AT:-}"
if [ -n "$at" ] && [ "$sub" = "\${at%%:*}" ] && [ ! -e "$AWSORG_TEST_KILL_MARK" ]; then
  : > "$AWSORG_TEST_KILL_MARK"
  case "\${at#*:}" in
    before)
      kill -KILL "$PPID"; exit 137;;
    finish)
      "${real}" "$@" > /dev/null 2>&1 &
      child=$!
      sleep "\${AWSORG_TEST_KILL_DELAY:-0.3}"
      kill -KILL "$PPID"
      wait "$child"; echo "$?" > "$AWSORG_TEST_KILL_MARK"; exit 0;;
    crash)
      "${real}" "$@" &
      child=$!
      sleep "\${AWSORG_TEST_KILL_DELAY:-0.3}"
      kill -KILL "$child" "$PPID"; exit 137;;
  esac
fi
exec "${real}" "$@"
`;
  writeFileSync(join(binDir, 'terraform'), script);
  chmodSync(join(binDir, 'terraform'), 0o755);
}

interface StateResource {
  mode: string;
  type: string;
  name: string;
  instances: Array<{ index_key?: string | number }>;
}

describe('bootstrap with the Terraform hand-off converges after a kill at any point', () => {
  let moto: Moto;
  let dir: string;
  let tf: string;
  let tmp: string;
  let mark: string;
  /** awsorg's environment: the wrapper first on PATH, no kill armed. */
  let env: Record<string, string>;
  /** terraform as an operator runs it later: management keys from the environment, nothing else. */
  let plainEnv: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = tempDir();
    tf = join(dir, 'bootstrap');
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    mark = join(dir, 'killed');
    const base = isolatedEnv(moto.env);
    const real = findOnPath('terraform', base);
    assert.ok(real, 'terraform on PATH');
    const bin = join(dir, 'bin');
    writeWrapper(bin, real);
    env = { ...base, PATH: `${bin}${delimiter}${base.PATH}`, TMPDIR: tmp, AWSORG_TEST_KILL_MARK: mark };
    plainEnv = { ...base, TF_IN_AUTOMATION: '1' };
    const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
  });
  after(async () => moto?.stop());

  const bootstrap = (extra: Record<string, string> = {}, json = true): Promise<CliResult> =>
    runCli(['bootstrap', '--config', 'awsorg.yaml', ...FLAGS, '--yes', ...(json ? ['--json'] : [])], {
      env: { ...env, ...extra },
      cwd: dir,
      timeoutMs: 600_000,
    });

  /** Run with the kill armed at `at`; the run must die of SIGKILL there. */
  async function killedAt(at: string, delay?: string): Promise<void> {
    rmSync(mark, { force: true });
    const run = await bootstrap(
      { AWSORG_TEST_KILL_AT: at, ...(delay ? { AWSORG_TEST_KILL_DELAY: delay } : {}) },
      false,
    );
    assert.ok(existsSync(mark), `the run reached ${at}: ${run.stderr}`);
    assert.equal(run.signal, 'SIGKILL', `killed at ${at}: code ${run.code}\n${run.stderr}`);
    if (at.endsWith(':finish')) {
      // terraform outlives awsorg: wait until the wrapper records its exit code.
      const deadline = Date.now() + 180_000;
      while (readFileSync(mark, 'utf8').trim() === '' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Forget the hand-off (directory and state object); the organization stays. */
  async function resetHandoff(): Promise<void> {
    rmSync(tf, { recursive: true, force: true });
    // No bucket yet when a test runs alone (--test-name-pattern): the run builds the organization.
    await clientsFor(moto.endpoint)
      .s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }))
      .catch((err: { name?: string }) => {
        if (err.name !== 'NoSuchBucket') throw err;
      });
  }

  async function remoteState(): Promise<{ lineage: string; serial: number; resources: StateResource[] }> {
    const object = await clientsFor(moto.endpoint).s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    return JSON.parse(await object.Body!.transformToString());
  }

  /** The rerun converges, and what it leaves is whole: the checks shared by every kill point. */
  async function rerunConverges(opts: { resumes?: boolean } = {}): Promise<{ result: any; stderr: string }> {
    const run = await bootstrap();
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'converged');
    if (opts.resumes !== false) assert.match(run.stderr, /Resuming an interrupted run/);

    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], tf, plainEnv);
    assert.equal(plan.code, 0, plan.output);
    const pulled = await terraform(['state', 'pull'], tf, plainEnv);
    assert.equal(pulled.code, 0, pulled.output);
    const state = JSON.parse(pulled.output) as { lineage: string; serial: number; resources: StateResource[] };
    const addresses = state.resources.filter((r) => r.mode === 'managed').map((r) => `${r.type}.${r.name}`);
    assert.deepEqual(
      addresses.filter((a, i) => addresses.indexOf(a) !== i),
      [],
      'no address twice in the state',
    );
    const instances = state.resources
      .filter((r) => r.mode === 'managed')
      .flatMap((r) =>
        r.instances.map(
          (i) => `${r.type}.${r.name}${i.index_key === undefined ? '' : `[${JSON.stringify(i.index_key)}]`}`,
        ),
      );
    assert.deepEqual(
      instances.filter((a, i) => instances.indexOf(a) !== i),
      [],
      'no instance twice in the state',
    );
    assert.deepEqual(
      importTargets(tf).filter((a) => !instances.includes(a)),
      [],
      'every imported address is in the state',
    );
    assert.equal(instances.length, importTargets(tf).length, 'nothing in the state but the imported resources');

    // No state lost: the bucket holds the state the backup was taken of (same lineage).
    const backups = readdirSync(tf).filter((n) => n.startsWith('terraform.tfstate.awsorg-backup-'));
    assert.ok(backups.length >= 1, `a local state backup is kept: ${readdirSync(tf).join(', ')}`);
    const lineages = backups.map((b) => JSON.parse(readFileSync(join(tf, b), 'utf8')).lineage as string);
    assert.ok(
      lineages.includes(state.lineage),
      `the bucket's state (lineage ${state.lineage}) is the one backed up (${lineages.join(', ')})`,
    );
    assert.equal((await remoteState()).lineage, state.lineage);
    const local = join(tf, 'terraform.tfstate');
    assert.ok(!existsSync(local) || statSync(local).size === 0, 'no local state left');

    // Nothing left behind by the killed run: no plan file or work directory, no temporary file.
    assert.deepEqual(readdirSync(tmp), [], 'no temporary files left in TMPDIR');
    assert.deepEqual(
      readdirSync(tf).filter((n) => /\.tmp|tfplan|lock\.info$/.test(n)),
      [],
      'no temporary or lock file left in the directory',
    );
    return { result, stderr: run.stderr };
  }

  const handoffOf = (result: any) => result.steps.find((s: { id: string }) => s.id === 'terraform-handoff');

  /** The imported state's lineage, wherever the kill left it: the local file, or the backup once terraform emptied it. */
  function importedLineage(): string {
    const local = join(tf, 'terraform.tfstate');
    const backup = readdirSync(tf).find((n) => n.startsWith('terraform.tfstate.awsorg-backup-'));
    const file = existsSync(local) && statSync(local).size > 0 ? local : join(tf, backup ?? 'none');
    return (JSON.parse(readFileSync(file, 'utf8')) as { lineage: string }).lineage;
  }

  // Each run costs a minute or more (the organization is observed again, terraform imports 40
  // resources), so the kill points are chained: each killed run resumes what the one before left,
  // and the rerun after the last one must converge from it.
  it('killed at each phase in turn, from generation on the first run to init -migrate-state with terraform killed too: the rerun converges', async () => {
    // Generation: the code is written, terraform not started yet.
    await killedAt('init:before');
    assert.ok(existsSync(join(tf, 'imports.tf')), 'the code was written before the kill');
    assert.equal(existsSync(join(tf, 'terraform.tfstate')), false, 'nothing imported');
    await killedAt('plan:before'); // between init and plan
    await killedAt('show:before'); // a saved plan on disk, not yet checked
    assert.deepEqual(readdirSync(tmp), [], 'no plan file or work directory in TMPDIR');
    await killedAt('apply:crash', '1'); // terraform killed mid-apply with awsorg
    await killedAt('version:before'); // between the imports and the migration
    const lineage = importedLineage();
    await killedAt('migrate:before'); // after the backup, the upload and backend.tf
    assert.ok(existsSync(join(tf, 'backend.tf')));
    await killedAt('migrate:crash', '0.5'); // terraform killed during init -migrate-state
    const { result } = await rerunConverges();
    assert.deepEqual(handoffOf(result).applied, [], 'the imports are not done again');
    assert.equal((await remoteState()).lineage, lineage, 'the imported state is the one in the bucket');
  });

  it('killed between the plan check and apply: the rerun imports everything once', async () => {
    await resetHandoff();
    await killedAt('apply:before');
    assert.equal(existsSync(join(tf, 'terraform.tfstate')), false, 'nothing imported');
    const { result } = await rerunConverges();
    assert.ok(
      handoffOf(result).applied.some((c: { calls: string[] }) => c.calls.includes('terraform:apply')),
      'the rerun imports',
    );
  });

  it('killed during apply while terraform finishes the imports, then during init -migrate-state while it finishes the move: no second import, the state moved once', async () => {
    await resetHandoff();
    await killedAt('apply:finish');
    assert.equal(readFileSync(mark, 'utf8').trim(), '0', 'terraform finished the apply');
    const lineage = importedLineage();
    await killedAt('migrate:finish');
    assert.equal(readFileSync(mark, 'utf8').trim(), '0', 'terraform finished the migration');
    assert.equal((await remoteState()).lineage, lineage);
    const { result } = await rerunConverges();
    assert.deepEqual(handoffOf(result).applied, [], 'everything was in the state: no second import');
    assert.equal((await remoteState()).lineage, lineage, 'the imported state is the one migrated');
  });

  it('terraform missing from PATH: exit 1 naming terraform and tofu and how to install them, nothing imported; the rerun with terraform converges', async () => {
    await resetHandoff();
    assert.equal(findOnPath('terraform', { PATH: '/usr/bin:/bin' }), undefined);
    const run = await bootstrap({ PATH: '/usr/bin:/bin' }, false);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /`tofu` \(OpenTofu\) nor `terraform` was found on PATH/);
    assert.match(
      run.stderr,
      /Install one of them \(OpenTofu: https:\/\/opentofu\.org\S*; Terraform: https:\/\/developer\.hashicorp\.com\S*\) and run the command again/,
    );
    assert.equal(existsSync(join(tf, 'terraform.tfstate')), false, 'nothing imported');
    await assert.rejects(remoteState(), 'nothing migrated');
    await rerunConverges({ resumes: false });
  });

  it("init failing (the provider unavailable): exit 1 with terraform's own message and the next step, nothing imported; the rerun converges", async () => {
    await resetHandoff();
    const empty = join(dir, 'empty-mirror');
    mkdirSync(empty, { recursive: true });
    const config = join(dir, 'no-provider.tfrc');
    writeFileSync(
      config,
      `provider_installation {\n  filesystem_mirror {\n    path = "${empty}"\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
    const run = await bootstrap({ TF_CLI_CONFIG_FILE: config }, false);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /terraform init failed in /);
    assert.match(run.stderr, /Failed to query available provider packages/, "terraform's own message");
    assert.match(
      run.stderr,
      /Fix what terraform reports and run bootstrap again: nothing has been imported or migrated yet, and the rerun resumes here/,
    );
    assert.equal(existsSync(join(tf, 'terraform.tfstate')), false, 'nothing imported');
    await assert.rejects(remoteState(), 'nothing migrated');
    await rerunConverges();
  });
});
