/**
 * `bootstrap --rehearse`: awsorg starts moto_server itself, runs the whole bootstrap (including
 * a real terraform state migration) against it, and leaves nothing behind: no AWS
 * configuration needed, the real Terraform directory and its state untouched, no journal next
 * to the blueprint, and the emulator stopped. Without moto_server it names how to install it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { isolatedEnv, runCli, spawnCli, tempDir } from '../helpers/cli.js';

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('bootstrap --rehearse', () => {
  let dir: string;
  let tfDir: string;
  let stateBefore: string;

  before(() => {
    dir = tempDir('awsorg-rehearse-');
    tfDir = join(dir, 'bootstrap');
    mkdirSync(tfDir);
    writeFileSync(join(tfDir, 'main.tf'), 'resource "terraform_data" "bootstrap" {\n  input = "first day"\n}\n');
    for (const args of [
      ['init', '-input=false'],
      ['apply', '-auto-approve', '-input=false'],
    ]) {
      const r = spawnSync('terraform', args, { cwd: tfDir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    stateBefore = readFileSync(join(tfDir, 'terraform.tfstate'), 'utf8');
  });

  it('runs the whole bootstrap against its own emulator and changes nothing outside it', {
    timeout: 300_000,
  }, async () => {
    // No credentials, no endpoint: a fresh machine without an AWS account.
    const env = isolatedEnv();
    const wrote = await runCli(['bootstrap', '--preset', 'three-accounts', '--write', 'awsorg.yaml'], {
      env,
      cwd: dir,
    });
    assert.equal(wrote.code, 0, wrote.stderr);
    const filesBefore = listing(dir);

    const r = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--rehearse', '--yes'], {
      env,
      cwd: dir,
      timeoutMs: 280_000,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const endpoint = /REHEARSAL: against a local AWS emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(r.stderr)?.[1];
    assert.ok(endpoint, r.stderr);
    assert.match(r.stderr + r.stdout, /migrate-state/i, 'the state migration step ran on the copy');
    assert.match(r.stderr, /Rehearsal finished/);

    assert.equal(
      readFileSync(join(tfDir, 'terraform.tfstate'), 'utf8'),
      stateBefore,
      'the real local state is untouched',
    );
    assert.deepEqual(listing(dir), filesBefore, 'no journal or backend file appeared next to the blueprint');
    await assert.rejects(
      fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) }),
      'the emulator was stopped',
    );
  });

  it('stopped with Ctrl-C, says plainly that a rehearsal starts afresh, and names no journal to resume from', {
    timeout: 120_000,
  }, async () => {
    const env = isolatedEnv();
    const own = tempDir('awsorg-rehearse-stop-');
    const wrote = await runCli(['bootstrap', '--preset', 'three-accounts', '--write', 'awsorg.yaml'], {
      env,
      cwd: own,
    });
    assert.equal(wrote.code, 0, wrote.stderr);
    const child = spawnCli(['bootstrap', '--config', 'awsorg.yaml', '--rehearse', '--yes'], { env, cwd: own });
    let stderr = '';
    let stdout = '';
    child.stdout?.on('data', (d) => (stdout += String(d)));
    const started = new Promise<void>((resolve) =>
      child.stderr?.on('data', (d) => {
        stderr += String(d);
        if (stderr.includes('REHEARSAL:')) resolve();
      }),
    );
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await Promise.race([started, closed]);
    assert.match(stderr, /REHEARSAL:/, stderr);
    child.kill('SIGINT');
    const code = await closed;
    assert.notEqual(code, 0, `${stdout}\n${stderr}`);
    assert.doesNotMatch(stderr, /Progress is saved|journal\.json|to resume/, stderr);
    assert.match(stderr, /starts afresh/, stderr);
  });

  it('without moto_server on PATH it says how to install it, and starts nothing', async () => {
    // A PATH with node and terraform but no moto_server.
    const bin = tempDir('awsorg-path-');
    symlinkSync(process.execPath, join(bin, 'node'));
    const env = isolatedEnv({ PATH: bin });
    const wrote = await runCli(['bootstrap', '--preset', 'three-accounts', '--write', 'awsorg.yaml'], {
      env,
      cwd: bin,
    });
    assert.equal(wrote.code, 0, wrote.stderr);
    const r = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--rehearse', '--yes'], { env, cwd: bin });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /--rehearse needs the moto_server AWS emulator, and it is not on PATH\nNext step: Install moto's server .*pipx install 'moto\[server\]'/,
    );
    assert.ok(!existsSync(join(bin, 'awsorg.journal.json')));
  });

  it('refuses --rehearse with --write, and still needs --yes or --plan without a terminal', async () => {
    const env = isolatedEnv();
    const withWrite = await runCli(['bootstrap', '--preset', 'standard', '--write', 'x.yaml', '--rehearse'], {
      env,
      cwd: dir,
    });
    assert.equal(withWrite.code, 2);
    assert.match(withWrite.stderr, /--rehearse does not apply to --write/);
    const noYes = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--rehearse'], { env, cwd: dir });
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /--yes/);
  });
});
