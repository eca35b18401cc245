/**
 * Bad input: every invalid blueprint in the fixture table goes through the real CLI, pointed at
 * moto through a recording proxy. Each must exit 2 with its field path and message, and must
 * not send a single request to AWS (so moto's state is unchanged too).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AwsProxy } from '../fixtures/aws-proxy.js';
import { DENY_PUBLIC_S3_POLICY, INVALID_BLUEPRINTS, VALID_EXAMPLE_YAML } from '../fixtures/invalid-blueprints.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('invalid blueprints are refused before any AWS call', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let env: Record<string, string>;
  let pristine: Record<string, unknown>;
  let placeholderDir: string | undefined;
  let outsideFileDir: string | undefined;

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
      assert.match(run.stderr, new RegExp(`- ${escapeRegExp(bad.path)}: `), run.stderr);
      assert.match(run.stderr, bad.message);
      assert.match(run.stderr, /Fix: /);
      assert.match(run.stderr, /nothing was changed/);
      assert.equal(proxy.stats.total, before, `${bad.name} sent ${proxy.stats.total - before} AWS requests`);
    });
  }

  it("a preset's placeholders are refused before any AWS call, field by field with the YAML line", async () => {
    const dir = tempDir();
    assert.equal(
      (await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir })).code,
      0,
    );
    const before = proxy.stats.total;
    for (const args of [
      ['--config', 'awsorg.yaml', '--yes'],
      ['--config', 'awsorg.yaml', '--plan'],
      ['--preset', 'standard', '--yes'],
    ]) {
      const run = await runCli(['bootstrap', ...args], { env, cwd: dir });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(
        run.stderr,
        /- accounts\[0\]\.email: 'aws\+log-archive@example\.com' is a placeholder: example\.com is reserved for examples and receives no mail.*Fix: use a mailbox you own/,
      );
      assert.match(
        run.stderr,
        /- stateBackend\.bucket: 'example-tfstate-change-me' is a placeholder \(it says change-me\).*Fix: replace it with a name of your own/,
      );
      assert.match(run.stderr, /nothing was changed/);
      if (args[0] === '--config')
        assert.match(run.stderr, /stateBackend\.bucket: .*\(line \d+\)/, 'a file names the line');
    }
    assert.equal(proxy.stats.total, before, 'no AWS request');
    placeholderDir = dir;
    // state migrate reads the same blueprint: the same refusal, with the flag that lifts it named.
    const before2 = proxy.stats.total;
    const migrate = await runCli(['state', 'migrate', '--config', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(migrate.code, 2, migrate.stderr);
    assert.match(migrate.stderr, /stateBackend\.bucket: 'example-tfstate-change-me' is a placeholder/);
    assert.match(migrate.stderr, /accepted only against an emulator: .*--allow-placeholders/);
    assert.equal(proxy.stats.total, before2, 'no AWS request');
  });

  it('a blueprint that is not UTF-8: exit 2 with the byte offset and line, no AWS call, with --yes', async () => {
    const dir = tempDir();
    // The OU name is Latin-1 "Öps": read as UTF-8 it used to become an OU named "\uFFFDps" in AWS.
    writeFileSync(
      join(dir, 'awsorg.yaml'),
      Buffer.concat([
        Buffer.from('version: 1\nregion: us-east-1\norganizationalUnits: ['),
        Buffer.from([0xd6]),
        Buffer.from('ps]\n'),
      ]),
    );
    const before = proxy.stats.total;
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: dir });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /- line 3, column 23: is not valid UTF-8: byte 0xd6 at offset 51\. Fix: save the file as UTF-8/,
    );
    assert.equal(proxy.stats.total, before, 'no AWS request');
  });

  it('a policy file outside the blueprint directory is read only with --allow-outside-files', async () => {
    const dir = tempDir();
    const outside = tempDir('awsorg-outside-');
    writeFileSync(join(outside, 'deny.json'), DENY_PUBLIC_S3_POLICY);
    const blueprint = VALID_EXAMPLE_YAML.replace(
      'file: policies/deny-public-s3.json',
      `file: ${join(outside, 'deny.json')}`,
    );
    writeFileSync(join(dir, 'awsorg.yaml'), blueprint);
    const before = proxy.stats.total;
    const refused = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: dir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /- guardrails\.custom\[0\]\.file: .*deny\.json resolves to .*, outside the blueprint's directory .*Fix: .*--allow-outside-files/,
    );
    assert.equal(proxy.stats.total, before, 'no AWS request');
    outsideFileDir = dir;
  });

  it('state migrate --config applies the same rule, and takes --allow-outside-files too', async () => {
    assert.ok(outsideFileDir, 'the refusal test ran first');
    const before = proxy.stats.total;
    const refused = await runCli(['state', 'migrate', '--config', 'awsorg.yaml', '--dir', 'no-such-dir'], {
      env,
      cwd: outsideFileDir,
    });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /guardrails\.custom\[0\]\.file: .*outside the blueprint's directory .*--allow-outside-files/,
    );
    // With the flag the blueprint loads, and the next check (the directory) is what stops it.
    const allowed = await runCli(
      ['state', 'migrate', '--config', 'awsorg.yaml', '--dir', 'no-such-dir', '--allow-outside-files'],
      { env, cwd: outsideFileDir },
    );
    assert.equal(allowed.code, 2, allowed.stderr);
    assert.match(allowed.stderr, /--dir: .*no-such-dir is not a directory/);
    assert.equal(proxy.stats.total, before, 'no AWS request');
  });

  it('an unusable --member-role is refused before any AWS call', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'awsorg.yaml'), 'version: 1\nregion: us-east-1\n');
    const before = proxy.stats.total;
    const run = await runCli(
      ['bootstrap', '--config', 'awsorg.yaml', '--yes', '--member-role', 'Admin\u001b]0;x\u0007'],
      { env, cwd: dir },
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--member-role 'Admin\\x1b\]0;x\\x07' is not an IAM role name/);
    assert.doesNotMatch(run.stderr, /\u001b/);
    assert.equal(proxy.stats.total, before, 'no AWS request');
  });

  it('left moto exactly as it was', async () => {
    assert.deepEqual(await moto.snapshot(), pristine);
    assert.equal(proxy.stats.total, 0);
  });

  // Last, because it is the one run here that reaches AWS (for reads).
  it('with --allow-outside-files the same blueprint plans', async () => {
    assert.ok(outsideFileDir, 'the refusal test ran first');
    const allowed = await runCli(
      ['bootstrap', '--config', 'awsorg.yaml', '--plan', '--json', '--allow-outside-files'],
      { env, cwd: outsideFileDir },
    );
    assert.equal(allowed.code, 3, allowed.stderr);
    assert.match(allowed.stdout, /awsorg-custom-deny-public-s3/);
  });

  // After the no-request check: these runs read AWS.
  it('--allow-placeholders gets past them (bootstrap and state migrate), and says what it let through', async () => {
    assert.ok(placeholderDir, 'the placeholder refusal test ran first');
    const allowed = await runCli(
      ['bootstrap', '--config', 'awsorg.yaml', '--plan', '--allow-placeholders', '--omit-tls-deny'],
      { env, cwd: placeholderDir },
    );
    assert.equal(allowed.code, 3, allowed.stderr);
    assert.match(
      allowed.stderr,
      /--allow-placeholders accepts 8 placeholder values \(accounts\[0\]\.email, accounts\[1\]\.email, accounts\[2\]\.email, accounts\[3\]\.email, and 4 more\)\. Against AWS/,
    );
    const migrate = await runCli(['state', 'migrate', '--config', 'awsorg.yaml', '--allow-placeholders'], {
      env,
      cwd: placeholderDir,
    });
    assert.doesNotMatch(migrate.stderr, /is a placeholder/, migrate.stderr);
  });
});
