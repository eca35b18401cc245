/**
 * Kill and resume: the bootstrap process is SIGKILLed at several points (including after
 * CreateAccount took effect but before the client heard the request id, and while an account
 * is IN_PROGRESS), then run again. The organization must converge with no duplicates.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AwsProxy, InterceptedRequest } from '../fixtures/aws-proxy.js';
import { createAccountFixture } from '../fixtures/create-account-fixture.js';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';
import { assertNoDuplicates } from '../helpers/org-assert.js';
import { withoutHandoff } from '../helpers/tf-mirror.js';

const STANDARD = { accounts: 6, ous: 4, scps: 4 };

interface Setup {
  moto: Moto;
  proxy: AwsProxy;
  dir: string;
  env: Record<string, string>;
}

async function setUp(): Promise<Setup> {
  const { moto, proxy } = await startMotoBehindProxy();
  const dir = tempDir();
  const env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
  const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
  assert.equal(written.code, 0, written.stderr);
  // This test is about the SDK engine; the hand-off to Terraform has its own tests.
  withoutHandoff(join(dir, 'awsorg.yaml'));
  return { moto, proxy, dir, env };
}

/** Start a bootstrap run and resolve when it exits (by itself or killed). */
function startRun(s: Setup): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
} {
  const child = spawnCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
    env: s.env,
    cwd: s.dir,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  child.stdout?.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exit };
}

/** Forward the first `action` to moto, SIGKILL the client, and never deliver the answer. */
async function killAfter(
  s: Setup,
  action: string,
): Promise<{ signal: NodeJS.Signals | null; stderr: string; code: number | null }> {
  let run: ReturnType<typeof startRun> | undefined;
  let fired = false;
  s.proxy.setInterceptor(async (request: InterceptedRequest) => {
    if (fired || request.action !== action) return undefined;
    fired = true;
    const answer = await request.forward();
    run?.child.kill('SIGKILL');
    return { kind: 'respond', status: answer.status, body: answer.body, thenReset: true };
  });
  run = startRun(s);
  const result = await run.exit;
  s.proxy.setInterceptor(undefined);
  assert.ok(fired, `the run reached ${action}: ${result.stderr}`);
  return result;
}

describe('kill and resume', () => {
  let s: Setup;
  before(async () => (s = await setUp()));
  after(async () => {
    await s?.proxy.stop();
    await s?.moto.stop();
  });

  it('converges with no duplicates after SIGKILLs right after each kind of create call', async () => {
    const points = [
      'CreateOrganization',
      'CreateOrganizationalUnit',
      'CreateAccount',
      'CreateAccount',
      'MoveAccount',
      'CreatePolicy',
      'AttachPolicy',
      'CreateBucket',
      'CreateTable',
      'CreateOpenIDConnectProvider',
      'CreateRole',
      'PutBucketPolicy',
      'CreateTrail',
    ];
    for (const action of points) {
      const result = await killAfter(s, action);
      assert.equal(result.signal, 'SIGKILL', `killed after ${action}`);
    }
    const final = startRun(s);
    const done = await final.exit;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /Resuming an interrupted run/);
    await assertNoDuplicates(clientsFor(s.moto.endpoint), STANDARD);
    // Every account was asked for exactly once, although two runs died inside CreateAccount.
    const creates = s.proxy.requests.filter((r) => r.action === 'CreateAccount');
    assert.ok(creates.length <= STANDARD.accounts, `CreateAccount sent ${creates.length} times`);
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--plan'], {
      env: s.env,
      cwd: s.dir,
    });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });

  it('converges after SIGKILLs at arbitrary moments', async () => {
    await s.moto.reset();
    s.proxy.clearRecords();
    for (const afterRequests of [3, 9, 17, 26, 40, 55, 75, 100]) {
      let run: ReturnType<typeof startRun> | undefined;
      let seen = 0;
      s.proxy.setInterceptor(() => {
        if (++seen === afterRequests) run?.child.kill('SIGKILL');
        return undefined;
      });
      run = startRun(s);
      await run.exit;
    }
    s.proxy.setInterceptor(undefined);
    const done = await startRun(s).exit;
    assert.equal(done.code, 0, done.stderr);
    await assertNoDuplicates(clientsFor(s.moto.endpoint), STANDARD);
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--plan'], {
      env: s.env,
      cwd: s.dir,
    });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});

describe('kill while an account is IN_PROGRESS', () => {
  let s: Setup;
  before(async () => (s = await setUp()));
  after(async () => {
    await s?.proxy.stop();
    await s?.moto.stop();
  });

  it('polls the saved request instead of creating the account again', async () => {
    const fixture = createAccountFixture({ mode: 'slow', pollsBeforeSuccess: 3 });
    let run: ReturnType<typeof startRun> | undefined;
    let killed = false;
    s.proxy.setInterceptor(async (request) => {
      if (!killed && request.action === 'DescribeCreateAccountStatus') {
        killed = true;
        run?.child.kill('SIGKILL');
        return { kind: 'resetBeforeForward' };
      }
      return fixture.intercept(request);
    });
    run = startRun(s);
    const first = await run.exit;
    assert.equal(first.signal, 'SIGKILL');
    const journal = JSON.parse(readFileSync(join(s.dir, 'awsorg.journal.json'), 'utf8'));
    const saved = Object.values(journal.createAccountRequests) as Array<{ requestId: string }>;
    assert.ok(saved.length >= 1, 'the request id was journaled before waiting on it');

    const second = startRun(s);
    const done = await second.exit;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /resuming CreateAccount request/);
    for (const [email, calls] of fixture.callsByEmail) assert.equal(calls, 1, `CreateAccount for ${email}`);
    assert.equal(fixture.callsByEmail.size, STANDARD.accounts);
    await assertNoDuplicates(clientsFor(s.moto.endpoint), STANDARD);
    assert.ok(existsSync(join(s.dir, 'awsorg.journal.json')));
  });
});
