/**
 * The wizard's operations against moto: what the welcome screen detects (no organization, an
 * organization to adopt, an interrupted run's journal), sign-in with pasted keys, the bucket
 * availability check, saving and loading the blueprint, and the refusal without a terminal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateOrganizationCommand } from '@aws-sdk/client-organizations';
import { loadBlueprint } from '../../src/core/blueprint-load.js';
import { createDeps, systemClock, type Deps } from '../../src/aws/deps.js';
import { acquireLock } from '../../src/core/lock.js';
import { preset } from '../../src/core/presets.js';
import type { ApplyEvent } from '../../src/ui/wizard/apply.js';
import { WizardOperations } from '../../src/ui/wizard/operations.js';
import type { SignInEvent } from '../../src/ui/wizard/signin.js';
import { clientsFor } from '../helpers/aws.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { operatorEnv } from '../helpers/org-fixture.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** Every file under `dir` with its content. */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = readFileSync(join(e.parentPath, e.name), 'utf8');
    else if (!e.isDirectory()) out[join(e.parentPath, e.name)] = '(not a file)';
    else out[join(e.parentPath, e.name)] = '(directory)';
  }
  return out;
}

function depsFor(endpoint: string, cwd: string): Deps {
  return createDeps({
    env: operatorEnv(endpoint),
    cwd,
    signal: new AbortController().signal,
    clock: systemClock,
    stdout: { write: () => true },
    stderr: { write: () => true },
    interactive: true,
  });
}

describe('wizard operations against moto', { timeout: 600_000 }, () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it('detects no organization, then one to adopt, and an interrupted run', async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd));
    const fresh = await ops.detect();
    assert.equal(fresh.organization.kind, 'none');
    assert.equal(fresh.interrupted, undefined);

    await clientsFor(moto.endpoint).organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    writeFileSync(join(cwd, 'awsorg.yaml'), 'version: 1\n');
    writeFileSync(
      join(cwd, 'awsorg.journal.json'),
      JSON.stringify({
        version: 1,
        blueprint: join(cwd, 'awsorg.yaml'),
        runs: 1,
        startedAt: '2026-11-22T09:00:00Z',
        updatedAt: '2026-11-22T09:05:00Z',
        changes: {
          'ou:Security': { status: 'done', at: '2026-11-22T09:01:00Z' },
          'account:audit': { status: 'started', at: '2026-11-22T09:02:00Z' },
        },
        createAccountRequests: {},
      }),
    );
    const later = await ops.detect();
    assert.equal(later.organization.kind, 'management');
    assert.equal(later.blueprintFile, 'awsorg.yaml');
    assert.deepEqual(
      later.interrupted && {
        blueprint: later.interrupted.blueprint,
        done: later.interrupted.done,
        inFlight: later.interrupted.inFlight,
      },
      { blueprint: 'awsorg.yaml', done: 1, inFlight: ['account:audit'] },
    );
  });

  it('detects no interrupted run, without hanging, when the journal is a FIFO or a directory', () => {
    // In a child: a read blocked on a FIFO would never return, and the child can be killed.
    const here = dirname(fileURLToPath(import.meta.url));
    const module = (path: string) => pathToFileURL(resolve(here, '..', '..', 'src', path)).href;
    const script = `
      const { WizardOperations } = await import(${JSON.stringify(module('ui/wizard/operations.js'))});
      const { createDeps, systemClock } = await import(${JSON.stringify(module('aws/deps.js'))});
      const env = JSON.parse(process.argv[1]);
      const deps = createDeps({ env, cwd: process.argv[2], signal: new AbortController().signal, clock: systemClock, stdout: { write: () => true }, stderr: { write: () => true }, interactive: true });
      const detection = await new WizardOperations(deps).detect();
      process.stdout.write(JSON.stringify({ interrupted: detection.interrupted ?? null }));
    `;
    for (const kind of ['fifo', 'directory']) {
      const cwd = tempDir('awsorg-wizard-ops-');
      const journal = join(cwd, 'awsorg.journal.json');
      assert.equal(spawnSync(kind === 'fifo' ? 'mkfifo' : 'mkdir', [journal]).status, 0);
      const child = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', script, JSON.stringify(operatorEnv(moto.endpoint)), cwd],
        { encoding: 'utf8', timeout: 20_000 },
      );
      assert.equal(child.signal, null, `${kind}: detect did not return (killed by the timeout)`);
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { interrupted: null });
    }
  });

  it('signs in with pasted keys, and no event carries the secret', async () => {
    const ops = new WizardOperations(depsFor(moto.endpoint, tempDir('awsorg-wizard-ops-')));
    const events: SignInEvent[] = [];
    await ops.signIn(
      { kind: 'sign-in', method: 'keys', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
      (e) => events.push(e),
    );
    const last = events.at(-1)!;
    assert.equal(last.kind, 'signed-in', JSON.stringify(events));
    assert.equal(last.kind === 'signed-in' && last.result.identity.account, '123456789012');
    assert.match(last.kind === 'signed-in' ? last.result.via : '', /pasted access keys \(AKIA…MPLE\)/);
    assert.doesNotMatch(JSON.stringify(events), /wJalrXUtnFEMI/);
  });

  it('tells a bucket you own from a free name (HeadBucket)', async () => {
    const ops = new WizardOperations(depsFor(moto.endpoint, tempDir('awsorg-wizard-ops-')));
    await ops.signIn({ kind: 'sign-in', method: 'current' }, () => undefined);
    await clientsFor(moto.endpoint).s3.send(new CreateBucketCommand({ Bucket: 'wizard-owned-bucket' }));
    assert.deepEqual(await ops.checkBucket('wizard-owned-bucket'), { kind: 'owned' });
    assert.deepEqual(await ops.checkBucket('wizard-free-bucket-0a1b2c'), { kind: 'free' });
  });

  it('saves the blueprint as YAML that loads back, and never replaces another file silently', async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd));
    const blueprint = preset('three-accounts');
    assert.deepEqual(await ops.saveBlueprint('awsorg.yaml', blueprint, false), { path: 'awsorg.yaml' });
    assert.deepEqual((await loadBlueprint(join(cwd, 'awsorg.yaml'), { allowPlaceholders: true })).blueprint, blueprint);
    // The same content again is fine; different content needs overwrite.
    assert.deepEqual(await ops.saveBlueprint('awsorg.yaml', blueprint, false), { path: 'awsorg.yaml' });
    const changed = { ...blueprint, region: 'eu-west-1' };
    assert.deepEqual(await ops.saveBlueprint('awsorg.yaml', changed, false), { exists: true, path: 'awsorg.yaml' });
    assert.match(readFileSync(join(cwd, 'awsorg.yaml'), 'utf8'), /region: us-east-1/);
    await ops.saveBlueprint('awsorg.yaml', changed, true);
    assert.equal((await ops.loadBlueprintFile('awsorg.yaml')).blueprint.region, 'eu-west-1');
  });

  it('in a rehearsal, saves the blueprint in its workspace, and keeps it in the working directory only when asked, never replacing another file silently', async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const workspace = tempDir('awsorg-rehearsal-');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd), {
      rehearsal: { endpoint: moto.endpoint, workspace },
    });
    assert.ok(
      ops.blueprintPath.startsWith(workspace),
      `the rehearsal saves into its workspace, not ${ops.blueprintPath}`,
    );
    const blueprint = preset('three-accounts');
    const saved = await ops.saveBlueprint(ops.relativePath(ops.blueprintPath), blueprint, false);
    assert.deepEqual(saved, { path: join(workspace, 'awsorg.yaml') });
    assert.equal(
      existsSync(join(cwd, 'awsorg.yaml')),
      false,
      'nothing was written into the working directory (a git checkout, say)',
    );
    // Keeping it: an existing, different file is not replaced until asked again.
    writeFileSync(join(cwd, 'awsorg.yaml'), 'version: 1\n# mine\n');
    assert.deepEqual(await ops.keepBlueprint(false), { exists: true, path: 'awsorg.yaml' });
    assert.equal(readFileSync(join(cwd, 'awsorg.yaml'), 'utf8'), 'version: 1\n# mine\n');
    assert.deepEqual(await ops.keepBlueprint(true), { path: 'awsorg.yaml' });
    assert.deepEqual((await loadBlueprint(join(cwd, 'awsorg.yaml'), { allowPlaceholders: true })).blueprint, blueprint);
    const kept = readFileSync(join(cwd, 'awsorg.yaml'), 'utf8');
    assert.match(kept, /awsorg bootstrap --config awsorg\.yaml --plan/);
    assert.doesNotMatch(kept, new RegExp(workspace), 'the kept file names itself, not the workspace copy');
  });

  it('in a rehearsal, the state screen names a missing Terraform directory as written, once', async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const workspace = tempDir('awsorg-rehearsal-');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd), {
      rehearsal: { endpoint: moto.endpoint, workspace },
    });
    const events: SignInEvent[] = [];
    await ops.signIn({ kind: 'sign-in', method: 'current' }, (e) => events.push(e));
    assert.ok(
      events.some((e) => e.kind === 'signed-in'),
      JSON.stringify(events),
    );
    const saved = await ops.saveBlueprint(ops.relativePath(ops.blueprintPath), preset('three-accounts'), false);
    assert.ok('path' in saved && !('exists' in saved));
    await ops.plan(saved.path, () => undefined);
    const info = await ops.inspectMigration('./bootstrap');
    assert.equal(info.finding.kind, 'missing-dir');
    assert.equal(info.dir, './bootstrap');
    assert.equal(info.absolute, join(cwd, 'bootstrap'), 'the directory looked for is the real one: nothing was copied');
    const { migrateLines, initialMigrate, migrateEvent } = await import('../../src/ui/wizard/migrate.js');
    const { palette } = await import('../../src/ui/console/style.js');
    const screen = migrateLines(migrateEvent(initialMigrate('./bootstrap'), { kind: 'inspected', info }), {
      width: 200,
      height: 40,
      palette: palette(false),
    }).join('\n');
    assert.doesNotMatch(screen, /copied/, screen);
    assert.equal(screen.match(/\.\/bootstrap/g)?.length, 2, `the directory row and the finding name it:\n${screen}`);
  });

  it("in a rehearsal, the blueprint saved in the workspace still finds the operator's Terraform directory, and works on a copy", async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const workspace = tempDir('awsorg-rehearsal-');
    mkdirSync(join(cwd, 'bootstrap'));
    writeFileSync(join(cwd, 'bootstrap', 'main.tf'), 'resource "terraform_data" "bootstrap" {}\n');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd), {
      rehearsal: { endpoint: moto.endpoint, workspace },
    });
    await ops.signIn({ kind: 'sign-in', method: 'current' }, () => undefined);
    const saved = await ops.saveBlueprint(ops.relativePath(ops.blueprintPath), preset('three-accounts'), false);
    assert.ok('path' in saved && !('exists' in saved));
    await ops.plan(saved.path, () => undefined);
    const info = await ops.inspectMigration('./bootstrap');
    assert.equal(info.dir, './bootstrap');
    assert.equal(info.inWorkspace, true);
    assert.ok(info.absolute.startsWith(workspace), info.absolute);
    assert.ok(
      existsSync(join(workspace, 'terraform', 'main.tf')),
      'the directory next to where the operator works was copied',
    );
  });

  it("in a rehearsal with terraform.handoff, the apply writes the code into the workspace's copy, the state screen shows the files, the imports and plan before and after the move, and the operator's directory is untouched", {
    timeout: 600_000,
  }, async () => {
    await moto.reset();
    const cwd = tempDir('awsorg-wizard-ops-');
    const workspace = tempDir('awsorg-rehearsal-');
    // The operator's own Terraform directory: the rehearsal works on a copy of it.
    mkdirSync(join(cwd, 'bootstrap'));
    writeFileSync(join(cwd, 'bootstrap', 'extra.tf'), 'locals {\n  owner = "platform"\n}\n');
    const pristine = treeOf(cwd);
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd), {
      rehearsal: { endpoint: moto.endpoint, workspace },
    });
    await ops.signIn({ kind: 'sign-in', method: 'current' }, () => undefined);
    const blueprint = preset('standard');
    assert.equal(blueprint.terraform?.handoff, true, 'the preset hands the organization to Terraform');
    const saved = await ops.saveBlueprint(ops.relativePath(ops.blueprintPath), blueprint, false);
    assert.ok('path' in saved && !('exists' in saved));
    await ops.plan(saved.path, () => undefined);
    assert.ok(
      ops.applySteps().some((s) => s.id === 'terraform-handoff'),
      'the hand-off runs in the apply',
    );
    assert.ok(
      !ops.applySteps().some((s) => s.id === 'handoff-verify' || s.id === 'migrate-state'),
      'the move and the check after it are left to the State screen',
    );
    const events: ApplyEvent[] = [];
    await ops.apply((e) => events.push(e), new AbortController().signal);
    assert.equal(
      events.at(-1)?.kind,
      'finished',
      JSON.stringify(events.filter((e) => e.kind === 'failed' || e.kind === 'change-failed')),
    );

    const copy = join(workspace, 'terraform');
    const info = await ops.inspectMigration('./bootstrap');
    assert.equal(info.inWorkspace, true);
    assert.equal(info.finding.kind, 'local', JSON.stringify(info.finding));
    const h = info.handoff;
    assert.ok(h, 'the state screen knows what the hand-off did');
    const created = h.files.filter((f) => f.action === 'created').map((f) => f.name);
    assert.ok(created.includes('imports.tf') && created.length > 3, JSON.stringify(h.files));
    for (const name of created) assert.ok(existsSync(join(copy, name)), `${name} is in the workspace copy`);
    const imports = [...readFileSync(join(copy, 'imports.tf'), 'utf8').matchAll(/^\s*to\s*=/gm)].length;
    assert.equal(h.imports, imports, 'every import block was imported');
    assert.equal(h.checked, true);

    const output: string[] = [];
    const verification = await ops.migrate('./bootstrap', (line) => output.push(line));
    assert.ok(verification, output.join('\n'));
    assert.deepEqual(
      ops.afterMoveCheck(),
      { ok: true, text: `the state is in s3://${blueprint.stateBackend!.bucket}/${blueprint.terraform!.key}` },
      output.join('\n'),
    );

    const { migrateLines, initialMigrate, migrateEvent } = await import('../../src/ui/wizard/migrate.js');
    const { palette } = await import('../../src/ui/console/style.js');
    let m = migrateEvent(initialMigrate('./bootstrap'), { kind: 'inspected', info });
    m = migrateEvent(m, { kind: 'migrated', verification, afterMove: ops.afterMoveCheck()! });
    const screen = migrateLines(m, { width: 80, height: 60, palette: palette(false) })
      .join('\n')
      .replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(screen, new RegExp(`Imports\\s+${imports} resources imported`), screen);
    assert.match(screen, /Before move\s+terraform plan: no changes ✓/, screen);
    assert.match(screen, /After move\s+terraform plan: no changes ✓/, screen);
    assert.match(screen.replace(/\s+/g, ' '), /imports\.tf/, screen);
    const done = ops.summary().terraformCode;
    assert.deepEqual(done && { files: done.files, imports: done.imports, ok: done.ok }, {
      files: h.files.length,
      imports,
      ok: true,
    });

    assert.deepEqual(treeOf(cwd), pristine, "nothing was written into the operator's directory");
  });

  it('with --allow-placeholders (no rehearsal), the state screen can point the blueprint at another Terraform directory', async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd), { allowPlaceholders: true });
    await ops.signIn({ kind: 'sign-in', method: 'current' }, () => undefined);
    const saved = await ops.saveBlueprint('awsorg.yaml', preset('three-accounts'), false);
    assert.ok('path' in saved && !('exists' in saved));
    await ops.plan(saved.path, () => undefined);
    // The preset's example.com emails are still in the file it rewrites with the new directory.
    const info = await ops.inspectMigration('./infra');
    assert.equal(info.finding.kind, 'missing-dir');
    assert.equal(info.dir, './infra');
    assert.equal(
      (await loadBlueprint(join(cwd, 'awsorg.yaml'), { allowPlaceholders: true })).blueprint.terraform?.dir,
      './infra',
    );
  });

  it('without a terminal, bare `awsorg bootstrap` refuses with exit 2 and names the headless commands', async () => {
    const cwd = tempDir('awsorg-wizard-ops-');
    const run = await runCli(['bootstrap'], { env: operatorEnv(moto.endpoint), cwd });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /needs a terminal/);
    assert.match(run.stderr, /--config FILE --yes/);
    assert.match(run.stderr, /--plan/);
    assert.equal(existsSync(join(cwd, 'awsorg.yaml')), false);
  });

  it("refuses to apply while another run holds the journal's lock, naming it, and changes nothing", async () => {
    await moto.reset();
    const cwd = tempDir('awsorg-wizard-ops-');
    writeFileSync(join(cwd, 'awsorg.yaml'), 'version: 1\nregion: us-east-1\norganizationalUnits: [Workloads]\n');
    const ops = new WizardOperations(depsFor(moto.endpoint, cwd));
    await ops.signIn({ kind: 'sign-in', method: 'current' }, () => undefined);
    await ops.plan('awsorg.yaml', () => undefined);
    const held = acquireLock(join(cwd, 'awsorg.journal.json.lock'), {
      what: 'the journal',
      command: 'awsorg bootstrap --config awsorg.yaml --yes',
    });
    const pristine = await moto.snapshot();
    const events: ApplyEvent[] = [];
    try {
      await ops.apply((e) => events.push(e), new AbortController().signal);
    } finally {
      held.release();
    }
    const last = events.at(-1);
    assert.equal(last?.kind, 'failed', JSON.stringify(events));
    assert.match(
      last?.kind === 'failed' ? last.failure.message : '',
      new RegExp(
        `is in use by another awsorg run: pid ${process.pid} on .*awsorg bootstrap --config awsorg\\.yaml --yes`,
      ),
    );
    assert.deepEqual(await moto.snapshot(), pristine, 'nothing was created');
    assert.equal(existsSync(join(cwd, 'awsorg.journal.json')), false);

    // Once the other run is gone, the same apply goes through and leaves no lock behind.
    const after: ApplyEvent[] = [];
    await ops.apply((e) => after.push(e), new AbortController().signal);
    assert.equal(after.at(-1)?.kind, 'finished', JSON.stringify(after.filter((e) => e.kind === 'failed')));
    assert.equal(existsSync(join(cwd, 'awsorg.journal.json.lock')), false);
  });
});
