/**
 * The wizard's break-glass Sign-in screen. Pure, like every wizard screen: `signInKey` turns a
 * key press into the next state and, when AWS must be called, an intent for the app; the app
 * reports back through `signInEvent`; `signInLines` draws the body.
 *
 * The state is plain data and walks through phases:
 *
 *   methods ─► profiles ─┐
 *           ─► keys ─────┼─► (busy) ─► identity ─► continue
 *           ─► current ──┘                 └─► mfa ─► (busy) ─► identity
 *           ─► sso ─► (busy) ─► sso-wait ─► sso-accounts ─► (busy) ─► identity
 *
 * Every intent records the phase it came from (`origin`), so a `failed` event returns there with
 * the error above the form. The secrets (the secret access key and the session token) live only
 * in masked fields, are never drawn, and are wiped from the state in the same step that emits
 * them in an intent, and whenever the operator backs out of the form. The MFA code is shown as
 * typed (the operator compares it with the device) but, being spent once sent, is wiped too.
 *
 * The identity panel is where the screen guards the organization: a member account, or one whose
 * organization cannot be read, is a dead end (Esc only); the root user needs typed consent.
 */
import { breakGlassWarning } from '../../aws/principal.js';
import type { WhoamiResult } from '../../aws/caller.js';
import type { PrincipalType } from '../../aws/principal.js';
import { isRegion } from '../../core/regions.js';
import { clip, fit, styledLine, wrap, type Palette, type Segment } from '../console/style.js';
import {
  keyName,
  keyText,
  listMove,
  type KeyOutcome,
  type KeyPress,
  type Notice,
  type RenderContext,
} from './types.js';
import { editText, shownText, shownWindow, textField, type TextField } from './text-input.js';

export type SignInMethod = 'current' | 'profile' | 'keys' | 'sso';

export type SignInPhase =
  | 'methods'
  | 'profiles'
  | 'keys'
  | 'sso'
  | 'sso-wait'
  | 'sso-accounts'
  | 'busy'
  | 'identity'
  | 'mfa';

export interface SignedInIdentity {
  identity: WhoamiResult;
  /** How: 'profile prod-admin', 'pasted access keys', 'IAM Identity Center (AdministratorAccess in 111111111111)'. */
  via: string;
  /** True after GetSessionToken with an MFA code. */
  mfa: boolean;
  /** The MFA device to offer, e.g. arn:aws:iam::111111111111:mfa/alice for an IAM user. */
  mfaSerialSuggestion?: string;
}

export type SignInIntent =
  | { kind: 'sign-in'; method: 'current' }
  | { kind: 'sign-in'; method: 'profile'; profile: string }
  | { kind: 'sign-in'; method: 'keys'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { kind: 'sso-start'; startUrl: string; region: string }
  | { kind: 'sso-cancel' }
  | { kind: 'sso-pick'; accountId: string; roleName: string }
  | { kind: 'mfa'; serial: string; code: string }
  | { kind: 'continue'; allowRoot: boolean }
  | { kind: 'back' };

export type SignInEvent =
  | { kind: 'busy'; message: string }
  | {
      kind: 'sso-prompt';
      verificationUri: string;
      verificationUriComplete: string;
      userCode: string;
      expiresAt: number;
    }
  | { kind: 'sso-accounts'; accounts: { accountId: string; accountName: string; roles: string[] }[] }
  | { kind: 'signed-in'; result: SignedInIdentity }
  | { kind: 'failed'; message: string; next?: string };

export interface SsoChoice {
  accountId: string;
  accountName: string;
  roleName: string;
}

export interface SignInState {
  phase: SignInPhase;
  currentLabel?: string;
  profiles: string[];
  methodCursor: number;
  profileCursor: number;
  keys: {
    focus: number;
    accessKeyId: TextField;
    secretAccessKey: TextField;
    sessionToken: TextField;
    /** Submit was tried: show every field's error, required ones included. */
    attempted: boolean;
    /** The secrets were wiped after a sign-in attempt: say so, so the operator pastes them again. */
    wiped: boolean;
  };
  sso: {
    focus: number;
    startUrl: TextField;
    region: TextField;
    attempted: boolean;
    prompt?: { verificationUri: string; verificationUriComplete: string; userCode: string; expiresAt: number };
    choices: SsoChoice[];
    cursor: number;
  };
  mfa: { focus: number; serial: TextField; code: TextField; attempted: boolean };
  /** What the app is doing (phase busy). */
  busy?: string;
  /** The phase the last intent came from: where a failure returns. */
  origin?: SignInPhase;
  notice?: Notice;
  identity?: SignedInIdentity;
  /** The root user's typed consent. */
  consent: TextField;
  /** The operator accepted `identity` (a continue intent was emitted for it). */
  accepted: boolean;
}

export function initialSignIn(opts: {
  currentLabel: string | undefined;
  profiles: string[];
  ssoStartUrl?: string;
  ssoRegion?: string;
}): SignInState {
  return {
    phase: 'methods',
    ...(opts.currentLabel !== undefined ? { currentLabel: opts.currentLabel } : {}),
    profiles: [...opts.profiles],
    methodCursor: opts.currentLabel === undefined ? 1 : 0,
    profileCursor: 0,
    keys: {
      focus: 0,
      accessKeyId: textField(),
      secretAccessKey: textField('', true),
      sessionToken: textField('', true),
      attempted: false,
      wiped: false,
    },
    sso: {
      focus: 0,
      startUrl: textField(opts.ssoStartUrl ?? ''),
      region: textField(opts.ssoRegion ?? ''),
      attempted: false,
      choices: [],
      cursor: 0,
    },
    mfa: { focus: 0, serial: textField(), code: textField(), attempted: false },
    consent: textField(),
    accepted: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation. A check is an error, or (for a value still being typed) a quieter hint.

interface Check {
  text: string;
  tone: 'error' | 'hint' | 'info';
}

const err = (text: string): Check => ({ text, tone: 'error' });

function accessKeyIdCheck(value: string, attempted: boolean): Check | undefined {
  const v = value.trim();
  if (!v) return attempted ? err('required: the access key ID, e.g. AKIA… or ASIA…') : undefined;
  if (/[^A-Z0-9]/.test(v)) return err('only capital letters A-Z and digits 0-9');
  if (v.length > 128) return err(`too long: at most 128 characters (has ${v.length})`);
  if (v.length < 16)
    return attempted
      ? err(`too short: 16 to 128 characters (has ${v.length})`)
      : { text: `16 to 128 characters; ${v.length} so far`, tone: 'hint' };
  if (v.startsWith('ASIA')) return { text: 'ASIA: temporary key; the session token is required', tone: 'info' };
  if (v.startsWith('AKIA')) return { text: 'AKIA: long-term key of an IAM user or the root user', tone: 'info' };
  return undefined;
}

function secretCheck(value: string, attempted: boolean): Check | undefined {
  return attempted && !value.trim() ? err('required: paste the secret access key') : undefined;
}

function sessionTokenCheck(accessKeyId: string, value: string, attempted: boolean): Check | undefined {
  const id = accessKeyId.trim();
  if (id.startsWith('ASIA') && !value.trim())
    return attempted ? err('required: temporary (ASIA…) keys only work with their session token') : undefined;
  if (id.startsWith('AKIA') && value.trim()) return err('long-term (AKIA…) keys take no session token; leave it empty');
  return undefined;
}

function keysValid(k: SignInState['keys']): boolean {
  const errs = [
    accessKeyIdCheck(k.accessKeyId.value, true),
    secretCheck(k.secretAccessKey.value, true),
    sessionTokenCheck(k.accessKeyId.value, k.sessionToken.value, true),
  ];
  return errs.every((c) => c?.tone !== 'error');
}

function startUrlCheck(value: string, attempted: boolean): Check | undefined {
  const v = value.trim();
  if (!v) return attempted ? err('required: your AWS access portal URL') : undefined;
  if (!'https://'.startsWith(v) && !v.startsWith('https://')) return err('must start with https://');
  if (!v.startsWith('https://')) return attempted ? err('must start with https://') : undefined;
  let host = '';
  try {
    host = new URL(v).hostname;
  } catch {
    host = '';
  }
  if (!host) return attempted ? err('not a URL, e.g. https://d-1234567890.awsapps.com/start') : undefined;
  return undefined;
}

function regionCheck(value: string, attempted: boolean): Check | undefined {
  const v = value.trim();
  if (!v) return attempted ? err('required: the Region of IAM Identity Center, e.g. us-east-1') : undefined;
  if (!isRegion(v)) return attempted ? err(`${v} is not an AWS Region (e.g. us-east-1, eu-west-1)`) : undefined;
  return undefined;
}

function mfaSerialCheck(value: string, attempted: boolean): Check | undefined {
  const v = value.trim();
  if (!v)
    return attempted ? err('required: the ARN of a virtual MFA device, or the serial of a hardware one') : undefined;
  if (/[^\w+=/:,.@-]/.test(v)) return err('an MFA device ARN or serial has no spaces or other punctuation');
  if (v.startsWith('arn:') && !/^arn:aws[\w-]*:iam::\d{12}:(mfa|u2f)\/.+$/.test(v)) {
    return attempted ? err('expected arn:aws:iam::<account>:mfa/<name>') : undefined;
  }
  if (v.length < 9 || v.length > 256) return attempted ? err('9 to 256 characters') : undefined;
  return undefined;
}

function mfaCodeCheck(value: string, attempted: boolean): Check | undefined {
  if (!value) return attempted ? err('required: the 6-digit code your MFA device shows now') : undefined;
  if (/\D/.test(value)) return err('digits only');
  if (value.length > 6) return err(`exactly 6 digits (has ${value.length})`);
  if (value.length < 6)
    return attempted
      ? err(`exactly 6 digits (has ${value.length})`)
      : { text: `6 digits; ${value.length} so far`, tone: 'hint' };
  return undefined;
}

const isError = (c: Check | undefined) => c?.tone === 'error';

// ---------------------------------------------------------------------------------------------
// Keys.

const METHOD_COUNT = 4;
const PAGE = 10;

/** Which identities the screen refuses: member accounts, and accounts whose organization is unknown. */
function blockedBy(id: SignedInIdentity | undefined): 'member' | 'unknown' | undefined {
  const role = id?.identity.organization.role;
  return role === 'member' || role === 'unknown' ? role : undefined;
}

function needsConsent(state: SignInState): boolean {
  return (
    state.phase === 'identity' &&
    state.identity !== undefined &&
    state.identity.identity.isRoot &&
    !blockedBy(state.identity)
  );
}

function offersMfa(id: SignedInIdentity | undefined): boolean {
  return id !== undefined && id.identity.principalType === 'iam-user' && !id.mfa && !blockedBy(id);
}

/** Wipe the pasted secrets; the access key ID is not secret and stays for a retry. */
function wipeKeys(k: SignInState['keys'], wiped: boolean): SignInState['keys'] {
  return { ...k, secretAccessKey: textField('', true), sessionToken: textField('', true), wiped };
}

/** Another phase: the last notice goes with the phase it was about. */
function go(state: SignInState, phase: SignInPhase): SignInState {
  return { ...state, phase, notice: undefined };
}

function emit(state: SignInState, intent: SignInIntent): KeyOutcome<SignInState, SignInIntent> {
  return { state: { ...state, origin: state.phase, notice: undefined }, intent };
}

function clampTo(n: number, length: number): number {
  return Math.max(0, Math.min(Math.max(0, length - 1), n));
}

/** Cursor movement in a list: arrows, j/k (several at once when typed fast), pages, Home/End. */
function listKey(press: KeyPress, cursor: number, length: number): number | undefined {
  const name = keyName(press);
  if (name === 'pageup') return clampTo(cursor - PAGE, length);
  if (name === 'pagedown') return clampTo(cursor + PAGE, length);
  if (name === 'home') return 0;
  if (name === 'end') return clampTo(length - 1, length);
  const text = keyText(press);
  if (text !== undefined && text.length > 1 && /^[jk]+$/.test(text)) {
    let at = cursor;
    for (const ch of text) at = clampTo(at + (ch === 'j' ? 1 : -1), length);
    return at;
  }
  const move = listMove(press);
  return move ? clampTo(cursor + move, length) : undefined;
}

/** Tab, Down and Up move between a form's fields; Enter moves on too (the last field submits). */
function formFocus(press: KeyPress, focus: number, count: number): number | undefined {
  const name = keyName(press);
  if (name === 'tab' || name === 'down') return (focus + 1) % count;
  if (name === 'up') return (focus + count - 1) % count;
  return undefined;
}

export function signInKey(state: SignInState, press: KeyPress): KeyOutcome<SignInState, SignInIntent> {
  const name = keyName(press);
  if (name === 'ctrl-c') return { state };
  switch (state.phase) {
    case 'methods':
      return methodsKey(state, press);
    case 'profiles': {
      if (name === 'escape') return { state: go(state, 'methods') };
      const moved = listKey(press, state.profileCursor, state.profiles.length);
      if (moved !== undefined) return { state: { ...state, profileCursor: moved } };
      const profile = state.profiles[state.profileCursor];
      if (name === 'enter' && profile !== undefined)
        return emit(state, { kind: 'sign-in', method: 'profile', profile });
      return { state };
    }
    case 'keys':
      return keysKey(state, press);
    case 'sso':
      return ssoKey(state, press);
    case 'sso-wait':
      if (name === 'escape')
        return {
          state: { ...go(state, 'sso'), sso: { ...state.sso, prompt: undefined }, origin: undefined },
          intent: { kind: 'sso-cancel' },
        };
      return { state };
    case 'sso-accounts': {
      if (name === 'escape')
        return {
          state: { ...go(state, 'sso'), sso: { ...state.sso, choices: [], cursor: 0 }, origin: undefined },
          intent: { kind: 'sso-cancel' },
        };
      const moved = listKey(press, state.sso.cursor, state.sso.choices.length);
      if (moved !== undefined) return { state: { ...state, sso: { ...state.sso, cursor: moved } } };
      const choice = state.sso.choices[state.sso.cursor];
      if (name === 'enter' && choice)
        return emit(state, { kind: 'sso-pick', accountId: choice.accountId, roleName: choice.roleName });
      return { state };
    }
    case 'busy': {
      if (name !== 'escape') return { state };
      // Stop waiting: back where the work started. An Identity Center sign-in is cancelled for real.
      const from = state.origin ?? 'methods';
      const back: SignInState = {
        ...go(state, from === 'sso-accounts' || from === 'sso' ? 'sso' : from),
        busy: undefined,
        origin: undefined,
      };
      if (from === 'sso' || from === 'sso-accounts')
        return {
          state: { ...back, sso: { ...back.sso, prompt: undefined, choices: [], cursor: 0 } },
          intent: { kind: 'sso-cancel' },
        };
      return {
        state: {
          ...back,
          notice: { tone: 'info', text: 'Stopped waiting. The last attempt may still finish in the background.' },
        },
      };
    }
    case 'identity':
      return identityKey(state, press);
    case 'mfa':
      return mfaKey(state, press);
  }
}

function methodsKey(state: SignInState, press: KeyPress): KeyOutcome<SignInState, SignInIntent> {
  const name = keyName(press);
  if (name === 'escape') return { state: { ...state, notice: undefined }, intent: { kind: 'back' } };
  const moved = listKey(press, state.methodCursor, METHOD_COUNT);
  if (moved !== undefined) return { state: { ...state, methodCursor: moved, notice: undefined } };
  if (name !== 'enter') return { state };
  switch (state.methodCursor) {
    case 0:
      if (state.currentLabel === undefined) {
        return {
          state: {
            ...state,
            notice: {
              tone: 'error',
              text: 'No current credentials were found: no access keys in the environment and no default profile.',
              next: 'Choose a profile, paste access keys, or use IAM Identity Center.',
            },
          },
        };
      }
      return emit(state, { kind: 'sign-in', method: 'current' });
    case 1:
      return {
        state: { ...go(state, 'profiles'), profileCursor: clampTo(state.profileCursor, state.profiles.length) },
      };
    case 2: {
      const k = state.keys;
      return {
        state: {
          ...go(state, 'keys'),
          keys: { ...wipeKeys(k, false), focus: k.accessKeyId.value ? 1 : 0, attempted: false },
        },
      };
    }
    default: {
      const s = state.sso;
      const focus = s.startUrl.value && !s.region.value ? 1 : 0;
      return {
        state: {
          ...go(state, 'sso'),
          sso: { ...s, focus, attempted: false, prompt: undefined, choices: [], cursor: 0 },
        },
      };
    }
  }
}

const KEY_FIELDS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

function keysKey(state: SignInState, press: KeyPress): KeyOutcome<SignInState, SignInIntent> {
  const k = state.keys;
  const name = keyName(press);
  if (name === 'escape')
    return { state: { ...go(state, 'methods'), keys: { ...wipeKeys(k, false), focus: 0, attempted: false } } };
  const focus = formFocus(press, k.focus, KEY_FIELDS.length);
  if (focus !== undefined) return { state: { ...state, keys: { ...k, focus } } };
  if (name === 'enter') {
    if (k.focus < KEY_FIELDS.length - 1) return { state: { ...state, keys: { ...k, focus: k.focus + 1 } } };
    if (!keysValid(k)) {
      const checks = [
        accessKeyIdCheck(k.accessKeyId.value, true),
        secretCheck(k.secretAccessKey.value, true),
        sessionTokenCheck(k.accessKeyId.value, k.sessionToken.value, true),
      ];
      return { state: { ...state, keys: { ...k, attempted: true, focus: Math.max(0, checks.findIndex(isError)) } } };
    }
    const token = k.sessionToken.value.trim();
    const intent: SignInIntent = {
      kind: 'sign-in',
      method: 'keys',
      accessKeyId: k.accessKeyId.value.trim(),
      secretAccessKey: k.secretAccessKey.value.trim(),
      ...(token ? { sessionToken: token } : {}),
    };
    // The secrets leave the state in the same step as they leave the screen.
    return emit({ ...state, keys: { ...wipeKeys(k, true), focus: 1, attempted: false } }, intent);
  }
  const field = KEY_FIELDS[k.focus] ?? 'accessKeyId';
  const edited = editText(k[field], press);
  if (!edited) return { state };
  return { state: { ...state, keys: { ...k, [field]: edited, ...(field !== 'accessKeyId' ? { wiped: false } : {}) } } };
}

function ssoKey(state: SignInState, press: KeyPress): KeyOutcome<SignInState, SignInIntent> {
  const s = state.sso;
  const name = keyName(press);
  if (name === 'escape') return { state: { ...go(state, 'methods'), sso: { ...s, attempted: false } } };
  const focus = formFocus(press, s.focus, 2);
  if (focus !== undefined) return { state: { ...state, sso: { ...s, focus } } };
  if (name === 'enter') {
    if (s.focus === 0) return { state: { ...state, sso: { ...s, focus: 1 } } };
    const checks = [startUrlCheck(s.startUrl.value, true), regionCheck(s.region.value, true)];
    if (checks.some(isError))
      return { state: { ...state, sso: { ...s, attempted: true, focus: Math.max(0, checks.findIndex(isError)) } } };
    return emit(state, { kind: 'sso-start', startUrl: s.startUrl.value.trim(), region: s.region.value.trim() });
  }
  const field = s.focus === 0 ? 'startUrl' : 'region';
  const edited = editText(s[field], press);
  return edited ? { state: { ...state, sso: { ...s, [field]: edited } } } : { state };
}

function identityKey(state: SignInState, press: KeyPress): KeyOutcome<SignInState, SignInIntent> {
  const name = keyName(press);
  const id = state.identity;
  if (name === 'escape') return { state: go(state, 'methods') };
  if (!id || blockedBy(id)) return { state };
  if (needsConsent(state)) {
    if (name === 'enter') {
      if (state.consent.value.trim().toLowerCase() === 'yes')
        return emit({ ...state, accepted: true }, { kind: 'continue', allowRoot: true });
      return {
        state: {
          ...state,
          notice: {
            tone: 'warning',
            text: 'To continue as the root user, type yes in the consent field and press Enter.',
            next: 'Or press Esc to sign in as an administrator instead.',
          },
        },
      };
    }
    const consent = editText(state.consent, press);
    return consent ? { state: { ...state, consent, notice: undefined } } : { state };
  }
  if (name === 'enter') return emit({ ...state, accepted: true }, { kind: 'continue', allowRoot: false });
  if (keyText(press) === 'm' && offersMfa(id)) {
    const serial = state.mfa.serial.value ? state.mfa.serial : textField(id.mfaSerialSuggestion ?? '');
    return {
      state: { ...go(state, 'mfa'), mfa: { serial, code: textField(), focus: serial.value ? 1 : 0, attempted: false } },
    };
  }
  return { state };
}

function mfaKey(state: SignInState, press: KeyPress): KeyOutcome<SignInState, SignInIntent> {
  const m = state.mfa;
  const name = keyName(press);
  if (name === 'escape')
    return { state: { ...go(state, 'identity'), mfa: { ...m, code: textField(), attempted: false } } };
  const focus = formFocus(press, m.focus, 2);
  if (focus !== undefined) return { state: { ...state, mfa: { ...m, focus } } };
  if (name === 'enter') {
    if (m.focus === 0) return { state: { ...state, mfa: { ...m, focus: 1 } } };
    const checks = [mfaSerialCheck(m.serial.value, true), mfaCodeCheck(m.code.value, true)];
    if (checks.some(isError))
      return { state: { ...state, mfa: { ...m, attempted: true, focus: Math.max(0, checks.findIndex(isError)) } } };
    // A one-time code is spent once sent: clear it with the intent, like the keys.
    return emit(
      { ...state, mfa: { ...m, code: textField(), attempted: false } },
      { kind: 'mfa', serial: m.serial.value.trim(), code: m.code.value },
    );
  }
  const field = m.focus === 0 ? 'serial' : 'code';
  const edited = editText(m[field], press);
  return edited ? { state: { ...state, mfa: { ...m, [field]: edited } } } : { state };
}

// ---------------------------------------------------------------------------------------------
// Events.

export function signInEvent(state: SignInState, event: SignInEvent): SignInState {
  switch (event.kind) {
    case 'busy':
      return {
        ...state,
        phase: 'busy',
        busy: event.message,
        notice: undefined,
        origin: state.origin ?? (state.phase === 'busy' ? 'methods' : state.phase),
      };
    case 'sso-prompt': {
      const { verificationUri, verificationUriComplete, userCode, expiresAt } = event;
      return {
        ...state,
        phase: 'sso-wait',
        busy: undefined,
        notice: undefined,
        origin: 'sso',
        sso: { ...state.sso, prompt: { verificationUri, verificationUriComplete, userCode, expiresAt } },
      };
    }
    case 'sso-accounts': {
      const choices = event.accounts.flatMap((a) =>
        a.roles.map((roleName) => ({ accountId: a.accountId, accountName: a.accountName, roleName })),
      );
      return {
        ...state,
        phase: 'sso-accounts',
        busy: undefined,
        notice: undefined,
        origin: 'sso',
        sso: { ...state.sso, prompt: undefined, choices, cursor: 0 },
      };
    }
    case 'signed-in': {
      const result = event.result;
      const serial = state.mfa.serial.value ? state.mfa.serial : textField(result.mfaSerialSuggestion ?? '');
      return {
        ...state,
        phase: 'identity',
        identity: result,
        accepted: false,
        consent: textField(),
        busy: undefined,
        origin: undefined,
        notice: undefined,
        keys: { ...wipeKeys(state.keys, false), attempted: false },
        sso: { ...state.sso, prompt: undefined },
        mfa: { ...state.mfa, serial, code: textField(), attempted: false },
      };
    }
    case 'failed': {
      const back = state.origin ?? (state.phase === 'busy' || state.phase === 'sso-wait' ? 'methods' : state.phase);
      const phase = back === 'busy' || back === 'sso-wait' ? 'sso' : back;
      return {
        ...state,
        phase,
        busy: undefined,
        origin: undefined,
        notice: { tone: 'error', text: event.message, ...(event.next ? { next: event.next } : {}) },
        sso: phase === 'sso' ? { ...state.sso, prompt: undefined } : state.sso,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing. Lines carry a priority, so that a short terminal loses spacing and detail first and
// never the essentials (the root banner, the Identity Center URL and code, the focused field).

interface Line {
  s: string;
  /** 0 spacing, 1 detail, 2 essential. */
  k: 0 | 1 | 2;
}

const blank: Line = { s: '', k: 0 };

function para(text: string, width: number, p: Palette, style = '', k: 0 | 1 | 2 = 1, indent = 0): Line[] {
  const pad = ' '.repeat(indent);
  return wrap(text, Math.max(1, width - indent)).map((l) => ({
    s: styledLine([{ text: pad + l, ...(style ? { style } : {}) }], '', p),
    k,
  }));
}

function title(text: string, width: number, p: Palette): Line {
  return { s: styledLine([{ text: clip(text, width), style: p.bold }], '', p), k: 2 };
}

function noticeLines(notice: Notice | undefined, width: number, p: Palette): Line[] {
  if (!notice) return [];
  const style =
    notice.tone === 'error' ? p.error : notice.tone === 'warning' ? p.warning : notice.tone === 'ok' ? p.ok : '';
  return [
    ...para(notice.text, width, p, style, 2),
    ...(notice.next ? para(`Next step: ${notice.next}`, width, p, '', 2) : []),
    blank,
  ];
}

function listRow(text: string, selected: boolean, width: number, p: Palette): Line {
  if (selected) return { s: styledLine([{ text: fit(`> ${text}`, width) }], p.inverse, p), k: 2 };
  return { s: clip(`  ${text}`, width), k: 2 };
}

/** Rows `top..top+rows` of a list of `length`, keeping the cursor in view (centred when scrolled). */
function windowOf(cursor: number, length: number, rows: number): { top: number; end: number } {
  const size = Math.max(1, rows);
  const top = Math.max(0, Math.min(cursor - Math.floor(size / 2), length - size));
  return { top, end: Math.min(length, top + size) };
}

/** Keep the last characters: the end of a long value is where the operator is typing. */
function tail(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? (width === 1 ? '…' : `…${text.slice(text.length - width + 1)}`) : text;
}

function fieldLines(
  label: string,
  field: TextField,
  focused: boolean,
  labelWidth: number,
  width: number,
  p: Palette,
  check: Check | undefined,
  placeholder = '',
): Line[] {
  const lead = `${focused ? '> ' : '  '}${label.padEnd(labelWidth)}  `;
  const narrow = lead.length + 12 > width;
  const head = narrow ? clip(lead.trimEnd(), width) : lead;
  const valueWidth = narrow ? width - 4 : width - lead.length;
  const n = field.value.length;
  let segments: Segment[];
  if (n === 0) {
    segments = [{ text: focused ? '▏' : '' }, { text: clip(placeholder, Math.max(0, valueWidth - 1)), style: p.dim }];
  } else if (field.masked) {
    // Bullets only, and how many characters arrived, so a paste can be checked without showing it.
    const count = `  ${n} characters`;
    const room = valueWidth - count.length >= 6 ? valueWidth - count.length : valueWidth;
    segments = [
      { text: focused ? shownWindow(field, room) : tail(shownText(field, false), room) },
      { text: room < valueWidth ? count : '', style: p.dim },
    ];
  } else {
    segments = [{ text: focused ? shownWindow(field, valueWidth) : tail(shownText(field, false), valueWidth) }];
  }
  const out: Line[] = [];
  const headSeg: Segment = { text: head, ...(focused ? { style: p.bold } : {}) };
  if (narrow) {
    out.push({ s: styledLine([headSeg], '', p), k: 2 });
    out.push({ s: styledLine([{ text: '    ' }, ...segments], '', p), k: 2 });
  } else {
    out.push({ s: styledLine([headSeg, ...segments], '', p), k: 2 });
  }
  if (check) {
    const indent = narrow ? 4 : lead.length;
    const style = check.tone === 'error' ? p.error : check.tone === 'hint' ? p.dim : p.accent;
    out.push(...para(check.text, width, p, style, check.tone === 'error' ? 2 : 1, indent));
  }
  return out;
}

const PRINCIPAL_WORDS: Record<PrincipalType, string> = {
  root: 'ROOT USER',
  'iam-user': 'IAM user',
  'assumed-role': 'role session',
  'federated-user': 'federated user',
  other: 'other principal',
};

function organizationText(org: WhoamiResult['organization']): string {
  switch (org.role) {
    case 'management':
      return `management account of ${org.id ?? 'its organization'}: it will be adopted`;
    case 'none':
      return 'not in an organization: bootstrap will create one with this account as management';
    case 'member':
      return `member of ${org.id ?? 'an organization'} (management account ${org.managementAccountId ?? 'unknown'})`;
    case 'unknown':
      return `unknown: ${org.reason ?? 'the organization could not be read'}`;
  }
}

/** "Label         value", the value wrapped under itself (an ARN is one long word). */
function detailLines(label: string, value: string, width: number, p: Palette, style = ''): Line[] {
  const labelWidth = 15;
  if (width < labelWidth + 16) return [...para(`${label}:`, width, p, p.dim, 1), ...para(value, width, p, style, 1, 2)];
  const rest = wrap(value, width - labelWidth);
  return rest.map((l, i) => ({
    s: styledLine(
      [
        { text: i === 0 ? label.padEnd(labelWidth) : ' '.repeat(labelWidth), style: p.dim },
        { text: l, ...(style ? { style } : {}) },
      ],
      '',
      p,
    ),
    k: 1,
  }));
}

function rootBannerText(account: string): string {
  return (
    `ROOT USER: you are signed in as the root user of account ${account}. ` +
    'The root user cannot be restricted by IAM policies or by SCPs: every action is allowed. ' +
    'Use it only for a brand-new account that has no other identity yet. ' +
    'Afterwards, create an administrator role or an IAM Identity Center user for daily work, and lock the root user away with MFA.'
  );
}

function identityLines(state: SignInState, width: number, p: Palette): Line[] {
  const id = state.identity;
  if (!id) return [...para('Not signed in yet. Press Esc to choose how to sign in.', width, p, '', 2)];
  const who = id.identity;
  const out: Line[] = [title('Who you are', width, p)];
  out.push(...detailLines('Account', who.account, width, p));
  out.push(...detailLines('ARN', who.arn, width, p));
  out.push(...detailLines('Principal', PRINCIPAL_WORDS[who.principalType], width, p, who.isRoot ? p.error : ''));
  out.push(...detailLines('Signed in via', id.via, width, p));
  out.push(...detailLines('MFA', id.mfa ? 'yes' : offersMfa(id) ? 'no (press m to add an MFA code)' : 'no', width, p));
  out.push(...detailLines('Organization', organizationText(who.organization), width, p));
  const blocked = blockedBy(id);
  if (blocked === 'member') {
    const org = who.organization;
    const mgmt = org.managementAccountId ?? 'of your organization';
    out.push(blank);
    out.push(
      ...para(
        `STOP: account ${who.account} is a member of ${org.id ?? 'an organization'}. Only the management account can create accounts, OUs and SCPs. ` +
          `Sign in to the management account ${mgmt} instead: press Esc to sign in differently.`,
        width,
        p,
        p.error,
        2,
      ),
    );
    return out;
  }
  if (blocked === 'unknown') {
    out.push(blank);
    out.push(
      ...para(
        `STOP: cannot tell whether account ${who.account} is in an organization (${who.organization.reason ?? 'no reason given'}). ` +
          'Bootstrap must know whether to adopt an organization or create one. ' +
          'Sign in with an identity allowed to call organizations:DescribeOrganization: press Esc to sign in differently.',
        width,
        p,
        p.error,
        2,
      ),
    );
    return out;
  }
  if (who.isRoot) {
    out.push(blank);
    // Spelled out and wrapped, never cut: the alarm style is not the only signal (NO_COLOR).
    for (const l of wrap(rootBannerText(who.account), Math.max(1, width - 2)))
      out.push({ s: styledLine([{ text: fit(` ${l}`, width) }], p.alarm, p), k: 2 });
    out.push(blank);
    out.push(...para('Type yes and press Enter to continue as the root user.', width, p, p.bold, 2));
    out.push(...fieldLines('Consent', state.consent, true, 7, width, p, undefined, 'type yes'));
    return out;
  }
  const warning = breakGlassWarning(who);
  if (warning)
    out.push(blank, { s: styledLine([{ text: clip(`! ${warning}`, width), style: p.warning }], '', p), k: 2 });
  out.push(
    blank,
    ...para(
      state.accepted ? 'Accepted. Press Enter to go on again.' : 'Press Enter to continue with this identity.',
      width,
      p,
      '',
      2,
    ),
  );
  return out;
}

function methodRows(state: SignInState): string[] {
  const n = state.profiles.length;
  return [
    `Current credentials — ${state.currentLabel ?? 'none found (no keys in the environment, no default profile)'}`,
    `A profile from ~/.aws/config — ${n === 0 ? 'no profiles found' : `${n} profile${n === 1 ? '' : 's'}`}`,
    'Paste access keys (masked)',
    'IAM Identity Center — device sign-in',
  ];
}

function expiryText(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  if (left <= 0) return 'the code has expired: press Esc and start again';
  const minutes = Math.round(left / 60_000);
  return minutes < 1 ? 'code expires in under a minute' : `code expires in ${minutes} min`;
}

function bodyLines(state: SignInState, width: number, height: number, now: number, p: Palette): Line[] {
  const top = noticeLines(state.notice, width, p);
  switch (state.phase) {
    case 'methods': {
      const out = [...top, title('How do you want to sign in?', width, p)];
      out.push(
        ...para(
          'Break-glass sign-in: bootstrap needs full access to the management account, or to a new account that will become it.',
          width,
          p,
          p.dim,
        ),
      );
      out.push(blank);
      methodRows(state).forEach((row, i) => {
        out.push(listRow(row, i === state.methodCursor, width, p));
      });
      if (state.identity)
        out.push(
          blank,
          ...para(
            `Signed in as ${state.identity.identity.arn} (${state.identity.via}). Choose a method to sign in differently.`,
            width,
            p,
            p.dim,
          ),
        );
      return out;
    }
    case 'profiles': {
      const n = state.profiles.length;
      const out = [...top, title(n ? `Choose a profile (${n})` : 'No profiles found', width, p)];
      if (!n) {
        out.push(
          ...para(
            'Profiles are the [profile name] sections of the AWS config file: the file AWS_CONFIG_FILE names, or ~/.aws/config. Add one there (for example with `aws configure --profile admin`), or press Esc and choose another way to sign in.',
            width,
            p,
            '',
            2,
          ),
        );
        return out;
      }
      const rows = height - out.length;
      const { top: first, end } = windowOf(state.profileCursor, n, rows);
      for (let i = first; i < end; i++) out.push(listRow(state.profiles[i]!, i === state.profileCursor, width, p));
      return out;
    }
    case 'keys': {
      const k = state.keys;
      const out = [...top, title('Paste access keys', width, p)];
      out.push(...para('Secrets are masked, never shown, and forgotten once used.', width, p, p.dim));
      if (k.wiped && !k.secretAccessKey.value)
        out.push(
          ...para(
            'The secret access key and session token were cleared after the last attempt: paste them again.',
            width,
            p,
            p.accent,
            2,
          ),
        );
      out.push(blank);
      const w = 17;
      out.push(
        ...fieldLines(
          'Access key ID',
          k.accessKeyId,
          k.focus === 0,
          w,
          width,
          p,
          accessKeyIdCheck(k.accessKeyId.value, k.attempted),
          'AKIA… or ASIA…',
        ),
      );
      out.push(
        ...fieldLines(
          'Secret access key',
          k.secretAccessKey,
          k.focus === 1,
          w,
          width,
          p,
          secretCheck(k.secretAccessKey.value, k.attempted),
          'required',
        ),
      );
      const tokenHint = k.accessKeyId.value.trim().startsWith('ASIA')
        ? 'required for ASIA… keys'
        : 'only for temporary (ASIA…) keys';
      out.push(
        ...fieldLines(
          'Session token',
          k.sessionToken,
          k.focus === 2,
          w,
          width,
          p,
          sessionTokenCheck(k.accessKeyId.value, k.sessionToken.value, k.attempted),
          tokenHint,
        ),
      );
      return out;
    }
    case 'sso': {
      const s = state.sso;
      const out = [...top, title('IAM Identity Center: device sign-in', width, p)];
      out.push(
        ...para(
          'The start URL is your AWS access portal, e.g. https://d-1234567890.awsapps.com/start; the Region is where Identity Center runs.',
          width,
          p,
          p.dim,
        ),
      );
      out.push(blank);
      out.push(
        ...fieldLines(
          'Start URL',
          s.startUrl,
          s.focus === 0,
          10,
          width,
          p,
          startUrlCheck(s.startUrl.value, s.attempted),
          'https://…',
        ),
      );
      out.push(
        ...fieldLines(
          'SSO Region',
          s.region,
          s.focus === 1,
          10,
          width,
          p,
          regionCheck(s.region.value, s.attempted),
          'e.g. us-east-1',
        ),
      );
      return out;
    }
    case 'sso-wait': {
      const prompt = state.sso.prompt;
      const out = [...top, title('Approve the sign-in in your browser', width, p)];
      if (!prompt) return [...out, ...para('Waiting for IAM Identity Center…', width, p, '', 2)];
      out.push(...para('Open this URL:', width, p, '', 2));
      // The URL is cut at the full width, unindented and never truncated, so it can be copied.
      for (let i = 0; i < prompt.verificationUriComplete.length; i += width) {
        out.push({ s: styledLine([{ text: prompt.verificationUriComplete.slice(i, i + width) }], p.accent, p), k: 2 });
      }
      out.push(blank);
      out.push({
        s: styledLine(
          [{ text: 'Code: ' }, { text: clip(prompt.userCode, Math.max(1, width - 6)), style: p.bold }],
          '',
          p,
        ),
        k: 2,
      });
      out.push(...para('Check that the browser shows the same code before you approve.', width, p, p.dim));
      out.push(blank);
      out.push(
        ...para(`Waiting for you to approve in the browser… (${expiryText(prompt.expiresAt, now)})`, width, p, '', 2),
      );
      out.push(...para(`Or open ${prompt.verificationUri} and enter the code.`, width, p, p.dim));
      return out;
    }
    case 'sso-accounts': {
      const choices = state.sso.choices;
      const out = [
        ...top,
        title(choices.length ? `Choose an account and role (${choices.length})` : 'No accounts', width, p),
      ];
      if (!choices.length) {
        out.push(
          ...para(
            'This Identity Center user has no account assignments. Ask an administrator to assign you a permission set, or press Esc and sign in another way.',
            width,
            p,
            '',
            2,
          ),
        );
        return out;
      }
      const roleWidth = Math.min(28, Math.max(...choices.map((c) => c.roleName.length)));
      const { top: first, end } = windowOf(state.sso.cursor, choices.length, height - out.length);
      for (let i = first; i < end; i++) {
        const c = choices[i]!;
        out.push(
          listRow(`${c.roleName.padEnd(roleWidth)}  ${c.accountId} ${c.accountName}`, i === state.sso.cursor, width, p),
        );
      }
      return out;
    }
    case 'busy':
      return [...top, ...para(state.busy ?? 'Working…', width, p, p.accent, 2)];
    case 'identity':
      return [...top, ...identityLines(state, width, p)];
    case 'mfa': {
      const m = state.mfa;
      const out = [...top, title('Add an MFA code', width, p)];
      out.push(
        ...para(
          'Signs in again through STS GetSessionToken with your MFA device, for credentials that satisfy MFA conditions.',
          width,
          p,
          p.dim,
        ),
      );
      out.push(blank);
      out.push(
        ...fieldLines(
          'MFA device ARN',
          m.serial,
          m.focus === 0,
          14,
          width,
          p,
          mfaSerialCheck(m.serial.value, m.attempted),
          'arn:aws:iam::<account>:mfa/<name>',
        ),
      );
      out.push(
        ...fieldLines('Code', m.code, m.focus === 1, 14, width, p, mfaCodeCheck(m.code.value, m.attempted), '6 digits'),
      );
      return out;
    }
  }
}

/** Drop spacing, then detail, from the bottom up, until the lines fit; the essentials last. */
function fitHeight(lines: Line[], height: number): string[] {
  const kept = [...lines];
  for (const level of [0, 1] as const) {
    for (let i = kept.length - 1; i >= 0 && kept.length > height; i--) if (kept[i]!.k === level) kept.splice(i, 1);
  }
  return kept.slice(0, Math.max(0, height)).map((l) => l.s);
}

export function signInLines(state: SignInState, ctx: RenderContext & { now: number }): string[] {
  const width = Math.max(1, ctx.width);
  return fitHeight(bodyLines(state, width, ctx.height, ctx.now, ctx.palette), ctx.height);
}

// ---------------------------------------------------------------------------------------------
// Footer, help, and what the app reads back.

export function signInCapturesText(state: SignInState): boolean {
  return state.phase === 'keys' || state.phase === 'sso' || state.phase === 'mfa' || needsConsent(state);
}

export function signInHints(state: SignInState): string {
  switch (state.phase) {
    case 'methods':
      return '↑↓/jk move · Enter choose · Esc back · ? help';
    case 'profiles':
      return state.profiles.length ? '↑↓/jk move · Enter sign in · Esc back · ? help' : 'Esc back · ? help';
    case 'keys':
      return 'Tab/Enter next field · Enter on the last signs in · Esc back';
    case 'sso':
      return 'Tab/Enter next field · Enter on Region starts · Esc back';
    case 'sso-wait':
      return 'Approve in the browser · Esc cancel';
    case 'sso-accounts':
      return state.sso.choices.length ? '↑↓/jk move · Enter use this role · Esc cancel' : 'Esc back';
    case 'busy':
      return 'Working… · Esc stop waiting';
    case 'mfa':
      return 'Tab/Enter next field · Enter on Code submits · Esc back';
    case 'identity': {
      const id = state.identity;
      if (!id || blockedBy(id)) return 'Esc sign in differently · ? help';
      if (needsConsent(state)) return 'Type yes, Enter continue as root · Esc sign in differently';
      return offersMfa(id)
        ? 'Enter continue · m MFA · Esc sign in differently · ? help'
        : 'Enter continue · Esc sign in differently · ? help';
    }
  }
}

export function signInHelp(): string[] {
  return [
    'Sign-in',
    '',
    'Bootstrap needs full access to the management account of your organization,',
    'or to a standalone account that will become it. Choose how to sign in:',
    '  Current credentials  access keys in the environment, or the default profile',
    '  A profile            a [profile] section of ~/.aws/config (or AWS_CONFIG_FILE)',
    '  Access keys          paste key ID, secret and, for ASIA… keys, session token',
    '  IAM Identity Center  device sign-in: open the URL, approve, pick a role',
    '',
    'Keys',
    '  Up/Down, j/k         move in a list; PgUp/PgDn a page, Home/End first and last',
    '  Tab, Enter           next field of a form; Enter on the last field submits',
    '  Esc                  back; leaving the keys form clears the pasted secrets',
    '  m                    add an MFA code (an IAM user signed in without MFA)',
    '',
    'Secrets are masked, never drawn, and dropped from the screen state once used.',
    'The root user cannot be restricted by IAM or SCPs: it needs a typed yes.',
    'A member account cannot create accounts, OUs or SCPs: sign in to the management',
    'account of the organization instead.',
  ];
}

/** The identity the operator accepted (a continue was emitted for it), if any. */
export function signedIn(state: SignInState): SignedInIdentity | undefined {
  return state.accepted ? state.identity : undefined;
}
