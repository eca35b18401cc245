/**
 * `awsorg login --sso` against the IAM Identity Center fixture: the device flow's polling
 * (pending, slow_down, approval), its failures (expired code, denied, Ctrl-C), the token cache
 * shared with the AWS CLI (written in its format, reused from it, refreshed), and the usage
 * errors. Some cases run the built CLI, others call `run` in-process with a recording clock so
 * the polling schedule is asserted without waiting for it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parse, run } from '../../src/commands/login.js';
import { CancelledError, CredentialsError, ExitCode } from '../../src/core/errors.js';
import { startSsoServer, testDeps, type SsoServer } from '../fixtures/sso-server.js';
import { isolatedEnv, runCli, spawnCli } from '../helpers/cli.js';

const START_URL = 'https://corp.awsapps.com/start';
/** sha1("corp"): the AWS CLI's token file name for the sso-session. */
const CORP_TOKEN_FILE = 'ee0bfd2552fbd840c02cc48b6e823320543c450f.json';
/** sha1('https://legacy.awsapps.com/start'). */
const LEGACY_TOKEN_FILE = '79e435d7a515078e81c9dffc35f38d5687ebd3a7.json';
/** The AWS CLI v2's name for a registration of (START_URL, eu-west-1, [sso:account:access], corp). */
const CORP_REGISTRATION_FILE = '787ef34d0a944c01385765faa28b5e67d1c08f33.json';
const UTC_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

const loginFlags = ['login', '--sso', '--start-url', START_URL, '--sso-region', 'eu-west-1', '--session-name', 'corp'];

describe('awsorg login --sso against the Identity Center fixture', () => {
  let sso: SsoServer;
  let env: Record<string, string>;
  const cacheDir = () => join(env.HOME!, '.aws', 'sso', 'cache');
  const oidcCalls = () =>
    sso.requests.filter((r) => ['RegisterClient', 'StartDeviceAuthorization', 'CreateToken'].includes(r.operation));

  before(async () => {
    sso = await startSsoServer({ interval: 1 });
  });
  after(async () => sso?.stop());
  beforeEach(() => {
    sso.clearRecords();
    sso.deviceScript = [];
    sso.refreshAnswer = 'ok';
    env = isolatedEnv(sso.env);
  });

  it('polls through pending and slow_down at the interval asked for, then writes the token in the AWS CLI format', async () => {
    sso.deviceScript = ['pending', 'pending', 'slow_down', 'approve'];
    const t = testDeps(env);
    const services: string[] = [];
    t.deps.awsEvents.add((e) => services.push(e.service));
    assert.equal(await run(parse(loginFlags.slice(1)), t.deps), ExitCode.ok);
    // A failed poll is expected; it must not send sts:GetCallerIdentity to name the caller.
    assert.deepEqual([...new Set(services)], ['sso-oidc']);

    // interval 1 s; slow_down adds 5 s to every later wait (RFC 8628 §3.5).
    assert.deepEqual(t.clock.sleeps, [1000, 1000, 1000, 6000]);
    assert.deepEqual(
      sso.requests.map((r) => r.detail ?? r.operation),
      [
        'RegisterClient',
        'StartDeviceAuthorization',
        ...['pending', 'pending', 'slow_down', 'approve'].map(
          (a) => `urn:ietf:params:oauth:grant-type:device_code -> ${a}`,
        ),
      ],
    );
    assert.match(
      t.stderr(),
      /open this URL in a browser:\n\n {2}http:\/\/127\.0\.0\.1:\d+\/device\?user_code=([0-9A-F]{4}-[0-9A-F]{4})\n\nand check that the page shows the code \1\./,
    );
    assert.match(
      t.stdout(),
      /^Signed in to IAM Identity Center at https:\/\/corp\.awsapps\.com\/start \(sso-session corp, region eu-west-1\) until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.\n$/,
    );

    const dir = cacheDir();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir).sort(), [CORP_REGISTRATION_FILE, CORP_TOKEN_FILE].sort());
    for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    const token = JSON.parse(readFileSync(join(dir, CORP_TOKEN_FILE), 'utf8'));
    assert.deepEqual(Object.keys(token).sort(), [
      'accessToken',
      'clientId',
      'clientSecret',
      'expiresAt',
      'receivedAt',
      'refreshToken',
      'region',
      'registrationExpiresAt',
      'startUrl',
    ]);
    assert.equal(token.startUrl, START_URL);
    assert.equal(token.region, 'eu-west-1');
    assert.match(token.accessToken, /^aoa/);
    assert.match(token.refreshToken, /^aor/);
    assert.match(token.expiresAt, UTC_SECONDS);
    assert.match(token.registrationExpiresAt, UTC_SECONDS);
    const hoursLeft = (Date.parse(token.expiresAt) - t.clock.now()) / 3_600_000;
    assert.ok(hoursLeft > 7.9 && hoursLeft <= 8, `token lasts the 8 h the service granted (${hoursLeft})`);
    const registration = JSON.parse(readFileSync(join(dir, CORP_REGISTRATION_FILE), 'utf8'));
    assert.equal(registration.clientId, token.clientId);
    assert.deepEqual(registration.scopes, ['sso:account:access']);

    // Settings remember where to sign in, never the token or the client secret.
    const settings = readFileSync(join(env.XDG_CONFIG_HOME!, 'awsorg', 'config.json'), 'utf8');
    assert.deepEqual(JSON.parse(settings).sso, { startUrl: START_URL, region: 'eu-west-1', sessionName: 'corp' });
    for (const secret of [token.accessToken, token.refreshToken, token.clientSecret])
      assert.ok(!settings.includes(secret));
  });

  it('signs in through the CLI, then reuses the token without any OIDC call', async () => {
    sso.deviceScript = ['pending'];
    const first = await runCli(loginFlags, { env });
    assert.equal(first.code, 0, first.stderr);
    const polls = sso.requests.filter((r) => r.operation === 'CreateToken');
    assert.equal(polls.length, 2);
    assert.ok(
      polls[1]!.at - polls[0]!.at >= 950,
      `waited the 1 s interval between polls (${polls[1]!.at - polls[0]!.at} ms)`,
    );
    assert.match(first.stderr, /Waiting for approval/);

    sso.clearRecords();
    // Start URL, region and session come from the saved settings now.
    const second = await runCli(['login', '--sso', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(oidcCalls(), []);
    const result = JSON.parse(second.stdout);
    assert.equal(result.action, 'reused');
    assert.equal(result.sessionName, 'corp');
    assert.match(result.expiresAt, UTC_SECONDS);
    assert.equal(second.stderr, '');

    const human = await runCli(['login'], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Already signed in to IAM Identity Center at https:\/\/corp\.awsapps\.com\/start .* until \S+Z\. Use --force to sign in again\.$/m,
    );
    assert.deepEqual(oidcCalls(), []);
  });

  it('--force signs in again, reusing the cached client registration', async () => {
    assert.equal((await runCli(loginFlags, { env })).code, 0);
    sso.clearRecords();
    const again = await runCli([...loginFlags, '--force'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(sso.count('RegisterClient'), 0);
    assert.equal(sso.count('StartDeviceAuthorization'), 1);
    assert.match(again.stdout, /^Signed in to/);
  });

  it('an expired device code exits 4 and says to run login again; nothing is cached', async () => {
    sso.deviceScript = ['pending', 'expired'];
    const res = await runCli(loginFlags, { env });
    assert.equal(res.code, ExitCode.credentials, res.stderr);
    assert.match(
      res.stderr,
      /awsorg: the sign-in code for https:\/\/corp\.awsapps\.com\/start expired before it was approved/,
    );
    assert.match(res.stderr, /Next step: Run `awsorg login --sso` again/);
    assert.doesNotMatch(res.stderr, STACK_FRAME);
    assert.ok(!readdirSync(cacheDir()).includes(CORP_TOKEN_FILE));
  });

  it('a denied sign-in exits 4', async () => {
    sso.deviceScript = ['denied'];
    const t = testDeps(env);
    await assert.rejects(run(parse(loginFlags.slice(1)), t.deps), (err: unknown) => {
      assert.ok(err instanceof CredentialsError);
      assert.equal(err.exitCode, ExitCode.credentials);
      assert.match(err.message, /denied/);
      assert.match(err.nextStep ?? '', /choose Allow/);
      return true;
    });
  });

  it('Ctrl-C while waiting for approval stops the polling with exit 130', async () => {
    sso.deviceScript = Array(100).fill('pending');
    const child = spawnCli(loginFlags, { env });
    let stderr = '';
    await new Promise<void>((resolve) =>
      child.stderr!.on('data', (d) => {
        stderr += String(d);
        if (stderr.includes('Waiting for approval')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, ExitCode.cancelled, stderr);
    assert.match(stderr, /sign-in was cancelled before it was approved/);
    const polls = sso.count('CreateToken');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(sso.count('CreateToken'), polls, 'no poll after the process ended');
  });

  it('the in-process flow stops at the abort signal with a CancelledError', async () => {
    sso.deviceScript = Array(100).fill('pending');
    const t = testDeps(env);
    const sleep = t.clock.sleep;
    t.clock.sleep = async (ms, signal) => {
      if (t.clock.sleeps.length === 2) t.abort();
      return sleep(ms, signal);
    };
    await assert.rejects(run(parse(loginFlags.slice(1)), t.deps), CancelledError);
    assert.equal(sso.count('CreateToken'), 2);
  });

  it('reuses tokens written the way `aws sso login` writes them (sso-session and legacy start-URL files)', async () => {
    mkdirSync(cacheDir(), { recursive: true });
    const expiresAt = new Date(Date.now() + 4 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    // AWS CLI v2: registration times via strftime('%Y-%m-%dT%H:%M:%S%Z'), i.e. "...UTC".
    writeFileSync(
      join(cacheDir(), CORP_TOKEN_FILE),
      JSON.stringify({
        startUrl: START_URL,
        region: 'eu-west-1',
        accessToken: sso.issueAccessToken(),
        expiresAt,
        receivedAt: '2026-01-01T00:00:00UTC',
        clientId: 'client-from-cli',
        clientSecret: 'secret-from-cli',
        registrationExpiresAt: '2099-01-01T00:00:00UTC',
        refreshToken: 'aor-from-cli',
      }),
    );
    writeFileSync(
      env.AWS_CONFIG_FILE!,
      [
        '[profile corp-admin]',
        'sso_session = corp',
        'sso_account_id = 111111111111',
        'sso_role_name = Admin',
        '[sso-session corp]',
        `sso_start_url = ${START_URL}`,
        'sso_region = eu-west-1',
        'sso_registration_scopes = sso:account:access',
        '[profile legacy]',
        'sso_start_url = https://legacy.awsapps.com/start',
        'sso_region = us-east-1',
        'sso_account_id = 111111111111',
        'sso_role_name = Admin',
        '',
      ].join('\n'),
    );
    const viaSession = await runCli(['login', '--profile', 'corp-admin'], { env });
    assert.equal(viaSession.code, 0, viaSession.stderr);
    assert.match(
      viaSession.stdout,
      new RegExp(
        `Already signed in to IAM Identity Center at ${START_URL.replace(/\./g, '\\.')} \\(sso-session corp, region eu-west-1\\) until ${expiresAt}`,
      ),
    );

    // A legacy profile's token lives under sha1(start URL), without registration fields.
    writeFileSync(
      join(cacheDir(), LEGACY_TOKEN_FILE),
      JSON.stringify({
        startUrl: 'https://legacy.awsapps.com/start',
        region: 'us-east-1',
        accessToken: sso.issueAccessToken(),
        expiresAt,
      }),
    );
    const legacy = await runCli(['login', '--sso', '--profile', 'legacy'], { env });
    assert.equal(legacy.code, 0, legacy.stderr);
    assert.match(
      legacy.stdout,
      /Already signed in to IAM Identity Center at https:\/\/legacy\.awsapps\.com\/start \(region us-east-1\)/,
    );
    assert.deepEqual(oidcCalls(), []);
  });

  it('renews an expiring token with its refresh token instead of a new device flow', async () => {
    assert.equal((await runCli(loginFlags, { env })).code, 0);
    const file = join(cacheDir(), CORP_TOKEN_FILE);
    const before = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...before, expiresAt: '2020-01-01T00:00:00Z' }));
    sso.clearRecords();
    const res = await runCli(['login', '--sso', '--json'], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).action, 'refreshed');
    assert.deepEqual(
      sso.requests.map((r) => r.detail),
      ['refresh_token'],
    );
    const after = JSON.parse(readFileSync(file, 'utf8'));
    assert.notEqual(after.accessToken, before.accessToken);
    assert.notEqual(after.refreshToken, before.refreshToken, 'the rotated refresh token is kept');
    assert.ok(Date.parse(after.expiresAt) > Date.now() + 7 * 3600_000);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('falls back to the device flow when the refresh is refused', async () => {
    assert.equal((await runCli(loginFlags, { env })).code, 0);
    const file = join(cacheDir(), CORP_TOKEN_FILE);
    writeFileSync(
      file,
      JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), expiresAt: '2020-01-01T00:00:00Z' }),
    );
    sso.clearRecords();
    sso.refreshAnswer = 'invalid_grant';
    const t = testDeps(env);
    assert.equal(await run(parse(['--sso']), t.deps), ExitCode.ok);
    assert.deepEqual(
      sso.requests.map((r) => r.detail ?? r.operation),
      ['refresh_token', 'StartDeviceAuthorization', 'urn:ietf:params:oauth:grant-type:device_code -> approve'],
    );
    assert.match(t.stdout(), /^Signed in to/);
  });

  it('notes when access keys in the environment will still be used instead of the new sign-in', async () => {
    const res = await runCli(loginFlags, {
      env: { ...env, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stderr,
      /awsorg: note: commands in this environment still sign in with access key AKIAEXAMPLE from the environment; unset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
  });

  it('without a start URL anywhere, names --start-url and --sso-region (exit 2)', async () => {
    const res = await runCli(['login', '--sso'], { env });
    assert.equal(res.code, ExitCode.usage);
    assert.match(res.stderr, /awsorg: no IAM Identity Center start URL is configured/);
    assert.match(res.stderr, /Next step: Give it once with --start-url URL --sso-region REGION/);

    const noRegion = await runCli(['login', '--start-url', START_URL], { env });
    assert.equal(noRegion.code, ExitCode.usage);
    assert.match(noRegion.stderr, /--start-url needs --sso-region/);

    const noMode = await runCli(['login'], { env });
    assert.equal(noMode.code, ExitCode.usage);
    assert.match(
      noMode.stderr,
      /Next step: Use `awsorg login --sso` for IAM Identity Center, or `awsorg login --mfa-serial ARN`/,
    );

    const noProfile = await runCli(['login', '--sso', '--profile', 'nope'], { env });
    assert.equal(noProfile.code, ExitCode.usage);
    assert.match(noProfile.stderr, /profile "nope" is not in/);
    assert.deepEqual(sso.requests, []);
  });

  it('an unreachable Identity Center is a clear failure naming the endpoint variable', async () => {
    const res = await runCli(loginFlags, { env: { ...env, AWS_ENDPOINT_URL_SSO_OIDC: 'http://127.0.0.1:9' } });
    assert.equal(res.code, ExitCode.failed, res.stderr);
    assert.match(
      res.stderr,
      /cannot reach IAM Identity Center at https:\/\/corp\.awsapps\.com\/start \(Identity Center region eu-west-1\): ECONNREFUSED/,
    );
    assert.match(res.stderr, /AWS_ENDPOINT_URL_SSO_OIDC/);
    assert.doesNotMatch(res.stderr, STACK_FRAME);
  });
});
