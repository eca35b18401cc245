/**
 * After `awsorg login --sso`: the Identity Center portal through the real CLI. The AWS CLI uses
 * our cached token; `awsorg accounts` lists what Identity Center offers; `awsorg assume` gets
 * role credentials (minted by moto for the target account); and an expired, revoked or
 * unusable sign-in stops with exit 4 and the command that fixes it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { ssoRoleCredentials } from '../../src/aws/sso-portal.js';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import { startSsoServer, testDeps, type SsoServer } from '../fixtures/sso-server.js';
import { isolatedEnv, runCli, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';

const START_URL = 'https://corp.awsapps.com/start';
const CORP_TOKEN_FILE = 'ee0bfd2552fbd840c02cc48b6e823320543c450f.json';
const PROD = '111111111111';
const DEV = '222222222222';
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

const CONFIG = [
  '[profile corp-admin]',
  'sso_session = corp',
  `sso_account_id = ${PROD}`,
  'sso_role_name = AdministratorAccess',
  'region = us-east-1',
  '[sso-session corp]',
  `sso_start_url = ${START_URL}`,
  'sso_region = us-east-1',
  'sso_registration_scopes = sso:account:access',
  '',
].join('\n');

function runAws(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('aws', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('Identity Center portal: AWS CLI, accounts and assume with our sign-in', () => {
  let moto: Moto;
  let sso: SsoServer;
  let env: Record<string, string>;
  const tokenFile = () => join(env.HOME!, '.aws', 'sso', 'cache', CORP_TOKEN_FILE);
  const expireToken = (extra: Record<string, unknown> = {}) => {
    const token = JSON.parse(readFileSync(tokenFile(), 'utf8'));
    writeFileSync(tokenFile(), JSON.stringify({ ...token, expiresAt: '2020-01-01T00:00:00Z', ...extra }), {
      mode: 0o600,
    });
  };

  before(async () => {
    moto = await startMoto();
    sso = await startSsoServer({
      motoEndpoint: moto.endpoint,
      interval: 0,
      accounts: [
        {
          accountId: PROD,
          accountName: 'Production',
          emailAddress: 'prod@example.com',
          roles: ['ReadOnlyAccess', 'AdministratorAccess'],
        },
        { accountId: DEV, accountName: 'Development', emailAddress: 'dev@example.com', roles: ['AdministratorAccess'] },
      ],
    });
  });
  after(async () => {
    await sso?.stop();
    await moto?.stop();
  });
  beforeEach(async () => {
    sso.clearRecords();
    sso.deviceScript = [];
    sso.refreshAnswer = 'ok';
    // No access keys: the only way in is the Identity Center sign-in. STS goes to moto.
    env = isolatedEnv({ ...sso.env, AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_REGION: 'us-east-1' });
    mkdirSync(dirname(env.AWS_CONFIG_FILE!), { recursive: true });
    writeFileSync(env.AWS_CONFIG_FILE!, CONFIG);
    const login = await runCli(['login', '--sso', '--profile', 'corp-admin'], { env });
    assert.equal(login.code, 0, login.stderr);
    sso.clearRecords();
  });

  it('the real AWS CLI signs in with the token awsorg cached (sso-session profile)', async () => {
    const res = await runAws(['sts', 'get-caller-identity', '--profile', 'corp-admin', '--output', 'json'], env);
    assert.equal(res.code, 0, res.stderr);
    const identity = JSON.parse(res.stdout);
    assert.equal(identity.Account, PROD);
    assert.match(identity.Arn, new RegExp(`^arn:aws:sts::${PROD}:assumed-role/AdministratorAccess/`));
    assert.deepEqual(
      sso.requests.map((r) => `${r.operation} ${r.detail ?? ''}`.trim()),
      [`GetRoleCredentials ${PROD}/AdministratorAccess`],
      'the CLI used the cached token as it is: no OIDC call',
    );
  });

  it('the AWS SDK for JavaScript (awsorg whoami with AWS_PROFILE) signs in with the same token', async () => {
    const res = await runCli(['whoami', '--json'], {
      env: { ...env, AWS_PROFILE: 'corp-admin', AWS_ENDPOINT_URL_ORGANIZATIONS: moto.endpoint },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).account, PROD);
    assert.deepEqual(
      sso.requests.map((r) => r.operation),
      ['GetRoleCredentials'],
    );
  });

  it('accounts lists the Identity Center accounts with their roles; assume runs a command as the role', async () => {
    const accounts = await runCli(['accounts', '--json'], { env });
    assert.equal(accounts.code, 0, accounts.stderr);
    const listed = JSON.parse(accounts.stdout);
    assert.equal(listed.source, 'sso');
    assert.deepEqual(
      listed.accounts.map((a: { id: string; name: string; email: string; roles: string[] }) => [
        a.id,
        a.name,
        a.email,
        a.roles,
      ]),
      [
        [DEV, 'Development', 'dev@example.com', ['AdministratorAccess']],
        [PROD, 'Production', 'prod@example.com', ['AdministratorAccess', 'ReadOnlyAccess']],
      ],
    );

    const assumed = await runCli(
      ['assume', 'Development', '--exec', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'],
      { env },
    );
    assert.equal(assumed.code, 0, assumed.stderr);
    assert.match(JSON.parse(assumed.stdout).Arn, new RegExp(`^arn:aws:sts::${DEV}:assumed-role/AdministratorAccess/`));
    assert.equal(sso.count('GetRoleCredentials'), 1);
  });

  it('an expired token without a refresh token stops accounts and assume with exit 4 and the next step', async () => {
    // With a cached inventory, assume goes straight to sso:GetRoleCredentials; without, to discovery.
    assert.equal((await runCli(['accounts'], { env })).code, 0);
    sso.clearRecords();
    expireToken({ refreshToken: undefined });
    const accounts = await runCli(['accounts', '--refresh'], { env });
    assert.equal(accounts.code, ExitCode.credentials, accounts.stderr);
    assert.match(
      accounts.stderr,
      /awsorg: your IAM Identity Center sign-in to https:\/\/corp\.awsapps\.com\/start expired at 2020-01-01T00:00:00Z/,
    );
    assert.match(
      accounts.stderr,
      /Next step: Run `awsorg login --sso` \(or `aws sso login --sso-session corp`\) to sign in to https:\/\/corp\.awsapps\.com\/start again/,
    );
    assert.doesNotMatch(accounts.stderr, STACK_FRAME);

    const assumed = await runCli(['assume', PROD, '--role', 'ReadOnlyAccess', '--export'], { env });
    assert.equal(assumed.code, ExitCode.credentials, assumed.stderr);
    assert.match(assumed.stderr, /Next step: Run `awsorg login --sso`/);
    assert.equal(assumed.stdout, '', 'no credentials printed');
    assert.deepEqual(sso.requests, [], 'nothing was sent with an expired token');
  });

  it('an expired token with a refresh token is renewed silently', async () => {
    expireToken();
    const res = await runCli(
      [
        'assume',
        PROD,
        '--role',
        'ReadOnlyAccess',
        '--exec',
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      { env },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).Account, PROD);
    assert.deepEqual(
      sso.requests.map((r) => r.operation),
      ['CreateToken', 'ListAccounts', 'ListAccountRoles', 'ListAccountRoles', 'GetRoleCredentials'],
    );
    assert.ok(Date.parse(JSON.parse(readFileSync(tokenFile(), 'utf8')).expiresAt) > Date.now());
  });

  it('a revoked sign-in exits 4 and says to sign in again with --force', async () => {
    sso.revokeAll();
    const res = await runCli(['accounts', '--refresh'], { env });
    assert.equal(res.code, ExitCode.credentials, res.stderr);
    assert.match(
      res.stderr,
      /IAM Identity Center at https:\/\/corp\.awsapps\.com\/start no longer accepts your sign-in \(sso:ListAccounts: UnauthorizedException/,
    );
    assert.match(res.stderr, /Next step: Run `awsorg login --sso --force`/);
  });

  it('a role Identity Center does not offer is a usage error listing the roles on offer', async () => {
    const t = testDeps(env);
    await assert.rejects(
      ssoRoleCredentials(t.deps, { startUrl: START_URL, region: 'us-east-1', sessionName: 'corp' }, PROD, 'Billing'),
      (err: unknown) => {
        assert.ok(err instanceof UsageError, String(err));
        assert.equal(err.exitCode, ExitCode.usage);
        assert.equal(err.message, `IAM Identity Center offers you no role "Billing" in account ${PROD}`);
        assert.equal(err.nextStep, 'Choose one of: AdministratorAccess, ReadOnlyAccess (--role).');
        return true;
      },
    );
    const creds = await ssoRoleCredentials(
      t.deps,
      { startUrl: START_URL, region: 'us-east-1', sessionName: 'corp' },
      PROD,
      'ReadOnlyAccess',
    );
    assert.match(creds.accessKeyId, /^ASIA/);
    assert.ok(Date.parse(creds.expiration) > Date.now(), 'the portal gives epoch milliseconds; we keep ISO');
    assert.equal(creds.accountId, PROD);
    assert.equal(creds.role, 'ReadOnlyAccess');
  });
});
