/**
 * Faults: a proxy between awsorg and moto throttles, answers 5xx and resets connections for
 * about 20% of requests, some of them after moto already acted. Bootstrap must still converge,
 * with no duplicate resources.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { faultInjector, type AwsProxy } from '../fixtures/aws-proxy.js';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';
import { assertNoDuplicates } from '../helpers/org-assert.js';
import { withoutHandoff } from '../helpers/tf-mirror.js';

describe('bootstrap through a fault-injecting proxy', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
  });
  after(() => stop?.());

  it('converges with no duplicates while 20% of requests fail', async () => {
    const dir = tempDir();
    const env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
    const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    // This test is about the SDK engine; the hand-off to Terraform has its own tests.
    withoutHandoff(join(dir, 'awsorg.yaml'));

    const faults = faultInjector({ rate: 0.2, seed: 20261122 });
    proxy.setInterceptor(faults);
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes', '--json'], {
      env,
      cwd: dir,
      timeoutMs: 600_000,
    });
    proxy.setInterceptor(undefined);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'converged');

    const kinds = new Set(faults.injected.map((f) => f.kind));
    assert.deepEqual([...kinds].sort(), ['resetAfterForward', 'resetBeforeForward', 'serverError', 'throttle']);
    const share = faults.injected.length / proxy.stats.total;
    assert.ok(share > 0.12 && share < 0.3, `faulted ${faults.injected.length} of ${proxy.stats.total}`);
    assert.ok(
      result.calls.retries >= faults.injected.length * 0.9,
      `retried ${result.calls.retries} times for ${faults.injected.length} faults`,
    );
    assert.match(run.stderr, /retry \w+:\w+ \(/, 'retries are visible as they happen');
    assert.deepEqual(proxy.errors, []);

    await assertNoDuplicates(clientsFor(moto.endpoint), { accounts: 6, ous: 4, scps: 4 });
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--plan'], {
      env,
      cwd: dir,
    });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});
