/** `awsorg login` flags: each bad input is a usage error (exit 2) that says what to do instead. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, parseSessionDuration } from '../../src/commands/login.js';
import { ExitCode, UsageError } from '../../src/core/errors.js';

function usageError(argv: string[], message: RegExp, nextStep: RegExp): void {
  assert.throws(
    () => parse(argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.equal(err.exitCode, ExitCode.usage);
      assert.match(err.message, message);
      assert.match(err.nextStep ?? '', nextStep);
      return true;
    },
  );
}

describe('login flags', () => {
  it('binds the SSO flags; any of them implies --sso', () => {
    assert.deepEqual(parse(['--sso']), { json: false, mode: { kind: 'sso', force: false } });
    assert.deepEqual(
      parse([
        '--start-url',
        'https://d-1.awsapps.com/start',
        '--sso-region',
        'eu-west-1',
        '--session-name',
        'corp',
        '--force',
        '--json',
      ]),
      {
        json: true,
        mode: {
          kind: 'sso',
          force: true,
          startUrl: 'https://d-1.awsapps.com/start',
          region: 'eu-west-1',
          sessionName: 'corp',
        },
      },
    );
    assert.deepEqual(parse(['--profile', 'admin']), { profile: 'admin', json: false, mode: { kind: 'auto' } });
  });

  it('binds the MFA flags with a 12 h default session', () => {
    assert.deepEqual(parse(['--mfa-serial', 'arn:aws:iam::123456789012:mfa/alice', '--code', '123456']), {
      json: false,
      mode: { kind: 'mfa', serial: 'arn:aws:iam::123456789012:mfa/alice', code: '123456', durationSeconds: 43_200 },
    });
    assert.equal(
      (parse(['--mfa-serial', 'GAHT12345678', '--duration', '1h30m']).mode as { durationSeconds: number })
        .durationSeconds,
      5400,
    );
  });

  it('rejects bad input with a next step', () => {
    usageError(['--start-url', 'corp.awsapps.com'], /not a URL/, /--start-url https:\/\//);
    usageError(['--sso-region', 'eu-west-1'], /--sso-region goes with --start-url/, /--start-url/);
    usageError(
      ['--start-url', 'https://d-1.awsapps.com/start', '--sso-region', 'Frankfurt'],
      /not an AWS region/,
      /us-east-1/,
    );
    usageError(['--sso', '--session-name', 'my session'], /not a valid sso-session name/, /--session-name corp/);
    usageError(
      ['--mfa-serial', 'arn:aws:iam::123456789012:mfa/alice', '--code', '12345'],
      /not a 6-digit MFA code/,
      /--code 123456/,
    );
    usageError(['--mfa-serial', 'x'], /not an MFA device ARN/, /arn:aws:iam::/);
    usageError(['--code', '123456'], /--code goes with --mfa-serial/, /--mfa-serial ARN/);
    usageError(
      ['--mfa-serial', 'arn:aws:iam::123456789012:mfa/alice', '--sso'],
      /cannot be combined/,
      /one way at a time/,
    );
    usageError(['--mfa-serial', 'arn:aws:iam::123456789012:mfa/alice', '--duration', '2d'], /not a duration/, /12h/);
    usageError(
      ['--mfa-serial', 'arn:aws:iam::123456789012:mfa/alice', '--duration', '37h'],
      /15m to 36h/,
      /between 15m and 36h/,
    );
    usageError(['--profile', 'a b'], /not a profile name/, /--profile admin/);
    usageError(['--bogus'], /Unknown option '--bogus' for awsorg login/, /awsorg login --help/);
    usageError(['--proflie', 'admin'], /Unknown option '--proflie'.*Did you mean "--profile"\?/, /awsorg login --help/);
  });

  it('parses GetSessionToken durations', () => {
    assert.equal(parseSessionDuration('900'), 900);
    assert.equal(parseSessionDuration('36h'), 129_600);
    assert.throws(() => parseSessionDuration('10m'), UsageError);
  });
});
