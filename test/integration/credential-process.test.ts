/**
 * `awsorg credential-process` against moto: the Version 1 document and nothing else on stdout,
 * cache hits that need no network, exit 2 with suggestions for an unknown target, and exit 4
 * naming `awsorg login` when the sign-in behind it is missing or expired (never a prompt).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenCacheFile } from '../../src/aws/sso-token-cache.js';
import { writeInventory } from '../../src/inventory/cache.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';

const DOCUMENT_KEYS = ['AccessKeyId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version'];

describe('awsorg credential-process', () => {
  let moto: Moto;
  let org: OrgFixture;
  let env: Record<string, string>;
  before(async () => {
    moto = await startMoto();
    org = await createOrgFixture(moto.endpoint);
    env = operatorEnv(moto.endpoint);
  });
  after(() => moto?.stop());

  it('prints exactly one Version 1 JSON document on stdout', async () => {
    const run = await runCli(['credential-process', 'Production'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.split('\n').filter(Boolean).length, 1, 'one line');
    const doc = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(doc).sort(), DOCUMENT_KEYS);
    assert.equal(doc.Version, 1);
    assert.match(doc.AccessKeyId, /^ASIA/);
    assert.ok(doc.SecretAccessKey && doc.SessionToken);
    assert.ok(Date.parse(doc.Expiration) > Date.now() + 10 * 60_000, 'expires in the future');
    assert.match(doc.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('resolves an account id and takes --role, --duration and --region', async () => {
    const run = await runCli(
      [
        'credential-process',
        org.byName('Sandbox Alice').id,
        '--role',
        'OrganizationAccountAccessRole',
        '--duration',
        '1h',
        '--region',
        'eu-west-1',
      ],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).Version, 1);
  });

  it('an unknown target exits 2 with suggestions, and nothing on stdout', async () => {
    const run = await runCli(['credential-process', 'Prodution'], { env });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /did you mean "Production"/);
  });

  it('bad flags exit 2 with nothing on stdout', async () => {
    for (const args of [
      ['credential-process'],
      ['credential-process', 'Production', '--role', 'no spaces allowed'],
      ['credential-process', 'Production', '--duration', '2d'],
    ]) {
      const run = await runCli(args, { env });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
    }
  });

  it('without any sign-in it exits 4 naming `awsorg login`, at once and with nothing on stdout', async () => {
    const bare = isolatedEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1' });
    const started = Date.now();
    const run = await runCli(['credential-process', 'Production'], { env: bare, timeoutMs: 30_000 });
    assert.equal(run.code, 4, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /Next step: .*awsorg login/);
    assert.ok(Date.now() - started < 20_000, 'did not wait for input');
  });

  it('with an expired Identity Center sign-in it exits 4 naming `awsorg login --sso`', async () => {
    const startUrl = 'https://example.awsapps.com/start';
    const sso = isolatedEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1' });
    const paths = xdgPaths(sso);
    mkdirSync(paths.config, { recursive: true });
    writeFileSync(join(paths.config, 'config.json'), JSON.stringify({ sso: { startUrl, region: 'us-east-1' } }));
    const production = org.byName('Production');
    writeInventory(paths, {
      version: 1,
      source: 'sso',
      baseId: `sso:${startUrl}`,
      fetchedAt: new Date().toISOString(),
      accounts: [
        {
          id: production.id,
          name: 'Production',
          email: '',
          status: 'ACTIVE',
          ouPath: '',
          tags: {},
          roles: ['AdministratorAccess'],
        },
      ],
    });
    const tokenFile = tokenCacheFile(sso, { startUrl, region: 'us-east-1' });
    mkdirSync(dirname(tokenFile), { recursive: true });
    writeFileSync(
      tokenFile,
      JSON.stringify({
        startUrl,
        region: 'us-east-1',
        accessToken: 'expired-token',
        expiresAt: '2020-01-01T00:00:00Z',
      }),
      { mode: 0o600 },
    );
    const run = await runCli(['credential-process', 'Production'], { env: sso, timeoutMs: 30_000 });
    assert.equal(run.code, 4, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /expired/);
    assert.match(run.stderr, /Next step: .*`awsorg login --sso`/);
  });

  // Last: it stops moto.
  it('a second call is a cache hit: the same credentials, even with the endpoint gone', async () => {
    const first = JSON.parse((await runCli(['credential-process', 'Production'], { env })).stdout);
    const second = await runCli(['credential-process', 'production', '--role', 'OrganizationAccountAccessRole'], {
      env,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).AccessKeyId, first.AccessKeyId);
    await moto.stop();
    const offline = await runCli(['credential-process', 'Production'], { env, timeoutMs: 30_000 });
    assert.equal(offline.code, 0, offline.stderr);
    assert.deepEqual(JSON.parse(offline.stdout), first);
    assert.equal(offline.stderr, '', 'nothing to report on a cache hit');
    // An inventory past its lifetime still resolves a target it lists: no reload is attempted.
    const inventoryDir = join(xdgPaths(env).cache, 'inventory');
    for (const name of readdirSync(inventoryDir)) {
      const inventory = JSON.parse(readFileSync(join(inventoryDir, name), 'utf8'));
      writeFileSync(join(inventoryDir, name), JSON.stringify({ ...inventory, fetchedAt: '2020-01-01T00:00:00.000Z' }), {
        mode: 0o600,
      });
    }
    const stale = await runCli(
      ['credential-process', org.byName('Production').id, '--role', 'OrganizationAccountAccessRole'],
      { env, timeoutMs: 30_000 },
    );
    assert.equal(stale.code, 0, stale.stderr);
    assert.deepEqual(JSON.parse(stale.stdout), first);
    assert.equal(stale.stderr, '');
  });
});
