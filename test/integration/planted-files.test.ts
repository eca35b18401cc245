/**
 * Files another local user could plant or loosen: the settings file and awsorg's caches
 * (inventory, identity, credentials), through the built CLI against moto behind the recording
 * proxy. Each is refused or ignored, with the file and the fix named, before any AWS call that
 * would use it. The tests run as root so that they can give files to another user (uid 65534).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAwsProxy, type AwsProxy } from '../fixtures/aws-proxy.js';
import { CLI, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';

const OTHER_USER = 65534;
const isRoot = process.getuid?.() === 0;

function assertNoStack(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /^\s+at .+[(:]\d+/m, 'a user-facing error must not show a stack trace');
  assert.doesNotMatch(r.stderr, /unexpected error/);
}

/** Write `text` at `file` as another user's file that anyone can write. */
function plantForeign(file: string, text: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, text);
  chmodSync(file, 0o666);
  chownSync(file, OTHER_USER, OTHER_USER);
}

/** The CLI with `umask 000`, as a careless login shell would run it. */
function runWithUmask000(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('planted and loosened files', { skip: isRoot ? false : 'needs root to give files to another user' }, () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let org: OrgFixture;
  let env: Record<string, string>;
  let settingsDir: string;
  let settingsFile: string;

  before(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy({ target: moto.endpoint });
    org = await createOrgFixture(moto.endpoint);
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });
  beforeEach(() => {
    env = operatorEnv(proxy.endpoint);
    settingsDir = join(env.XDG_CONFIG_HOME!, 'awsorg');
    settingsFile = join(settingsDir, 'config.json');
    proxy.setInterceptor(undefined);
    proxy.clearRecords();
  });

  describe('the settings file (issue 11 items 5 and 13)', () => {
    it('is created 0600 in a 0700 directory under umask 000', async () => {
      const r = await runWithUmask000(['alias', 'set', 'prod', org.byName('Production').id], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(settingsDir).mode & 0o777, 0o700, 'the settings directory');
      assert.equal(statSync(settingsFile).mode & 0o777, 0o600, 'config.json');
      assert.deepEqual(JSON.parse(readFileSync(settingsFile, 'utf8')), {
        aliases: { prod: org.byName('Production').id },
      });
      // A second write keeps it private too.
      assert.equal((await runWithUmask000(['alias', 'set', 'dev', org.byName('Development').id], env)).code, 0);
      assert.equal(statSync(settingsFile).mode & 0o777, 0o600);
    });

    it('is refused, with the fix, when another user owns it, others can write it, or it is a symlink; before any AWS call', async () => {
      const planted = JSON.stringify({ aliases: { prod: org.byName('Development').id } });
      const elsewhere = join(tempDir(), 'config.json');
      writeFileSync(elsewhere, planted, { mode: 0o600 });
      const cases: [string, () => void, RegExp][] = [
        [
          'owned by another user',
          () => plantForeign(settingsFile, planted),
          /belongs to another user \(uid 65534\)[\s\S]*Next step: Check who wrote/,
        ],
        [
          'group-writable',
          () => {
            rmSync(settingsFile, { force: true });
            writeFileSync(settingsFile, planted);
            chmodSync(settingsFile, 0o664);
          },
          /has mode 0664 \(others can write to it\)[\s\S]*chmod 600 /,
        ],
        [
          'a symlink',
          () => {
            rmSync(settingsFile, { force: true });
            symlinkSync(elsewhere, settingsFile);
          },
          /is a symbolic link[\s\S]*Replace the link with a copy/,
        ],
      ];
      for (const [what, plant, expected] of cases) {
        mkdirSync(settingsDir, { recursive: true, mode: 0o700 });
        plant();
        for (const args of [
          ['alias', 'list'],
          ['assume', 'prod', '--exec', '--', 'true'],
        ]) {
          const r = await runCli(args, { env });
          assert.equal(r.code, 2, `${what}, ${args[0]}: ${r.stderr}`);
          assert.ok(r.stderr.includes(settingsFile), `${what}: the file is named`);
          assert.match(r.stderr, expected, what);
          assertNoStack(r);
        }
      }
      assert.equal(proxy.stats.total, 0, 'no AWS call was made');
    });

    it('refuses a federationUrl that is not https on an AWS sign-in host: the session never leaves', async () => {
      const received: string[] = [];
      const thief: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += String(d)));
        req.on('end', () => {
          received.push(body);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ SigninToken: 'stolen' }));
        });
      });
      await new Promise<void>((r) => thief.listen(0, '127.0.0.1', r));
      try {
        const port = (thief.address() as AddressInfo).port;
        for (const url of [
          `http://127.0.0.1:${port}/federation`,
          `https://127.0.0.1:${port}/federation`,
          'https://signin.aws.amazon.com.evil.example/federation',
          'https://evil.example/signin.aws.amazon.com',
        ]) {
          mkdirSync(settingsDir, { recursive: true, mode: 0o700 });
          writeFileSync(settingsFile, JSON.stringify({ federationUrl: url }), { mode: 0o600 });
          const r = await runCli(['assume', 'development', '--console', '--url'], { env });
          assert.equal(r.code, 2, `${url}: ${r.stderr}`);
          assert.match(
            r.stderr,
            /federationUrl: [^\n]*only https on an AWS sign-in host is accepted\. Fix: remove it/,
            url,
          );
          assert.equal(r.stdout, '');
          assertNoStack(r);
        }
        assert.deepEqual(received, [], 'nothing reached the planted endpoint');
        assert.equal(proxy.stats.total, 0, 'no AWS call was made');

        // An AWS sign-in host, region-prefixed, is accepted (the call itself is not made here:
        // the test stops at the settings check by asking for an unknown target).
        writeFileSync(
          settingsFile,
          JSON.stringify({ federationUrl: 'https://us-east-1.signin.aws.amazon.com/federation' }),
          { mode: 0o600 },
        );
        const accepted = await runCli(['alias', 'list', '--json'], { env });
        assert.equal(accepted.code, 0, accepted.stderr);
      } finally {
        await new Promise((r) => thief.close(r));
      }
    });

    it('values are checked field by field: exit 2 naming the field and the fix, before any AWS call', async () => {
      const cases: [string, RegExp][] = [
        [
          'null',
          /config\.json is invalid \(1 problem\):\n {2}- \(top level\): must be a JSON object, got null\. Fix: /,
        ],
        ['[]', /\(top level\): must be a JSON object, got a list/],
        [
          JSON.stringify({ production: { ouPatterns: ['^prod$', '(unclosed'] } }),
          /production\.ouPatterns\[1\]: is not a valid regular expression \([^)]*\)+\. Fix: correct it/,
        ],
        [
          JSON.stringify({ aliases: 'x' }),
          /aliases: must be an object of alias name to account id, got string "x"\. Fix: /,
        ],
        [
          JSON.stringify({ aliases: { prod: 123456789012 } }),
          /aliases\.prod: must be a 12-digit account id in quotes, got number 123456789012/,
        ],
        [JSON.stringify({ defaultRole: 'bad role!' }), /defaultRole: must be an IAM role name/],
        [
          JSON.stringify({ sessionDurationSeconds: 60 }),
          /sessionDurationSeconds: must be a whole number of seconds from 900 to 43200/,
        ],
        [JSON.stringify({ inventoryTtlMinutes: '5' }), /inventoryTtlMinutes: must be a number of minutes/],
        [
          JSON.stringify({ production: { tags: [{ key: 'env', values: 'prod' }] } }),
          /production\.tags\[0\]\.values: must be a non-empty list/,
        ],
        [JSON.stringify({ aliasses: {} }), /aliasses: is not a setting awsorg knows\. Fix: did you mean "aliases"\?/],
        [JSON.stringify({ sso: { startUrl: 'https://d-1.awsapps.com/start' } }), /sso\.region: must be a region name/],
      ];
      for (const [text, expected] of cases) {
        mkdirSync(settingsDir, { recursive: true, mode: 0o700 });
        writeFileSync(settingsFile, text, { mode: 0o600 });
        for (const args of [['assume', 'development', '--exec', '--', 'true'], ['accounts'], ['alias', 'list']]) {
          const r = await runCli(args, { env });
          assert.equal(r.code, 2, `${text}, ${args[0]}: ${r.stderr}`);
          assert.match(r.stderr, expected, `${text}, ${args[0]}`);
          assert.ok(r.stderr.includes(settingsFile), 'the file is named');
          assertNoStack(r);
        }
      }
      assert.equal(proxy.stats.total, 0, 'no AWS call was made');
    });
  });
  describe('the caches (issue 11 items 6 and 7)', () => {
    const cacheRoot = () => join(env.XDG_CACHE_HOME!, 'awsorg');
    /** The inventory file of this operator's sign-in, after one real discovery. */
    async function inventoryFile(): Promise<string> {
      const r = await runCli(['accounts'], { env });
      assert.equal(r.code, 0, r.stderr);
      const dir = join(cacheRoot(), 'inventory');
      const [name] = readdirSync(dir).filter((f) => f.endsWith('.json'));
      return join(dir, name!);
    }
    const FAKE_PRODUCTION = '999999999999';
    function plantedInventory(real: string, fetchedAt: string): string {
      const inventory = JSON.parse(readFileSync(real, 'utf8'));
      inventory.fetchedAt = fetchedAt;
      inventory.accounts = inventory.accounts.map((a: { name: string; id: string }) =>
        a.name === 'Production' ? { ...a, id: FAKE_PRODUCTION } : a,
      );
      return JSON.stringify(inventory);
    }

    it('a planted inventory (another user, 0666) is not used: accounts and config generate see the real organization', async () => {
      const file = await inventoryFile();
      plantForeign(file, plantedInventory(file, new Date().toISOString()));
      proxy.clearRecords();
      const listed = await runCli(['accounts', '--json'], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, /ignoring the cached inventory \([^)]*belongs to another user \(uid 65534\)/);
      const accounts = JSON.parse(listed.stdout).accounts as { id: string; name: string }[];
      assert.equal(accounts.find((a) => a.name === 'Production')?.id, org.byName('Production').id);
      assert.ok(!listed.stdout.includes(FAKE_PRODUCTION), 'the planted account id is not listed');
      assert.ok(proxy.stats.total > 0, 'the inventory was loaded again from AWS');
      // Rewritten as the user's own private file.
      assert.equal(statSync(file).uid, process.getuid!());
      assert.equal(statSync(file).mode & 0o777, 0o600);

      plantForeign(file, plantedInventory(file, new Date().toISOString()));
      const generated = await runCli(['config', 'generate', '--dry-run'], { env });
      assert.equal(generated.code, 0, generated.stderr);
      assert.match(generated.stdout, new RegExp(`credential-process ${org.byName('Production').id} `));
      assert.ok(!generated.stdout.includes(FAKE_PRODUCTION), 'no profile maps to the planted id');
    });

    it('a planted stale inventory is not the fallback when the reload fails', async () => {
      const file = await inventoryFile();
      plantForeign(file, plantedInventory(file, '2020-01-01T00:00:00.000Z'));
      const offline = { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' };
      const r = await runCli(['accounts', '--json'], { env: offline });
      assert.notEqual(r.code, 0, 'without AWS and without a trusted cache there is no list');
      assert.doesNotMatch(r.stderr, /using the copy from/);
      assert.ok(!r.stdout.includes(FAKE_PRODUCTION));
      assertNoStack(r);
    });

    it('a planted identity cache does not name the operator in role sessions', async () => {
      assert.equal((await runCli(['assume', 'development', '--exec', '--', 'true'], { env })).code, 0);
      const dir = join(cacheRoot(), 'identity');
      const [name] = readdirSync(dir);
      const file = join(dir, name!);
      const planted = {
        ...JSON.parse(readFileSync(file, 'utf8')),
        name: 'someone-else',
        arn: 'arn:aws:iam::123456789012:user/someone-else',
        fetchedAt: Date.now(),
      };
      plantForeign(file, JSON.stringify(planted));
      rmSync(join(cacheRoot(), 'credentials'), { recursive: true });
      const sessionNames: string[] = [];
      proxy.setInterceptor((req) => {
        if (req.action === 'AssumeRole')
          sessionNames.push(new URLSearchParams(req.body?.toString() ?? '').get('RoleSessionName') ?? '');
        return undefined;
      });
      proxy.clearRecords();
      const r = await runCli(['assume', 'development', '--exec', '--', 'true'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        proxy.requests.filter((q) => q.action === 'GetCallerIdentity').length,
        1,
        'the identity was asked of STS again',
      );
      assert.ok(sessionNames.length > 0 && sessionNames.every((n) => !n.includes('someone-else')), sessionNames.join());
    });

    it('a cache directory another user owns is refused with the fix before any AWS call', async () => {
      for (const dir of [cacheRoot(), join(cacheRoot(), 'credentials'), join(cacheRoot(), 'identity')]) {
        rmSync(cacheRoot(), { recursive: true, force: true });
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chownSync(dir, OTHER_USER, OTHER_USER);
        proxy.clearRecords();
        const r = await runCli(['assume', 'development', '--exec', '--', 'true'], { env });
        assert.equal(r.code, 2, `${dir}: ${r.stderr}`);
        assert.ok(r.stderr.includes(`${dir} belongs to another user (uid 65534)`), r.stderr);
        assert.match(r.stderr, /Next step: Remove or rename /);
        assertNoStack(r);
        assert.equal(proxy.stats.total, 0, `${dir}: no AWS call, AssumeRole included`);
      }
    });

    it('a symlinked cache directory is refused, and its target is not chmodded', async () => {
      const target = tempDir('awsorg-elsewhere-');
      chmodSync(target, 0o755);
      mkdirSync(cacheRoot(), { recursive: true, mode: 0o700 });
      symlinkSync(target, join(cacheRoot(), 'credentials'));
      const r = await runCli(['assume', 'development', '--exec', '--', 'true'], { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /credentials is a symbolic link; awsorg does not use files another user could have planted/,
      );
      assertNoStack(r);
      assert.equal(statSync(target).mode & 0o777, 0o755, "the link's target keeps its mode");
      assert.deepEqual(readdirSync(target), [], 'nothing was written through the link');
      assert.ok(lstatSync(join(cacheRoot(), 'credentials')).isSymbolicLink());
      assert.equal(proxy.stats.total, 0);
    });
  });
});
