/**
 * Team runbook directories through the built CLI: one unusable file (invalid YAML, an invalid
 * runbook, a FIFO, a symlink to a FIFO, a file others can write) is skipped with a warning that
 * names it, and every other runbook, built-in or the team's, still lists and runs; asking for
 * exactly the unusable runbook says why (exit 2). Nothing hangs on a FIFO.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { memberClients } from '../helpers/aws.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv } from '../helpers/org-fixture.js';
import { TEAM_RUNBOOK } from '../fixtures/team-runbook.js';

/** Every run must end by itself well before the harness would kill it. */
const PROMPT_MS = 20_000;

function assertPrompt(result: CliResult): void {
  assert.equal(
    result.signal,
    null,
    `awsorg ended by itself (it was killed: ${String(result.signal)})\n${result.stderr}`,
  );
}

describe('team runbook directories with unusable files', () => {
  let moto: Moto;
  let env: Record<string, string>;
  let dir: string;
  const cli = async (args: string[]): Promise<CliResult> => {
    const result = await runCli(['runbook', ...args], { env, timeoutMs: PROMPT_MS });
    assertPrompt(result);
    return result;
  };

  before(async () => {
    moto = await startMoto();
    const org = await createOrgFixture(moto.endpoint, [{ name: 'Production', ou: 'Workloads' }]);
    const member = await memberClients(moto.endpoint, org.byName('Production').id);
    await member.iam.send(
      new CreateRoleCommand({
        RoleName: 'app-deployer',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    env = operatorEnv(moto.endpoint);
    dir = join(env.XDG_CONFIG_HOME!, 'awsorg', 'runbooks');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'team-capture.yaml'), TEAM_RUNBOOK, { mode: 0o600 });
    writeFileSync(join(dir, 'broken.yaml'), 'id: broken-drill\ntitle: [unclosed\n', { mode: 0o600 });
    writeFileSync(join(dir, 'half.yaml'), 'id: half-done\ntitle: Half a runbook\n', { mode: 0o600 });
    writeFileSync(join(dir, 'shared.yaml'), TEAM_RUNBOOK.replace('id: team-capture', 'id: shared-capture'), {
      mode: 0o600,
    });
    chmodSync(join(dir, 'shared.yaml'), 0o666);
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const outside = tempDir('awsorg-fifo-');
    execFileSync('mkfifo', [join(outside, 'fifo')]);
    symlinkSync(join(outside, 'fifo'), join(dir, 'linked.yaml'));
  });
  after(async () => moto?.stop());

  it('lists the built-ins and the usable team runbook promptly, warning about each skipped file by name', async () => {
    const list = await cli(['list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id);
    for (const id of ['quarantine-account', 'revoke-role-sessions', 'contain-access-key', 'team-capture'])
      assert.ok(ids.includes(id), `${id} is listed`);
    for (const id of ['broken-drill', 'half-done', 'shared-capture'])
      assert.ok(!ids.includes(id), `${id} is not listed`);
    const warnings = list.stderr.split('\n').filter((l) => l.startsWith('awsorg: warning: skipped the runbook file'));
    assert.equal(warnings.length, 5, list.stderr);
    assert.match(list.stderr, /broken\.yaml: is invalid \(1 problem\):\n {2}- \(file\): is not valid YAML/);
    assert.match(list.stderr, /half\.yaml: is invalid \(\d+ problems\)/);
    assert.match(list.stderr, /shared\.yaml: has mode 0666 \(others can write to it\)/);
    assert.match(list.stderr, /pipe\.yaml: is not a regular file/);
    assert.match(list.stderr, /linked\.yaml: is not a regular file/);
  });

  it('a FIFO alone in a --runbooks directory does not hang awsorg', async () => {
    const fifoDir = tempDir('awsorg-runbooks-');
    execFileSync('mkfifo', [join(fifoDir, 'team.yaml')]);
    const started = Date.now();
    // Its own environment: no other team runbooks that could fail first.
    const list = await runCli(['runbook', 'list', '--runbooks', fifoDir], {
      env: operatorEnv(moto.endpoint),
      timeoutMs: PROMPT_MS,
    });
    assertPrompt(list);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /revoke-role-sessions/);
    assert.match(list.stderr, /team\.yaml: is not a regular file/);
    assert.ok(Date.now() - started < 10_000, `returned after ${Date.now() - started} ms`);
  });

  it('skips every file of a directory others can write to', async () => {
    const shared = tempDir('awsorg-runbooks-');
    writeFileSync(join(shared, 'team.yaml'), TEAM_RUNBOOK.replace('id: team-capture', 'id: planted-capture'), {
      mode: 0o600,
    });
    chmodSync(shared, 0o777);
    const list = await runCli(['runbook', 'list', '--runbooks', shared], {
      env: operatorEnv(moto.endpoint),
      timeoutMs: PROMPT_MS,
    });
    assertPrompt(list);
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /planted-capture/);
    assert.match(list.stderr, /skipped the runbook file .*team\.yaml: .* has mode 0777 \(others can write to it\)/);
  });

  it('runs a built-in and the team runbook despite the skipped files', async () => {
    const builtIn = await cli([
      'run',
      'revoke-role-sessions',
      '--incident',
      'INC-B1',
      '--account',
      'Production',
      '--role-name',
      'app-deployer',
      '--dry-run',
    ]);
    assert.equal(builtIn.code, 0, builtIn.stderr);
    assert.match(builtIn.stderr, /warning: skipped the runbook file .*broken\.yaml/);
    const team = await cli([
      'run',
      'team-capture',
      '--incident',
      'INC-T1',
      '--account',
      'Production',
      '--role-name',
      'app-deployer',
      '--dry-run',
    ]);
    assert.equal(team.code, 0, team.stderr);
  });

  it('asking for exactly an unusable runbook says why (exit 2), by the id written in it or its file name', async () => {
    const broken = await cli(['show', 'broken-drill']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.yaml is invalid \(1 problem\):\n {2}- \(file\): is not valid YAML/);
    assert.doesNotMatch(
      broken.stderr,
      /warning: skipped the runbook file .*broken\.yaml/,
      'the error, not a warning as well',
    );
    const half = await cli(['run', 'half-done', '--incident', 'INC-H1', '--dry-run']);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /half\.yaml is invalid[\s\S]*description: is missing or empty/);
    const pipe = await cli(['run', 'pipe', '--incident', 'INC-P1', '--dry-run']);
    assert.equal(pipe.code, 2);
    assert.match(pipe.stderr, /pipe\.yaml is not a regular file/);
    // A file others can write is not read at all, so only its file name is known.
    const shared = await cli(['run', 'shared', '--incident', 'INC-S1', '--dry-run']);
    assert.equal(shared.code, 2);
    assert.match(
      shared.stderr,
      /shared\.yaml has mode 0666 \(others can write to it\); awsorg does not use files another user could have planted/,
    );
  });
});
