/**
 * `awsorg login --mfa-serial`: an STS GetSessionToken session made with the long-term keys and
 * an MFA code (moto accepts any code), cached privately, then used as the base credentials of
 * every later command until it expires. A recording proxy in front of moto shows which access
 * key signed each request.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parse, run } from '../../src/commands/login.js';
import { ExitCode } from '../../src/core/errors.js';
import { testDeps } from '../fixtures/sso-server.js';
import { runCli } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';
import type { AwsProxy } from '../fixtures/aws-proxy.js';
import { createOrgFixture, operatorEnv } from '../helpers/org-fixture.js';

const SERIAL = 'arn:aws:iam::123456789012:mfa/alice';
// Not operatorEnv's example keys: moto's GetSessionToken always answers with the AWS docs'
// example key id AKIAIOSFODNN7EXAMPLE, which would make the session and the keys look alike.
const LONG_TERM_KEY = 'AKIAMFATESTUSER00001';
const LONG_TERM_SECRET = 'mfaTestLongTermSecretKey/0000000000000000';
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

interface Signed {
  action: string;
  accessKeyId: string | undefined;
  sessionToken: boolean;
  body: string;
}

describe('awsorg login --mfa-serial against moto', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let signed: Signed[];
  let env: Record<string, string>;
  const credentialFiles = () => {
    const dir = join(env.XDG_CACHE_HOME!, 'awsorg', 'credentials');
    return readdirSync(dir).map((f) => join(dir, f));
  };

  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
  });
  after(async () => stop?.());
  beforeEach(async () => {
    await moto.reset();
    proxy.clearRecords();
    signed = [];
    proxy.setInterceptor((req) => {
      signed.push({
        action: req.action,
        accessKeyId: /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1],
        sessionToken: Boolean(req.headers['x-amz-security-token']),
        body: req.body?.toString('utf8') ?? '',
      });
      return undefined;
    });
    env = operatorEnv(proxy.endpoint, { AWS_ACCESS_KEY_ID: LONG_TERM_KEY, AWS_SECRET_ACCESS_KEY: LONG_TERM_SECRET });
  });

  it('makes a session with the long-term keys and the code, caches it privately, and whoami then runs with it', async () => {
    const login = await runCli(['login', '--mfa-serial', SERIAL, '--code', '123456'], { env });
    assert.equal(login.code, 0, login.stderr);
    assert.match(
      login.stdout,
      /^MFA session for arn:aws:(iam|sts)::123456789012:user\/\S+ until \d{4}-\d\d-\d\dT[\d:.]+Z; awsorg commands use it until then\.$/m,
    );
    const request = signed.find((s) => s.action === 'GetSessionToken');
    assert.ok(request, JSON.stringify(signed));
    assert.equal(request.accessKeyId, LONG_TERM_KEY);
    assert.equal(request.sessionToken, false);
    const form = new URLSearchParams(request.body);
    assert.equal(form.get('SerialNumber'), SERIAL);
    assert.equal(form.get('TokenCode'), '123456');
    assert.equal(form.get('DurationSeconds'), '43200');

    const [file, ...others] = credentialFiles();
    assert.ok(file);
    assert.deepEqual(others, []);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(LONG_TERM_SECRET), 'the long-term secret key is never cached');
    const cached = JSON.parse(text);
    assert.equal(cached.role, 'mfa-session');
    assert.equal(cached.accountId, 'base');
    assert.ok(cached.sessionToken);
    assert.ok(Date.parse(cached.expiration) > Date.now() + 11 * 3600_000);

    signed = [];
    const whoami = await runCli(['whoami', '--json'], { env });
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal(JSON.parse(whoami.stdout).account, '123456789012');
    const identity = signed.find((s) => s.action === 'GetCallerIdentity');
    assert.equal(identity?.accessKeyId, cached.accessKeyId, 'whoami signed with the MFA session');
    assert.equal(identity?.sessionToken, true);

    // Once the session has expired, commands fall back to the long-term keys.
    writeFileSync(file, JSON.stringify({ ...cached, expiration: new Date(Date.now() - 1000).toISOString() }), {
      mode: 0o600,
    });
    signed = [];
    assert.equal((await runCli(['whoami'], { env })).code, 0);
    assert.equal(signed.find((s) => s.action === 'GetCallerIdentity')?.accessKeyId, LONG_TERM_KEY);
  });

  it('assume chains from the MFA session (roles that require MFA work)', async () => {
    const org = await createOrgFixture(moto.endpoint, [{ name: 'Development', ou: '' }]);
    assert.equal((await runCli(['login', '--mfa-serial', SERIAL, '--code', '123456'], { env })).code, 0);
    const session = JSON.parse(readFileSync(credentialFiles()[0]!, 'utf8'));
    signed = [];
    const res = await runCli(['assume', 'Development', '--export', '--format', 'json'], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).AWS_ACCOUNT_ID ?? org.byName('Development').id, org.byName('Development').id);
    const assumeRole = signed.find((s) => s.action === 'AssumeRole');
    assert.equal(assumeRole?.accessKeyId, session.accessKeyId);
    assert.equal(assumeRole?.sessionToken, true);
    assert.ok(
      signed.every((s) => s.accessKeyId !== LONG_TERM_KEY),
      JSON.stringify(signed.map((s) => [s.action, s.accessKeyId])),
    );
  });

  it('a second login replaces the session with the long-term keys, not the current session', async () => {
    assert.equal((await runCli(['login', '--mfa-serial', SERIAL, '--code', '111111'], { env })).code, 0);
    signed = [];
    const again = await runCli(['login', '--mfa-serial', SERIAL, '--code', '222222', '--duration', '1h', '--json'], {
      env,
    });
    assert.equal(again.code, 0, again.stderr);
    const request = signed.find((s) => s.action === 'GetSessionToken');
    assert.equal(request?.accessKeyId, LONG_TERM_KEY);
    assert.equal(new URLSearchParams(request?.body).get('DurationSeconds'), '3600');
    const result = JSON.parse(again.stdout);
    assert.equal(result.kind, 'mfa');
    assert.equal(result.mfaSerial, SERIAL);
    assert.equal(result.account, '123456789012');
    assert.ok(Math.abs(Date.parse(result.expiresAt) - Date.now() - 3600_000) < 120_000);
    assert.equal(credentialFiles().length, 1);
  });

  it('asks for the code on a terminal, with the prompt on stderr', async () => {
    const t = testDeps(env, {
      interactive: true,
      stdin: Readable.from(['12345\n', '654321\n']) as unknown as NodeJS.ReadableStream & { isTTY?: boolean },
    });
    assert.equal(await run(parse(['--mfa-serial', SERIAL]), t.deps), ExitCode.ok);
    assert.match(
      t.stderr(),
      new RegExp(`^MFA code for ${SERIAL}: awsorg: an MFA code is 6 digits\\nMFA code for ${SERIAL}: $`),
    );
    assert.equal(
      new URLSearchParams(signed.find((s) => s.action === 'GetSessionToken')?.body).get('TokenCode'),
      '654321',
    );
    assert.match(t.stdout(), /^MFA session for /);
  });

  it('selects a profile with --profile and keys the session to it', async () => {
    const home = env.HOME!;
    const profileEnv = { ...env };
    delete profileEnv.AWS_ACCESS_KEY_ID;
    delete profileEnv.AWS_SECRET_ACCESS_KEY;
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(
      env.AWS_SHARED_CREDENTIALS_FILE!,
      `[ops]\naws_access_key_id = AKIAOPSOPSOPSOPSOPS1\naws_secret_access_key = ${LONG_TERM_SECRET}\n`,
    );
    const login = await runCli(['login', '--profile', 'ops', '--mfa-serial', SERIAL, '--code', '123456'], {
      env: profileEnv,
    });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(signed.find((s) => s.action === 'GetSessionToken')?.accessKeyId, 'AKIAOPSOPSOPSOPSOPS1');
    const cached = JSON.parse(readFileSync(credentialFiles()[0]!, 'utf8'));

    signed = [];
    assert.equal((await runCli(['whoami'], { env: { ...profileEnv, AWS_PROFILE: 'ops' } })).code, 0);
    assert.equal(signed.find((s) => s.action === 'GetCallerIdentity')?.accessKeyId, cached.accessKeyId);
    signed = [];
    assert.equal((await runCli(['whoami'], { env })).code, 0, 'the environment keys are another base sign-in');
    assert.equal(signed.find((s) => s.action === 'GetCallerIdentity')?.accessKeyId, LONG_TERM_KEY);
  });

  it('refuses temporary base credentials, with the reason and what to do', async () => {
    const res = await runCli(['login', '--mfa-serial', SERIAL, '--code', '123456'], {
      env: { ...env, AWS_SESSION_TOKEN: 'FQoGZXIvYXdzEXAMPLE' },
    });
    assert.equal(res.code, ExitCode.credentials);
    assert.match(
      res.stderr,
      /awsorg: the credentials in the environment are already temporary \(AWS_SESSION_TOKEN is set\); STS makes MFA sessions only from long-term access keys/,
    );
    assert.match(res.stderr, /Next step: Unset AWS_SESSION_TOKEN/);
    assert.deepEqual(signed, []);
  });

  it('never prompts without a terminal: it names --code', async () => {
    const res = await runCli(['login', '--mfa-serial', SERIAL], { env });
    assert.equal(res.code, ExitCode.usage);
    assert.match(
      res.stderr,
      /awsorg: an MFA code is needed and there is no terminal to ask for it\nNext step: Pass the 6-digit code with --code/,
    );
    assert.deepEqual(signed, []);
  });

  it('a code AWS refuses exits 4 and says to wait for a new code', async () => {
    proxy.setInterceptor((req) =>
      req.action === 'GetSessionToken'
        ? {
            kind: 'respond',
            status: 403,
            headers: { 'content-type': 'text/xml' },
            body: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication failed with invalid MFA one time pass code.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
          }
        : undefined,
    );
    const res = await runCli(['login', '--mfa-serial', SERIAL, '--code', '000000'], { env });
    assert.equal(res.code, ExitCode.credentials, res.stderr);
    assert.match(
      res.stderr,
      /awsorg: AWS refused the MFA code for arn:aws:iam::123456789012:mfa\/alice: MultiFactorAuthentication failed/,
    );
    assert.match(
      res.stderr,
      /Next step: Check that --mfa-serial is the device assigned to arn:aws:(iam|sts)::123456789012:user\/\S+, wait for a new code/,
    );
    assert.doesNotMatch(res.stderr, STACK_FRAME);
    assert.throws(() => credentialFiles(), /ENOENT/, 'nothing cached');
  });

  it('an Identity Center base sign-in has no MFA session: it points to login --sso', async () => {
    const ssoEnv = { ...env };
    delete ssoEnv.AWS_ACCESS_KEY_ID;
    delete ssoEnv.AWS_SECRET_ACCESS_KEY;
    mkdirSync(dirname(env.AWS_CONFIG_FILE!), { recursive: true });
    writeFileSync(
      env.AWS_CONFIG_FILE!,
      '[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n',
    );
    const res = await runCli(['login', '--mfa-serial', SERIAL, '--code', '123456'], { env: ssoEnv });
    assert.equal(res.code, ExitCode.usage);
    assert.match(res.stderr, /sessions are already temporary/);
    assert.match(res.stderr, /Next step: Use `awsorg login --sso`/);
  });
});
