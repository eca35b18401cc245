/**
 * Bad input: every invalid blueprint in the fixture table goes through the real CLI, pointed at
 * moto through a recording proxy. Each must exit 2 with its field path and message, and must
 * not send a single request to AWS (so moto's state is unchanged too).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AwsProxy } from '../fixtures/aws-proxy.js';
import { INVALID_BLUEPRINTS } from '../fixtures/invalid-blueprints.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('invalid blueprints are refused before any AWS call', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let env: Record<string, string>;
  let pristine: Record<string, unknown>;

  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
    env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
    pristine = await moto.snapshot();
  });
  after(() => stop?.());

  it('has at least 25 distinct invalid blueprints', () => {
    assert.ok(new Set(INVALID_BLUEPRINTS.map((b) => b.yaml)).size >= 25, 'distinct blueprint texts');
    assert.ok(new Set(INVALID_BLUEPRINTS.map((b) => b.name)).size === INVALID_BLUEPRINTS.length, 'distinct names');
  });

  for (const [index, bad] of INVALID_BLUEPRINTS.entries()) {
    it(`${bad.name}: exit 2, names ${bad.path}, no AWS call`, async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'awsorg.yaml'), bad.yaml);
      for (const [rel, text] of Object.entries(bad.files ?? {})) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), text);
      }
      // Alternate plan and apply: neither may reach AWS with a bad blueprint.
      const args = index % 2 === 0 ? ['--plan'] : ['--yes', '--json'];
      const before = proxy.stats.total;
      const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', ...args], { env, cwd: dir });
      assert.equal(run.code, 2, `${bad.name}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, new RegExp(`- ${escape(bad.path)}: `), run.stderr);
      assert.match(run.stderr, bad.message);
      assert.match(run.stderr, /Fix: /);
      assert.match(run.stderr, /nothing was changed/);
      assert.equal(proxy.stats.total, before, `${bad.name} sent ${proxy.stats.total - before} AWS requests`);
    });
  }

  it('left moto exactly as it was', async () => {
    assert.deepEqual(await moto.snapshot(), pristine);
    assert.equal(proxy.stats.total, 0);
  });
});
