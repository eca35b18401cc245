/**
 * The shared IAM Identity Center token cache: file names and formats exactly as the AWS CLI
 * writes and reads them, private files written atomically, and times read in every form the
 * CLI has written them.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatUtc,
  isRefreshable,
  parseCacheTime,
  readRegistration,
  readSsoToken,
  registrationCacheKey,
  ssoCacheDir,
  tokenCacheKey,
  writeRegistration,
  writeSsoToken,
  type SsoToken,
} from '../../src/aws/sso-token-cache.js';
import { tempDir } from '../helpers/cli.js';

const START_URL = 'https://d-123.awsapps.com/start';

describe('SSO token cache names', () => {
  it('names a token by the sha1 of the sso-session name, else of the start URL', () => {
    // Values from Python: hashlib.sha1(b'corp').hexdigest(), hashlib.sha1(b'https://d-123.awsapps.com/start').hexdigest()
    assert.equal(
      tokenCacheKey({ startUrl: START_URL, region: 'us-east-1', sessionName: 'corp' }),
      'ee0bfd2552fbd840c02cc48b6e823320543c450f',
    );
    assert.equal(
      tokenCacheKey({ startUrl: START_URL, region: 'us-east-1' }),
      '2b829a45f04c9828cb45b7d092d8e4aa30818393',
    );
  });

  it('names a client registration as the AWS CLI v2 does (sha1 of Python json.dumps with sort_keys)', () => {
    // Expected values computed with Python:
    // hashlib.sha1(json.dumps({'tool':'botocore','startUrl':u,'region':r,'scopes':s,'session_name':n}, sort_keys=True).encode()).hexdigest()
    assert.equal(
      registrationCacheKey({ startUrl: 'https://corp.awsapps.com/start', region: 'eu-west-1', sessionName: 'corp' }, [
        'sso:account:access',
      ]),
      '787ef34d0a944c01385765faa28b5e67d1c08f33',
    );
    assert.equal(
      registrationCacheKey({ startUrl: START_URL, region: 'us-east-1' }, undefined),
      '334df8a025b4d748342a2fb4eaa316ea48c5576c',
    );
    // Python escapes non-ASCII characters (ensure_ascii); so must we.
    assert.equal(
      registrationCacheKey({ startUrl: 'https://x.example/start', region: 'us-east-1', sessionName: 'équipe' }, [
        'sso:account:access',
        'a',
      ]),
      'b51d81992bd8123384e84426f27ca9be662a8a7a',
    );
  });

  it('keeps the cache under $HOME/.aws/sso/cache', () => {
    assert.equal(ssoCacheDir({ HOME: '/home/alice' }), '/home/alice/.aws/sso/cache');
  });
});

describe('SSO cache times', () => {
  it('writes UTC with second precision and a Z, like the CLI', () => {
    assert.equal(formatUtc(Date.UTC(2026, 10, 22, 10, 0, 0, 789)), '2026-11-22T10:00:00Z');
  });

  it('reads Z, UTC (strftime %Z), offsets and zone-less times as UTC', () => {
    const t = Date.UTC(2026, 10, 22, 10, 0, 0);
    assert.equal(parseCacheTime('2026-11-22T10:00:00Z'), t);
    assert.equal(parseCacheTime('2026-11-22T10:00:00UTC'), t);
    assert.equal(parseCacheTime('2026-11-22T12:00:00+02:00'), t);
    assert.equal(parseCacheTime('2026-11-22T10:00:00'), t);
    assert.ok(Number.isNaN(parseCacheTime('tomorrow')));
  });
});

describe('SSO token files', () => {
  const token: SsoToken = {
    startUrl: START_URL,
    region: 'us-east-1',
    accessToken: 'aoa-secret',
    expiresAt: '2026-11-22T10:00:00Z',
    clientId: 'client',
    clientSecret: 'secret',
    registrationExpiresAt: '2027-02-20T10:00:00Z',
    refreshToken: 'aor-secret',
  };

  it('writes 0600 files in a 0700 directory, atomically, and reads them back', () => {
    const home = tempDir();
    const env = { HOME: home };
    const sso = { startUrl: START_URL, region: 'us-east-1', sessionName: 'corp' };
    const file = writeSsoToken(env, sso, token);
    assert.equal(file, join(home, '.aws', 'sso', 'cache', 'ee0bfd2552fbd840c02cc48b6e823320543c450f.json'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(ssoCacheDir(env)).mode & 0o777, 0o700);
    assert.deepEqual(
      readdirSync(ssoCacheDir(env)),
      ['ee0bfd2552fbd840c02cc48b6e823320543c450f.json'],
      'no temp file is left behind',
    );
    const lookup = readSsoToken(env, sso);
    assert.equal(lookup.kind, 'found');
    assert.deepEqual(lookup.kind === 'found' && lookup.token, token);
    assert.equal(lookup.kind === 'found' && lookup.expiresAtMs, Date.UTC(2026, 10, 22, 10));
  });

  it('tightens a cache directory another tool created with looser permissions', () => {
    const home = tempDir();
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true, mode: 0o755 });
    writeSsoToken({ HOME: home }, { startUrl: START_URL, region: 'us-east-1' }, token);
    assert.equal(statSync(join(home, '.aws', 'sso', 'cache')).mode & 0o777, 0o700);
  });

  it('reports absent, unparsable and incomplete token files', () => {
    const home = tempDir();
    const env = { HOME: home };
    const sso = { startUrl: START_URL, region: 'us-east-1' };
    assert.equal(readSsoToken(env, sso).kind, 'absent');
    mkdirSync(ssoCacheDir(env), { recursive: true });
    const file = join(ssoCacheDir(env), `${tokenCacheKey(sso)}.json`);
    writeFileSync(file, '{not json');
    assert.match(JSON.stringify(readSsoToken(env, sso)), /not valid JSON/);
    writeFileSync(file, JSON.stringify({ startUrl: START_URL, expiresAt: '2026-11-22T10:00:00Z' }));
    assert.match(JSON.stringify(readSsoToken(env, sso)), /no accessToken/);
    writeFileSync(file, JSON.stringify({ accessToken: 'x', expiresAt: 'soon' }));
    assert.match(JSON.stringify(readSsoToken(env, sso)), /expiresAt is not a date/);
  });

  it('does not use a token or registration file another user owns, others can write, or that is a symlink', () => {
    const home = tempDir();
    const env = { HOME: home };
    const sso = { startUrl: START_URL, region: 'us-east-1' };
    const file = writeSsoToken(env, sso, token);
    chmodSync(file, 0o666);
    assert.match(JSON.stringify(readSsoToken(env, sso)), /"kind":"invalid".*has mode 0666 \(others can write to it\)/);
    chmodSync(file, 0o600);
    assert.equal(readSsoToken(env, sso).kind, 'found');
    if (process.getuid?.() === 0) {
      chownSync(file, 65534, 65534);
      assert.match(JSON.stringify(readSsoToken(env, sso)), /belongs to another user \(uid 65534\)/);
    }
    const registration = { clientId: 'c', clientSecret: 's', expiresAt: '2027-02-20T10:00:00Z' };
    const regFile = writeRegistration(env, sso, undefined, registration);
    const elsewhere = join(tempDir(), 'reg.json');
    writeFileSync(elsewhere, readFileSync(regFile), { mode: 0o600 });
    unlinkSync(regFile);
    symlinkSync(elsewhere, regFile);
    assert.equal(readRegistration(env, sso, undefined), undefined, 'a symlinked registration is not read');
  });

  it('round-trips a client registration under its CLI name', () => {
    const home = tempDir();
    const sso = { startUrl: 'https://corp.awsapps.com/start', region: 'eu-west-1', sessionName: 'corp' };
    const registration = {
      clientId: 'c',
      clientSecret: 's',
      expiresAt: '2027-02-20T10:00:00Z',
      scopes: ['sso:account:access'],
    };
    const file = writeRegistration({ HOME: home }, sso, ['sso:account:access'], registration);
    assert.ok(file.endsWith('787ef34d0a944c01385765faa28b5e67d1c08f33.json'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readRegistration({ HOME: home }, sso, ['sso:account:access']), registration);
    assert.equal(
      readRegistration({ HOME: home }, sso, undefined),
      undefined,
      'another scope list is another registration',
    );
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), registration);
  });

  it('refreshes only with a refresh token and an unexpired registration', () => {
    const now = Date.UTC(2026, 10, 22, 12);
    assert.equal(isRefreshable(token, now), true);
    assert.equal(isRefreshable({ ...token, registrationExpiresAt: '2026-11-22T11:00:00UTC' }, now), false);
    const { refreshToken: _dropped, ...withoutRefresh } = token;
    assert.equal(isRefreshable(withoutRefresh, now), false);
  });
});
