/**
 * The wizard's Sign-in screen, driven by key presses and app events: the intent each method
 * emits, the guards on the identity (root consent, member accounts, MFA), and that no frame and
 * no state after the intent ever holds a pasted secret.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { palette } from '../../src/ui/console/style.js';
import type { KeyPress } from '../../src/ui/wizard/types.js';
import type { WhoamiResult } from '../../src/commands/whoami.js';
import {
  initialSignIn,
  signedIn,
  signInCapturesText,
  signInEvent,
  signInHelp,
  signInHints,
  signInKey,
  signInLines,
  type SignedInIdentity,
  type SignInIntent,
  type SignInState,
} from '../../src/ui/wizard/signin.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const P = palette(true);
const WIDTHS = [60, 80, 120];

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKENzZXNzaW9uLXRva2VuLXNlY3JldA0123456789abcdefXYZ';
const SSO_URL =
  'https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-ABCD&extra=abcdefghijklmnopqrstuvwxyz0123456789';

const text = (t: string): KeyPress => ({ text: t });
const key = (name: Extract<KeyPress, { name: string }>['name']): KeyPress => ({ name });
const ENTER = key('enter');
const ESC = key('escape');

/** All lines as one string with runs of blanks collapsed, for text that wraps. */
const flat = (shown: string[]) => shown.join(' ').replace(/\s+/g, ' ');

function lines(state: SignInState, width = 80, height = 40): string[] {
  return signInLines(state, { width, height, palette: P, now: NOW }).map((l) => stripVTControlCharacters(l));
}

interface Run {
  state: SignInState;
  intents: SignInIntent[];
  /** Every frame drawn along the way, at 60, 80 and 120 columns, without SGR. */
  frames: string[];
}

/** Press keys one by one, drawing a frame after each at every width. */
function drive(state: SignInState, ...keys: KeyPress[]): Run {
  const run: Run = { state, intents: [], frames: [] };
  const draw = () => {
    for (const w of WIDTHS) run.frames.push(lines(run.state, w).join('\n'));
  };
  draw();
  for (const k of keys) {
    const out = signInKey(run.state, k);
    run.state = out.state;
    if (out.intent) run.intents.push(out.intent);
    draw();
  }
  return run;
}

const start = (overrides: Partial<Parameters<typeof initialSignIn>[0]> = {}) =>
  initialSignIn({
    currentLabel: 'profile admin',
    profiles: ['dev', 'prod-admin', 'staging'],
    ssoStartUrl: 'https://d-1234567890.awsapps.com/start',
    ssoRegion: 'eu-west-1',
    ...overrides,
  });

function who(partial: Partial<WhoamiResult> & Pick<WhoamiResult, 'arn' | 'principalType'>): WhoamiResult {
  return {
    account: '111111111111',
    userId: 'AIDAEXAMPLE',
    isRoot: partial.principalType === 'root',
    organization: { role: 'management', id: 'o-abc123', managementAccountId: '111111111111' },
    ...partial,
  };
}

const ADMIN: SignedInIdentity = {
  identity: who({
    arn: 'arn:aws:sts::111111111111:assumed-role/AdministratorAccess/alice',
    principalType: 'assumed-role',
  }),
  via: 'profile prod-admin',
  mfa: false,
};
const ROOT: SignedInIdentity = {
  identity: who({ arn: 'arn:aws:iam::111111111111:root', principalType: 'root', organization: { role: 'none' } }),
  via: 'pasted access keys',
  mfa: false,
};
const IAM_USER: SignedInIdentity = {
  identity: who({
    arn: 'arn:aws:iam::111111111111:user/alice',
    principalType: 'iam-user',
    organization: { role: 'none' },
  }),
  via: 'current credentials (profile admin)',
  mfa: false,
  mfaSerialSuggestion: 'arn:aws:iam::111111111111:mfa/alice',
};
const MEMBER: SignedInIdentity = {
  identity: who({
    account: '333333333333',
    arn: 'arn:aws:sts::333333333333:assumed-role/AdministratorAccess/alice',
    principalType: 'assumed-role',
    organization: { role: 'member', id: 'o-abc123', managementAccountId: '222222222222' },
  }),
  via: 'IAM Identity Center (AdministratorAccess in 333333333333)',
  mfa: false,
};
const UNKNOWN: SignedInIdentity = {
  identity: who({
    arn: 'arn:aws:sts::111111111111:assumed-role/ReadOnly/alice',
    principalType: 'assumed-role',
    organization: { role: 'unknown', reason: 'organizations:DescribeOrganization was denied (AccessDeniedException)' },
  }),
  via: 'profile readonly',
  mfa: false,
};

const signedInAs = (identity: SignedInIdentity, from = start()) =>
  signInEvent(from, { kind: 'signed-in', result: identity });

describe('sign-in: method list', () => {
  it('Enter on the current credentials emits sign-in current; Esc emits back', () => {
    const s0 = start();
    assert.match(lines(s0)[0] ?? '', /How do you want to sign in/);
    assert.ok(lines(s0).some((l) => l.includes('Current credentials — profile admin')));
    assert.ok(lines(s0).some((l) => l.includes('3 profiles')));
    assert.deepEqual(drive(s0, ENTER).intents, [{ kind: 'sign-in', method: 'current' }]);
    assert.deepEqual(drive(s0, text('j'), ESC).intents, [{ kind: 'back' }]);
    assert.equal(signInCapturesText(s0), false);
  });

  it('without current credentials the row says so and Enter explains instead of signing in', () => {
    const s0 = start({ currentLabel: undefined });
    assert.ok(lines(s0).some((l) => l.includes('Current credentials — none found')));
    const run = drive(s0, key('home'), ENTER);
    assert.deepEqual(run.intents, []);
    assert.equal(run.state.phase, 'methods');
    assert.match(flat(lines(run.state)), /No current credentials were found/);
    const raw = signInLines(run.state, { width: 80, height: 40, palette: P, now: NOW });
    assert.ok(
      raw.some((l) => l.includes(`${P.error}No current`)),
      'the error is drawn in the error style',
    );
    assert.doesNotMatch(
      flat(lines(signInKey(run.state, key('down')).state)),
      /No current credentials/,
      'moving clears the error',
    );
  });
});

describe('sign-in: profile picker', () => {
  it('j/k choose a profile and Enter emits sign-in profile', () => {
    const run = drive(start(), text('j'), ENTER, text('j'), text('j'), text('k'), ENTER);
    assert.equal(run.state.phase, 'profiles');
    assert.deepEqual(run.intents, [{ kind: 'sign-in', method: 'profile', profile: 'prod-admin' }]);
    assert.ok(lines(run.state).some((l) => l.startsWith('> prod-admin')));
  });

  it('draws only the window of a long list around the cursor', () => {
    const profiles = Array.from({ length: 200 }, (_, i) => `profile-${String(i).padStart(3, '0')}`);
    let s = drive(start({ profiles }), text('j'), ENTER).state;
    for (let i = 0; i < 12; i++) s = signInKey(s, key('pagedown')).state;
    const shown = lines(s, 80, 10);
    assert.ok(shown.length <= 10);
    assert.ok(
      shown.some((l) => l.startsWith('> profile-120')),
      'the cursor row is visible',
    );
    assert.ok(!shown.some((l) => l.includes('profile-000')), 'rows far above are not drawn');
    assert.equal(signInKey(s, key('end')).state.profileCursor, 199);
  });

  it('an empty list explains where profiles come from; Esc goes back', () => {
    const run = drive(start({ profiles: [] }), text('j'), ENTER, ENTER);
    assert.deepEqual(run.intents, [], 'Enter on an empty list signs in nothing');
    const shown = flat(lines(run.state));
    assert.match(shown, /AWS_CONFIG_FILE/);
    assert.match(shown, /~\/\.aws\/config/);
    assert.equal(signInKey(run.state, ESC).state.phase, 'methods');
  });
});

describe('sign-in: pasted access keys', () => {
  const toKeys = (s = start()) => drive(s, text('jj'), ENTER).state;

  it('emits the keys, never draws the secret, and drops it from the state', () => {
    const run = drive(toKeys(), text('AKIAIOSFODNN7EXAMPLE'), key('tab'), text(SECRET), ENTER, ENTER);
    assert.deepEqual(run.intents, [
      { kind: 'sign-in', method: 'keys', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
    ]);
    for (const frame of run.frames)
      assert.ok(!frame.includes(SECRET) && !frame.includes('wJalrXUtnFEMI'), 'no frame shows the secret');
    assert.ok(
      run.frames.some((f) => f.includes('•'.repeat(10))),
      'the secret is drawn as bullets',
    );
    assert.ok(
      run.frames.some((f) => f.includes('40 characters')),
      'its length is shown, to check the paste',
    );
    assert.ok(!JSON.stringify(run.state).includes(SECRET), 'the state no longer holds the secret');
    assert.equal(run.state.keys.accessKeyId.value, 'AKIAIOSFODNN7EXAMPLE', 'the (public) key ID stays for a retry');
  });

  it('ASIA keys carry the session token, which is masked and dropped too', () => {
    const run = drive(toKeys(), text('ASIAIOSFODNN7EXAMPLE'), ENTER, text(SECRET), ENTER, text(TOKEN), ENTER);
    assert.deepEqual(run.intents, [
      {
        kind: 'sign-in',
        method: 'keys',
        accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
        secretAccessKey: SECRET,
        sessionToken: TOKEN,
      },
    ]);
    for (const frame of run.frames) {
      assert.ok(!frame.includes(SECRET), 'no frame shows the secret');
      assert.ok(!frame.includes(TOKEN.slice(0, 12)) && !frame.includes(TOKEN.slice(-12)), 'no frame shows the token');
    }
    const json = JSON.stringify(run.state);
    assert.ok(!json.includes(SECRET) && !json.includes(TOKEN), 'the state holds neither secret');
    assert.ok(
      run.frames.some((f) => f.includes('ASIA: temporary key')),
      'the key ID is explained as typed',
    );
  });

  it('refuses ASIA keys without a session token, with the error at the field', () => {
    const run = drive(toKeys(), text('ASIAIOSFODNN7EXAMPLE'), ENTER, text(SECRET), ENTER, ENTER);
    assert.deepEqual(run.intents, []);
    assert.equal(run.state.keys.focus, 2, 'the cursor goes to the field in error');
    const shown = lines(run.state);
    const at = shown.findIndex((l) => l.includes('Session token'));
    assert.match(
      flat(shown.slice(at + 1, at + 3)),
      /required: temporary \(ASIA…\) keys only work with their session token/,
    );
  });

  it('validates the access key ID as it is typed', () => {
    let s = drive(toKeys(), text('akia')).state;
    assert.match(flat(lines(s)), /only capital letters A-Z and digits 0-9/);
    s = drive(toKeys(), text('AKIA12')).state;
    assert.match(flat(lines(s)), /16 to 128 characters; 6 so far/);
    assert.doesNotMatch(flat(lines(s)), /too short/, 'a key still being typed gets a hint, not an error');
    s = drive(s, key('tab'), text(SECRET), key('tab'), ENTER).state;
    assert.match(flat(lines(s)), /too short: 16 to 128 characters \(has 6\)/);
    assert.equal(s.keys.focus, 0);
    s = drive(toKeys(), text('AKIAIOSFODNN7EXAMPLE'), key('tab'), text(SECRET), key('tab'), text('tok'), ENTER).state;
    assert.match(flat(lines(s)), /long-term \(AKIA…\) keys take no session token/);
  });

  it('Esc goes back to the method list and clears the secrets', () => {
    const run = drive(toKeys(), text('AKIAIOSFODNN7EXAMPLE'), key('tab'), text(SECRET), ESC);
    assert.equal(run.state.phase, 'methods');
    assert.deepEqual(run.intents, []);
    assert.ok(!JSON.stringify(run.state).includes(SECRET));
    assert.equal(signInCapturesText(toKeys()), true);
  });

  it('a failed sign-in returns to the form with the error above it, ready to retry', () => {
    let run = drive(toKeys(), text('AKIAIOSFODNN7EXAMPLE'), key('tab'), text(SECRET), ENTER, ENTER);
    let s = signInEvent(run.state, { kind: 'busy', message: 'Checking who you are…' });
    assert.equal(s.phase, 'busy');
    assert.match(flat(lines(s)), /Checking who you are…/);
    assert.equal(signInKey(s, ENTER).state, s, 'keys other than Esc are ignored while busy');
    s = signInEvent(s, {
      kind: 'failed',
      message: 'The security token included in the request is invalid.',
      next: 'Check the keys and paste them again.',
    });
    assert.equal(s.phase, 'keys');
    const shown = lines(s);
    assert.match(shown[0] ?? '', /The security token included in the request is invalid/);
    assert.ok(shown.some((l) => l.includes('Next step: Check the keys')));
    assert.ok(
      shown.some((l) => l.includes('AKIAIOSFODNN7EXAMPLE')),
      'the form keeps the key ID',
    );
    assert.ok(
      shown.some((l) => l.includes('paste them again')),
      'the operator is told the secrets were cleared',
    );
    const raw = signInLines(s, { width: 80, height: 40, palette: P, now: NOW });
    assert.ok(raw[0]?.startsWith(P.error), 'the error is drawn in the error style');
    run = drive(s, text(SECRET), ENTER, ENTER);
    assert.equal(run.intents.length, 1, 'the corrected form signs in again');
    assert.ok(run.frames.every((f) => !f.includes(SECRET)));
  });
});

describe('sign-in: IAM Identity Center', () => {
  const toSso = (s = start()) => drive(s, key('end'), ENTER).state;
  const PROMPT = {
    kind: 'sso-prompt',
    verificationUri: 'https://device.sso.eu-west-1.amazonaws.com/',
    verificationUriComplete: SSO_URL,
    userCode: 'WXYZ-ABCD',
    expiresAt: NOW + 10 * 60_000 - 10_000,
  } as const;

  it('start → prompt → accounts → pick', () => {
    let run = drive(toSso(), ENTER, ENTER);
    assert.deepEqual(run.intents, [
      { kind: 'sso-start', startUrl: 'https://d-1234567890.awsapps.com/start', region: 'eu-west-1' },
    ]);
    let s = signInEvent(signInEvent(run.state, { kind: 'busy', message: 'Starting device sign-in…' }), PROMPT);
    assert.equal(s.phase, 'sso-wait');
    const shown = lines(s, 120).join('\n');
    assert.ok(shown.includes(SSO_URL), 'the URL is on one line at 120 columns');
    assert.match(shown, /Code: WXYZ-ABCD/);
    assert.match(shown, /Waiting for you to approve in the browser… \(code expires in 10 min\)/);
    s = signInEvent(s, {
      kind: 'sso-accounts',
      accounts: [
        { accountId: '111111111111', accountName: 'Management', roles: ['AdministratorAccess', 'ReadOnlyAccess'] },
        { accountId: '444444444444', accountName: 'Sandbox', roles: ['AdministratorAccess'] },
      ],
    });
    assert.ok(
      lines(s).some((l) => /^> AdministratorAccess\s+111111111111 Management$/.test(l.trimEnd())),
      'one row per account and role',
    );
    assert.equal(lines(s).filter((l) => l.includes('111111111111')).length, 2);
    run = drive(s, text('j'), ENTER);
    assert.deepEqual(run.intents, [{ kind: 'sso-pick', accountId: '111111111111', roleName: 'ReadOnlyAccess' }]);
    const failed = signInEvent(run.state, { kind: 'failed', message: 'GetRoleCredentials failed: ForbiddenException' });
    assert.equal(failed.phase, 'sso-accounts', 'a failed pick returns to the picker');
    assert.match(lines(failed)[0] ?? '', /ForbiddenException/);
  });

  it('the verification URL is complete, wrapped, at 60 columns; Esc cancels', () => {
    const s = signInEvent(drive(toSso(), ENTER, ENTER).state, PROMPT);
    const shown = lines(s, 60, 20);
    assert.ok(shown.every((l) => l.length <= 60));
    assert.ok(!shown.some((l) => l.includes(SSO_URL)), 'too long for one line');
    assert.ok(shown.join('').includes(SSO_URL), 'every character of the URL is drawn, in order');
    assert.ok(
      signInLines(s, { width: 60, height: 20, palette: P, now: NOW + 9 * 60_000 + 40_000 }).some((l) =>
        l.includes('under a minute'),
      ),
    );
    const out = signInKey(s, ESC);
    assert.deepEqual(out.intent, { kind: 'sso-cancel' });
    assert.equal(out.state.phase, 'sso');
  });

  it('checks the start URL and Region before starting', () => {
    const s0 = start({ ssoStartUrl: undefined, ssoRegion: undefined });
    let run = drive(toSso(s0), text('http://portal.example.com'), ENTER, text('eu-west-9'), ENTER);
    assert.deepEqual(run.intents, []);
    const shown = flat(lines(run.state));
    assert.match(shown, /must start with https:\/\//);
    assert.match(shown, /eu-west-9 is not an AWS Region/);
    run = drive(toSso(s0), text('https://d-1234567890.awsapps.com/start'), key('tab'), text('us-east-1'), ENTER);
    assert.deepEqual(run.intents, [
      { kind: 'sso-start', startUrl: 'https://d-1234567890.awsapps.com/start', region: 'us-east-1' },
    ]);
  });
});

describe('sign-in: identity panel', () => {
  it('shows who you are and Enter continues without root', () => {
    const s = signedInAs(ADMIN);
    const shown = lines(s).join('\n');
    for (const part of [
      '111111111111',
      ADMIN.identity.arn,
      'role session',
      'profile prod-admin',
      'management account of o-abc123: it will be adopted',
    ])
      assert.ok(shown.includes(part), part);
    assert.equal(signedIn(s), undefined, 'not accepted yet');
    const out = signInKey(s, ENTER);
    assert.deepEqual(out.intent, { kind: 'continue', allowRoot: false });
    assert.equal(signedIn(out.state), ADMIN);
    const back = signInKey(out.state, ESC).state;
    assert.equal(back.phase, 'methods');
    assert.equal(back.identity, ADMIN, 'Esc keeps the identity until a new sign-in replaces it');
  });

  it('the root user gets a banner and continues only after typing yes', () => {
    let s = signedInAs(ROOT);
    for (const width of WIDTHS) {
      const shown = lines(s, width);
      assert.ok(
        shown.some((l) => l.includes('ROOT USER')),
        `banner at ${width}`,
      );
      const all = flat(shown);
      for (const words of [
        'cannot be restricted by IAM policies or by SCPs',
        'brand-new account',
        'lock the root user away with MFA',
      ])
        assert.ok(all.includes(words), `${words} at ${width}`);
    }
    const raw = signInLines(s, { width: 80, height: 40, palette: P, now: NOW });
    assert.ok(
      raw.some((l) => l.startsWith(P.alarm) && l.includes('ROOT USER')),
      'the banner uses the alarm style',
    );
    assert.equal(signInCapturesText(s), true);
    let out = signInKey(s, ENTER);
    assert.equal(out.intent, undefined);
    assert.match(flat(lines(out.state)), /type yes in the consent field/);
    out = signInKey(drive(s, text('no')).state, ENTER);
    assert.equal(out.intent, undefined, '"no" is not consent');
    s = drive(s, text('ye'), key('backspace'), text('es')).state;
    assert.equal(s.consent.value, 'yes');
    assert.equal(signedIn(s), undefined);
    out = signInKey(s, ENTER);
    assert.deepEqual(out.intent, { kind: 'continue', allowRoot: true });
    assert.equal(signedIn(out.state), ROOT);
  });

  it('a member account is a dead end that names the management account', () => {
    const s = signedInAs(MEMBER);
    const shown = flat(lines(s));
    assert.match(shown, /member of o-abc123 \(management account 222222222222\)/);
    assert.match(shown, /STOP: .*Only the management account can create accounts, OUs and SCPs/);
    assert.match(shown, /Sign in to the management account 222222222222/);
    const out = signInKey(s, ENTER);
    assert.equal(out.intent, undefined);
    assert.equal(out.state, s, 'Enter does nothing');
    assert.equal(signedIn(out.state), undefined);
    assert.match(signInHints(s), /Esc sign in differently/);
    assert.equal(signInKey(s, ESC).state.phase, 'methods');
  });

  it('an unknown organization role is blocked too, naming the permission needed', () => {
    const s = signedInAs(UNKNOWN);
    assert.match(flat(lines(s)), /organizations:DescribeOrganization/);
    assert.match(flat(lines(s)), /STOP/);
    assert.equal(signInKey(s, ENTER).intent, undefined);
  });

  it('an IAM user sees the break-glass notice and can add an MFA code', () => {
    let s = signedInAs(IAM_USER);
    assert.ok(lines(s).some((l) => l.startsWith('! BREAK-GLASS: signed in as IAM user alice')));
    assert.match(flat(lines(s)), /not in an organization: bootstrap will create one with this account as management/);
    assert.match(signInHints(s), /m MFA/);
    s = signInKey(s, text('m')).state;
    assert.equal(s.phase, 'mfa');
    assert.equal(s.mfa.serial.value, 'arn:aws:iam::111111111111:mfa/alice', 'prefilled with the suggestion');
    assert.equal(s.mfa.focus, 1, 'the cursor starts at the code');
    assert.match(flat(lines(drive(s, text('12a')).state)), /digits only/);
    assert.match(flat(lines(drive(s, text('123')).state)), /6 digits; 3 so far/);
    const short = drive(s, text('12345'), ENTER);
    assert.deepEqual(short.intents, [], 'five digits are refused');
    assert.match(flat(lines(short.state)), /exactly 6 digits \(has 5\)/);
    const run = drive(s, text('908172'), ENTER);
    assert.deepEqual(run.intents, [{ kind: 'mfa', serial: 'arn:aws:iam::111111111111:mfa/alice', code: '908172' }]);
    assert.ok(!JSON.stringify(run.state).includes('908172'), 'the one-time code is dropped with the intent');
    assert.ok(run.frames.at(-4)?.includes('908172'), 'the code is shown while typed, to compare with the device');
    assert.ok(!run.frames.slice(-3).some((f) => f.includes('908172')), 'and gone from the frame once sent');
    const withMfa = signInEvent(signInEvent(run.state, { kind: 'busy', message: 'Getting a session token…' }), {
      kind: 'signed-in',
      result: { ...IAM_USER, mfa: true },
    });
    assert.equal(withMfa.phase, 'identity');
    assert.equal(withMfa.identity?.mfa, true);
    assert.ok(lines(withMfa).some((l) => /^MFA\s+yes$/.test(l)));
    assert.equal(signInKey(withMfa, text('m')).state.phase, 'identity', 'no MFA offer once signed in with MFA');
  });

  it('a failed MFA returns to the MFA form with the error', () => {
    const s = drive(signedInAs(IAM_USER), text('m'), text('654321'), ENTER).state;
    const failed = signInEvent(s, {
      kind: 'failed',
      message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    });
    assert.equal(failed.phase, 'mfa');
    assert.match(lines(failed)[0] ?? '', /invalid MFA one time pass code/);
    assert.equal(failed.mfa.serial.value, 'arn:aws:iam::111111111111:mfa/alice');
  });
});

describe('sign-in: layout', () => {
  function everyState(): [string, SignInState][] {
    const s0 = start({
      profiles: Array.from({ length: 40 }, (_, i) => `a-rather-long-profile-name-for-testing-${i}-${'x'.repeat(i)}`),
    });
    const keys = drive(
      s0,
      text('jj'),
      ENTER,
      text('ASIAIOSFODNN7EXAMPLE'),
      ENTER,
      text(SECRET),
      ENTER,
      text(TOKEN.repeat(5)),
    ).state;
    const sso = drive(s0, key('end'), ENTER).state;
    return [
      ['methods', s0],
      ['methods, no current', start({ currentLabel: undefined })],
      ['profiles', drive(s0, text('j'), ENTER, key('pagedown')).state],
      ['keys', keys],
      ['keys attempted', drive(s0, text('jj'), ENTER, text('ASIA'), ENTER, ENTER, ENTER).state],
      ['sso', sso],
      [
        'sso-wait',
        signInEvent(sso, {
          kind: 'sso-prompt',
          verificationUri: 'https://device.sso.eu-west-1.amazonaws.com/',
          verificationUriComplete: SSO_URL,
          userCode: 'WXYZ-ABCD',
          expiresAt: NOW + 600_000,
        }),
      ],
      [
        'sso-accounts',
        signInEvent(sso, {
          kind: 'sso-accounts',
          accounts: [
            {
              accountId: '111111111111',
              accountName: 'Management account with a very long name indeed',
              roles: ['AWSAdministratorAccessWithAVeryLongPermissionSetName', 'ReadOnly'],
            },
          ],
        }),
      ],
      ['busy', signInEvent(s0, { kind: 'busy', message: 'Checking who you are… '.repeat(6) })],
      [
        'failed',
        signInEvent(keys, {
          kind: 'failed',
          message: 'InvalidClientTokenId: '.repeat(8),
          next: 'Paste the keys again.',
        }),
      ],
      ['admin', signedInAs(ADMIN)],
      ['root', signedInAs(ROOT)],
      ['iam user', signedInAs(IAM_USER)],
      ['member', signedInAs(MEMBER)],
      ['unknown', signedInAs(UNKNOWN)],
      ['mfa', drive(signedInAs(IAM_USER), text('m')).state],
    ];
  }

  it('every line fits 60, 80 and 120 columns (and 40), and the height', () => {
    for (const [name, state] of everyState()) {
      for (const width of [40, ...WIDTHS]) {
        for (const height of [8, 24]) {
          const shown = lines(state, width, height);
          assert.ok(shown.length <= height, `${name} at ${width}x${height}: ${shown.length} lines`);
          for (const l of shown)
            assert.ok(l.length <= width, `${name} at ${width}x${height}: "${l}" is ${l.length} columns`);
        }
        assert.ok(
          lines(state, width, 24).some((l) => l.trim()),
          `${name} draws something at ${width}`,
        );
      }
    }
  });

  it('a short terminal keeps the root banner and the consent field', () => {
    const shown = flat(lines(signedInAs(ROOT), 80, 10));
    assert.match(shown, /ROOT USER/);
    assert.match(shown, /Consent/);
  });

  it('hints are one short line per phase, and help explains the screen', () => {
    for (const [name, state] of everyState()) {
      const hints = signInHints(state);
      assert.ok(hints.length > 0 && hints.length <= 60 && !hints.includes('\n'), `${name}: ${hints}`);
      if (signInCapturesText(state))
        assert.ok(!hints.includes('? help'), `${name}: ? is typed into the field, not a help key`);
    }
    const help = signInHelp();
    assert.ok(help.every((l) => l.length <= 80));
    assert.match(help.join(' '), /IAM Identity Center/);
    assert.match(help.join(' '), /root user/);
  });
});
