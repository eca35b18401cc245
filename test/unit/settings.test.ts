/**
 * The settings file: its trust rules (owner, mode, symlinks), private creation, and the check of
 * every field (settings-schema.ts), including which federation endpoints may receive a session.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/core/errors.js';
import { UntrustedPathError } from '../../src/core/private-file.js';
import { signinUrlProblem, settingsIssues } from '../../src/core/settings-schema.js';
import { DEFAULT_SETTINGS, readSettings, settingsFile, updateSettings } from '../../src/core/settings.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { tempDir } from '../helpers/cli.js';

function paths() {
  const home = tempDir();
  return xdgPaths({ HOME: home }, home);
}

describe('settings fields', () => {
  it('accepts the defaults and every field awsorg writes', () => {
    assert.deepEqual(settingsIssues(DEFAULT_SETTINGS), []);
    assert.deepEqual(
      settingsIssues({
        aliases: { prod: '123456789012', 'dev.eu_1-x': '210987654321' },
        sso: {
          startUrl: 'https://d-1234567890.awsapps.com/start',
          region: 'eu-west-1',
          sessionName: 'corp',
          defaultRole: 'AdministratorAccess',
        },
        federationUrl: 'https://signin.aws.amazon.com/federation',
        inventoryTtlMinutes: 0,
        sessionDurationSeconds: 43200,
        defaultRole: 'path/to/Role',
      }),
      [],
    );
  });

  it('names each wrong field with its path and a fix', () => {
    const issues = settingsIssues({
      aliases: { '1bad': '123456789012', ok: '12345' },
      production: { ouPatterns: ['ok', '[', 7], tags: [{ key: '', values: [] }, 'x'], extra: true },
      sso: 'x',
    });
    assert.deepEqual(
      issues.map((i) => i.path),
      [
        'aliases.1bad',
        'aliases.ok',
        'sso',
        'production.extra',
        'production.ouPatterns[1]',
        'production.ouPatterns[2]',
        'production.tags[0].key',
        'production.tags[0].values',
        'production.tags[1]',
      ],
    );
    assert.ok(issues.every((i) => i.message && i.fix));
    for (const raw of [null, 'x', 3, [], true]) assert.equal(settingsIssues(raw)[0]?.path, '(top level)');
  });

  it('federation endpoints: only https on an AWS sign-in host of a partition awsorg knows', () => {
    for (const ok of [
      'https://signin.aws.amazon.com/federation',
      'https://us-east-1.signin.aws.amazon.com/federation',
      'https://eu-central-1.signin.aws.amazon.com/federation',
      'https://signin.amazonaws-us-gov.com/federation',
      'https://us-gov-west-1.signin.amazonaws-us-gov.com/federation',
      'https://signin.amazonaws.cn/federation',
      'https://cn-north-1.signin.amazonaws.cn/federation',
      'https://SIGNIN.AWS.AMAZON.COM/federation',
    ]) {
      assert.equal(signinUrlProblem(ok), undefined, ok);
    }
    const refused: [string, RegExp][] = [
      ['http://signin.aws.amazon.com/federation', /uses http, not https/],
      ['http://127.0.0.1:8080/federation', /uses http/],
      ['https://127.0.0.1/federation', /not an AWS sign-in host/],
      ['https://signin.aws.amazon.com.evil.example/federation', /not an AWS sign-in host/],
      ['https://evilsignin.aws.amazon.com/federation', /not an AWS sign-in host/],
      ['https://a.b.signin.aws.amazon.com/federation', /not an AWS sign-in host/],
      ['https://user:pw@signin.aws.amazon.com/federation', /user name or password/],
      ['https://signin.aws.amazon.com:8443/federation', /names port 8443/],
      ['signin.aws.amazon.com', /not a URL/],
    ];
    for (const [url, expected] of refused) assert.match(signinUrlProblem(url) ?? '', expected, url);
  });
});

describe('the settings file', () => {
  it('is absent: defaults; written: 0600 in 0700 under umask 000, never through a symlink', async () => {
    const p = paths();
    assert.deepEqual(readSettings(p), DEFAULT_SETTINGS);
    const previous = process.umask(0);
    try {
      await updateSettings(p, () => ({ defaultRole: 'Admin' }));
    } finally {
      process.umask(previous);
    }
    assert.equal(statSync(p.config).mode & 0o777, 0o700);
    assert.equal(statSync(settingsFile(p)).mode & 0o777, 0o600);
    assert.equal(readSettings(p).defaultRole, 'Admin');
    assert.match(readFileSync(settingsFile(p), 'utf8'), /^\{\n\t"defaultRole": "Admin"\n\}$/);
  });

  it('refuses to write a value that would not read back', async () => {
    const p = paths();
    await assert.rejects(
      updateSettings(p, () => ({ production: { ouPatterns: ['('] } })),
      (err) => err instanceof ValidationError && /production\.ouPatterns\[0\]/.test(err.message),
    );
    assert.deepEqual(readSettings(p), DEFAULT_SETTINGS, 'nothing was written');
  });

  it('refuses a looser file, a symlink, and a symlinked directory', () => {
    const p = paths();
    mkdirSync(p.config, { recursive: true, mode: 0o700 });
    writeFileSync(settingsFile(p), '{}', { mode: 0o600 });
    chmodSync(settingsFile(p), 0o620);
    assert.throws(
      () => readSettings(p),
      (err) =>
        err instanceof UntrustedPathError &&
        /others can write/.test(err.message) &&
        /chmod 600/.test(err.nextStep ?? ''),
    );
    chmodSync(settingsFile(p), 0o644);
    assert.deepEqual(readSettings(p), DEFAULT_SETTINGS, 'readable by others is fine: settings hold no secret');

    const q = paths();
    const real = join(tempDir(), 'config.json');
    writeFileSync(real, '{}', { mode: 0o600 });
    mkdirSync(q.config, { recursive: true, mode: 0o700 });
    symlinkSync(real, settingsFile(q));
    assert.throws(
      () => readSettings(q),
      (err) => err instanceof UntrustedPathError && /is a symbolic link/.test(err.message),
    );

    const r = paths();
    mkdirSync(join(r.config, '..'), { recursive: true });
    symlinkSync(p.config, r.config);
    assert.throws(
      () => readSettings(r),
      (err) => err instanceof UntrustedPathError && err.path === r.config,
    );
  });
});
