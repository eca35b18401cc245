/**
 * Two `awsorg bootstrap --yes` on one blueprint at once: the journal's lock lets exactly one of
 * them run; the other is refused before any AWS call, naming the holder. A lock left by a run that
 * died is taken over, and the run says so.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateOrganizationCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { AwsProxy } from '../fixtures/aws-proxy.js';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';

const BLUEPRINT = `version: 1
region: us-east-1
organization:
  trustedServices: []
  policyTypes: [SERVICE_CONTROL_POLICY]
organizationalUnits: [Workloads, Sandbox]
accounts:
  - { name: staging, email: aws+staging@example.com, ou: Workloads }
  - { name: sandbox, email: aws+sandbox@example.com, ou: Sandbox }
`;

interface Run {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startRun(dir: string, env: Record<string, string>): Run {
  const child = spawnCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], { env, cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exit };
}

describe('one bootstrap at a time per journal', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let env: Record<string, string>;

  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
    env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
  });
  after(() => stop?.());

  it('of two concurrent runs exactly one proceeds; the other names the holder and sends nothing', async () => {
    await moto.reset();
    proxy.clearRecords();
    const aws = clientsFor(moto.endpoint);
    // An existing organization: the case where both runs used to create the same OUs.
    await aws.organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const dir = tempDir();
    writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);

    // Hold every AWS request until one run has exited, so the two runs surely overlap. With the
    // lock, the refused run exits at once; without it, both wait here and then both go ahead.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const timer = setTimeout(() => open(), 10_000);
    proxy.setInterceptor(async () => {
      await gate;
      return undefined;
    });
    const runs = [startRun(dir, env), startRun(dir, env)];
    const firstOut = await Promise.race(runs.map((r, i) => r.exit.then(() => i)));
    open();
    clearTimeout(timer);
    const results = await Promise.all(runs.map((r) => r.exit));
    proxy.setInterceptor(undefined);

    const loser = results[firstOut]!;
    const winner = results[1 - firstOut]!;
    const winnerPid = runs[1 - firstOut]!.child.pid;
    assert.equal(winner.code, 0, `the run holding the lock converges: ${winner.stderr}`);
    assert.equal(loser.code, 1, `the other is refused: ${loser.stderr}`);
    assert.match(
      loser.stderr,
      new RegExp(
        `The bootstrap journal ${join(dir, 'awsorg.journal.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another awsorg run: pid ${winnerPid} on ${hostname()}, started \\S+ \\(awsorg bootstrap --config awsorg.yaml --yes\\)`,
      ),
    );
    assert.match(loser.stderr, new RegExp(`Next step: Wait for pid ${winnerPid} to finish`));
    assert.doesNotMatch(loser.stderr, /Progress is saved/);

    // Nothing was created twice.
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const ous =
      (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id! })))
        .OrganizationalUnits ?? [];
    assert.deepEqual(ous.map((o) => o.Name).sort(), ['Sandbox', 'Workloads']);
    const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts ?? [];
    assert.deepEqual(
      accounts
        .map((a) => a.Email)
        .filter((e) => e?.startsWith('aws+'))
        .sort(),
      ['aws+sandbox@example.com', 'aws+staging@example.com'],
    );
    assert.equal(proxy.requests.filter((r) => r.action === 'CreateAccount').length, 2);
    assert.equal(proxy.requests.filter((r) => r.action === 'CreateOrganizationalUnit').length, 2);
    assert.equal(existsSync(join(dir, 'awsorg.journal.json.lock')), false, 'the winner released the lock');
  });

  it('refuses a lock held on another host, naming that host, before any AWS call', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);
    const lock = join(dir, 'awsorg.journal.json.lock');
    writeFileSync(
      lock,
      JSON.stringify({
        pid: 4242,
        host: 'build-7.example.net',
        startedAt: '2026-03-01T09:00:00.000Z',
        command: 'awsorg bootstrap --config awsorg.yaml --yes',
        token: 'x',
      }),
    );
    const before = proxy.stats.total;
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
      env,
      cwd: dir,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /is in use by another awsorg run: pid 4242 on build-7\.example\.net, started 2026-03-01T09:00:00\.000Z/,
    );
    assert.ok(run.stderr.includes(`If you are sure it has ended, delete ${lock}`), run.stderr);
    assert.equal(proxy.stats.total, before, 'no AWS request');
    assert.equal(existsSync(lock), true, "another host's lock is never removed");
  });

  it('takes over the lock of a run that died on this host, and says so', async () => {
    await moto.reset();
    const dir = tempDir();
    writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);
    const lock = join(dir, 'awsorg.journal.json.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(
      lock,
      JSON.stringify({
        pid: dead,
        host: hostname(),
        startedAt: '2026-03-01T09:00:00.000Z',
        command: 'awsorg bootstrap --config awsorg.yaml --yes',
        token: 'x',
      }),
    );
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
      env,
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `took over the lock on \\S+awsorg\\.journal\\.json left by an awsorg run that is no longer running \\(pid ${dead} on ${hostname()}, started 2026-03-01T09:00:00\\.000Z\\)`,
      ),
    );
    assert.equal(existsSync(lock), false);
  });
});
