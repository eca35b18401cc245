/**
 * `awsorg login`: sign in once, then every awsorg command (and the AWS CLI, for Identity Center)
 * uses that sign-in until it expires.
 *
 * - `--sso`: the IAM Identity Center device flow. The token goes to the cache the AWS CLI and
 *   the SDKs share (~/.aws/sso/cache); a valid token there is reused, an expiring one renewed.
 *   awsorg's settings keep only the start URL, region and session name.
 * - `--mfa-serial`: an STS GetSessionToken session made with the long-term access keys and an
 *   MFA code, cached privately and used as the base credentials until it expires.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import {
  awsConfigPath,
  awsCredentialsPath,
  parseIni,
  profileSettings,
  profileSso,
  readAwsConfig,
} from '../aws/aws-config-file.js';
import { baseSignIn, describeBase } from '../aws/base-signin.js';
import { mfaSessionKey } from '../aws/credentials.js';
import { isRefreshable, readSsoToken, SSO_EXPIRY_WINDOW_MS, type SsoSessionRef } from '../aws/sso-token-cache.js';
import { checkCacheDirsSync } from '../core/cache-dirs.js';
import { writeCachedCredentials } from '../core/credential-cache.js';
import { createDeps, type Deps } from '../aws/deps.js';
import { AwsCallError, CancelledError, CredentialsError, ExitCode, UsageError } from '../core/errors.js';
import { readSettings, updateSettings } from '../core/settings.js';
import { parseDeclared, usageText } from './declare.js';
import { login as LOGIN } from './declarations.js';
import { parseRegion } from './operator-args.js';

export const usage = usageText(LOGIN);

export type LoginMode =
  | { kind: 'auto' }
  | { kind: 'sso'; startUrl?: string; region?: string; sessionName?: string; force: boolean }
  | { kind: 'mfa'; serial: string; code?: string; durationSeconds: number };

export interface LoginOptions {
  profile?: string;
  json: boolean;
  mode: LoginMode;
}

const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;
const MFA_CODE = /^\d{6}$/;
const SESSION_NAME = /^[^\s[\]]+$/;
const DEFAULT_MFA_SECONDS = 12 * 3600;

export function parse(argv: string[]): LoginOptions {
  const { values } = parseDeclared(argv, LOGIN, LOGIN.flags);
  const ssoFlags = ['start-url', 'sso-region', 'session-name'].filter(
    (f) => values[f as keyof typeof values] !== undefined,
  );
  if (values.force) ssoFlags.push('force');
  const wantsSso = Boolean(values.sso) || ssoFlags.length > 0;
  const mfaFlags = ['code', 'duration'].filter((f) => values[f as keyof typeof values] !== undefined);
  const profile = values.profile === undefined ? {} : { profile: checkedProfile(values.profile) };
  if (values['mfa-serial'] === undefined && mfaFlags.length) {
    throw new UsageError(
      `--${mfaFlags[0]} goes with --mfa-serial`,
      'Add --mfa-serial ARN (your MFA device), e.g. awsorg login --mfa-serial arn:aws:iam::123456789012:mfa/alice --code 123456.',
    );
  }
  if (values['mfa-serial'] !== undefined) {
    if (wantsSso) {
      throw new UsageError(
        '--mfa-serial cannot be combined with --sso or its flags',
        'Sign in one way at a time: --sso for IAM Identity Center, --mfa-serial for an MFA session of your access keys.',
      );
    }
    const serial = values['mfa-serial'];
    if (!MFA_SERIAL.test(serial)) {
      throw new UsageError(
        `--mfa-serial "${serial}" is not an MFA device ARN or serial number`,
        'Give the device ARN, e.g. --mfa-serial arn:aws:iam::123456789012:mfa/alice (IAM console > Security credentials).',
      );
    }
    if (values.code !== undefined && !MFA_CODE.test(values.code)) {
      throw new UsageError(
        `--code "${values.code}" is not a 6-digit MFA code`,
        'Pass the 6 digits your MFA device shows now, e.g. --code 123456.',
      );
    }
    const durationSeconds = values.duration === undefined ? DEFAULT_MFA_SECONDS : parseSessionDuration(values.duration);
    return {
      ...profile,
      json: Boolean(values.json),
      mode: { kind: 'mfa', serial, ...(values.code !== undefined ? { code: values.code } : {}), durationSeconds },
    };
  }
  if (!wantsSso) return { ...profile, json: Boolean(values.json), mode: { kind: 'auto' } };
  const startUrl = values['start-url'];
  if (startUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(startUrl)) {
    throw new UsageError(
      `--start-url "${startUrl}" is not a URL`,
      'Give the AWS access portal URL, e.g. --start-url https://d-1234567890.awsapps.com/start.',
    );
  }
  const region = values['sso-region'] === undefined ? undefined : parseRegion(values['sso-region'], '--sso-region');
  if (region !== undefined && startUrl === undefined) {
    throw new UsageError(
      '--sso-region goes with --start-url',
      'Give both, e.g. --start-url https://d-1234567890.awsapps.com/start --sso-region eu-west-1.',
    );
  }
  const sessionName = values['session-name'];
  if (sessionName !== undefined && !SESSION_NAME.test(sessionName)) {
    throw new UsageError(
      `--session-name "${sessionName}" is not a valid sso-session name`,
      'Use a name without spaces or brackets, e.g. --session-name corp.',
    );
  }
  return {
    ...profile,
    json: Boolean(values.json),
    mode: {
      kind: 'sso',
      force: Boolean(values.force),
      ...(startUrl ? { startUrl } : {}),
      ...(region ? { region } : {}),
      ...(sessionName ? { sessionName } : {}),
    },
  };
}

function checkedProfile(name: string): string {
  if (!/^[^\s[\]]+$/.test(name))
    throw new UsageError(
      `--profile "${name}" is not a profile name`,
      'Give a profile name from ~/.aws/config, e.g. --profile admin.',
    );
  return name;
}

/** "12h", "90m", "1h30m", "3600s" or plain seconds, within GetSessionToken's 15 min .. 36 h. */
export function parseSessionDuration(text: string): number {
  const trimmed = text.trim();
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/i.exec(trimmed);
  const seconds = /^\d+$/.test(trimmed)
    ? Number(trimmed)
    : m && trimmed
      ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)
      : undefined;
  if (seconds === undefined)
    throw new UsageError(`--duration "${text}" is not a duration`, 'Write it like 12h, 90m, 1h30m or 3600 (seconds).');
  if (seconds < 900 || seconds > 129_600) {
    throw new UsageError(
      `--duration ${text} is outside what GetSessionToken allows (15m to 36h)`,
      'Pick a duration between 15m and 36h (the root user is limited to 1h).',
    );
  }
  return seconds;
}

export async function run(opts: LoginOptions, deps: Deps): Promise<number> {
  const d = opts.profile ? withProfile(deps, opts.profile) : deps;
  let mode = opts.mode;
  if (mode.kind === 'auto') {
    const base = baseSignIn(d.env, readSettings(d.paths));
    if (base.kind !== 'sso') {
      throw new UsageError(
        `say how to sign in: the current base sign-in is ${describeBase(base)}`,
        'Use `awsorg login --sso` for IAM Identity Center, or `awsorg login --mfa-serial ARN` for an MFA session of your access keys.',
      );
    }
    mode = { kind: 'sso', force: false };
  }
  return mode.kind === 'sso' ? ssoLogin(d, mode, opts.json) : mfaLogin(d, mode, opts.json);
}

/** The same deps, with AWS_PROFILE selected the way --profile selects it for the AWS CLI. */
function withProfile(deps: Deps, profile: string): Deps {
  const config = readAwsConfig(deps.env);
  const credentialsFile = awsCredentialsPath(deps.env);
  let inCredentials = false;
  try {
    inCredentials = parseIni(readFileSync(credentialsFile, 'utf8')).has(profile);
  } catch {
    // No credentials file.
  }
  if (!profileSettings(config, profile) && !inCredentials) {
    throw new UsageError(
      `profile "${profile}" is not in ${awsConfigPath(deps.env)} or ${credentialsFile}`,
      'Check the name (`aws configure list-profiles`), or create the profile first.',
    );
  }
  // An explicit profile wins over access keys in the environment, as it does for the AWS CLI.
  const env = {
    ...deps.env,
    AWS_PROFILE: profile,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
  };
  return createDeps({ ...deps, env, aws: undefined });
}

type SsoAction = 'reused' | 'refreshed' | 'signed-in';

async function ssoLogin(deps: Deps, mode: Extract<LoginMode, { kind: 'sso' }>, json: boolean): Promise<number> {
  const target = ssoTarget(deps, mode);
  const now = deps.clock.now();
  const lookup = readSsoToken(deps.env, target);
  let action: SsoAction | undefined;
  let expiresAt: string | undefined;
  if (lookup.kind === 'invalid')
    deps.stderr.write(`awsorg: ignoring the cached token ${lookup.file}: ${lookup.reason}\n`);
  if (lookup.kind === 'found' && !mode.force) {
    if (lookup.expiresAtMs - now > SSO_EXPIRY_WINDOW_MS) {
      action = 'reused';
      expiresAt = lookup.token.expiresAt;
    } else if (isRefreshable(lookup.token, now)) {
      const { refreshSsoToken } = await import('../aws/sso-oidc.js');
      const renewed = await refreshSsoToken(deps, target, lookup.token);
      if (renewed) {
        action = 'refreshed';
        expiresAt = renewed.expiresAt;
      }
    }
  }
  if (!action) {
    const { deviceFlowSignIn } = await import('../aws/sso-oidc.js');
    const token = await deviceFlowSignIn(deps, target, {
      onPrompt: (p) =>
        deps.stderr.write(
          [
            `To sign in to IAM Identity Center at ${target.startUrl}, open this URL in a browser:`,
            '',
            `  ${p.verificationUriComplete}`,
            '',
            `and check that the page shows the code ${p.userCode}.`,
            `Waiting for approval (the code expires at ${new Date(p.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z')}; Ctrl-C cancels)...`,
            '',
          ].join('\n'),
        ),
    });
    action = 'signed-in';
    expiresAt = token.expiresAt;
  }
  await rememberSso(deps, target);
  warnIfShadowed(deps, target);
  const where = `IAM Identity Center at ${target.startUrl} (${target.sessionName ? `sso-session ${target.sessionName}, ` : ''}region ${target.region})`;
  if (json) {
    deps.stdout.write(
      JSON.stringify(
        {
          kind: 'sso',
          action,
          startUrl: target.startUrl,
          region: target.region,
          ...(target.sessionName ? { sessionName: target.sessionName } : {}),
          expiresAt,
        },
        null,
        2,
      ) + '\n',
    );
  } else if (action === 'reused') {
    deps.stdout.write(`Already signed in to ${where} until ${expiresAt}. Use --force to sign in again.\n`);
  } else {
    deps.stdout.write(
      `${action === 'refreshed' ? 'Renewed the sign-in to' : 'Signed in to'} ${where} until ${expiresAt}.\n`,
    );
  }
  return ExitCode.ok;
}

/**
 * Which Identity Center to sign in to: the flags, else the selected profile's sso settings, else
 * awsorg's saved settings, else the default profile's. (A selected profile comes before the
 * saved settings because it is what every later command will use; see base-signin.ts.)
 */
function ssoTarget(deps: Deps, mode: Extract<LoginMode, { kind: 'sso' }>): SsoSessionRef {
  const config = readAwsConfig(deps.env);
  const fromProfile = deps.env.AWS_PROFILE ? profileSso(config, deps.env.AWS_PROFILE) : undefined;
  const saved = readSettings(deps.paths).sso;
  const known = fromProfile ?? saved ?? profileSso(config, 'default');
  const sessionName =
    mode.sessionName ??
    (mode.startUrl === undefined || mode.startUrl === known?.startUrl ? known?.sessionName : undefined);
  if (mode.startUrl) {
    const region = mode.region ?? (known?.startUrl === mode.startUrl ? known.region : undefined);
    if (!region) {
      throw new UsageError(
        '--start-url needs --sso-region',
        'Add --sso-region, the region where IAM Identity Center is enabled, e.g. --sso-region eu-west-1.',
      );
    }
    return { startUrl: mode.startUrl, region, ...(sessionName ? { sessionName } : {}) };
  }
  if (!known) {
    throw new UsageError(
      'no IAM Identity Center start URL is configured',
      'Give it once with --start-url URL --sso-region REGION (awsorg remembers it), or select a profile with sso_session or sso_start_url (--profile P).',
    );
  }
  return { startUrl: known.startUrl, region: known.region, ...(sessionName ? { sessionName } : {}) };
}

/** Access keys or AWS_PROFILE in the environment come before the saved sign-in; say so. */
function warnIfShadowed(deps: Deps, target: SsoSessionRef): void {
  const effective = baseSignIn(deps.env, readSettings(deps.paths));
  if (effective.kind === 'sso' && effective.sso.startUrl === target.startUrl) return;
  const unset = effective.kind === 'env' ? 'unset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' : 'unset AWS_PROFILE';
  deps.stderr.write(
    `awsorg: note: commands in this environment still sign in with ${describeBase(effective)}; ${unset} to use this Identity Center sign-in.\n`,
  );
}

async function rememberSso(deps: Deps, target: SsoSessionRef): Promise<void> {
  const current = readSettings(deps.paths).sso;
  const defaultRole = current?.startUrl === target.startUrl ? current.defaultRole : undefined;
  const next = {
    startUrl: target.startUrl,
    region: target.region,
    ...(target.sessionName ? { sessionName: target.sessionName } : {}),
    ...(defaultRole ? { defaultRole } : {}),
  };
  if (JSON.stringify(current) === JSON.stringify(next)) return;
  await updateSettings(deps.paths, () => ({ sso: next }));
}

async function mfaLogin(deps: Deps, mode: Extract<LoginMode, { kind: 'mfa' }>, json: boolean): Promise<number> {
  const base = baseSignIn(deps.env, readSettings(deps.paths));
  if (base.kind === 'sso') {
    throw new UsageError(
      `the base sign-in is ${describeBase(base)}, whose sessions are already temporary (Identity Center asks for MFA when you sign in)`,
      "Use `awsorg login --sso`; --mfa-serial makes an MFA session from an IAM user's access keys (select them with --profile or AWS_ACCESS_KEY_ID).",
    );
  }
  if (base.kind === 'env' && base.temporary) {
    throw new CredentialsError(
      'the credentials in the environment are already temporary (AWS_SESSION_TOKEN is set); STS makes MFA sessions only from long-term access keys',
      "Unset AWS_SESSION_TOKEN and export the IAM user's long-term AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or use --profile), then run awsorg login --mfa-serial again.",
    );
  }
  // The session is cached; a cache directory that is not the user's stops here, before STS.
  checkCacheDirsSync(deps.paths);
  const session = deps.aws(undefined, { longTerm: true });
  let longTerm;
  try {
    longTerm = await session.resolveCredentials();
  } catch (err) {
    throw new CredentialsError(
      `no AWS credentials were found to start an MFA session from (${describeBase(base)}): ${(err as Error).message}`,
      'Export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or select a profile with access keys (--profile P).',
      { cause: err },
    );
  }
  if (longTerm?.sessionToken) {
    throw new CredentialsError(
      `${describeBase(base)} gives temporary credentials (a role or SSO profile), and STS makes MFA sessions only from long-term access keys`,
      "Select a profile with an IAM user's access keys (--profile P), or put mfa_serial in the role profile and let the AWS SDK ask for the code.",
    );
  }
  const code = mode.code ?? (await promptForCode(deps, mode.serial));
  let out;
  try {
    out = await session.send(
      'sts',
      new GetSessionTokenCommand({ SerialNumber: mode.serial, TokenCode: code, DurationSeconds: mode.durationSeconds }),
    );
  } catch (err) {
    if (err instanceof AwsCallError && /AccessDenied|MultiFactor/i.test(`${err.code} ${err.awsMessage}`)) {
      throw new CredentialsError(
        `AWS refused the MFA code for ${mode.serial}: ${err.awsMessage}`,
        `Check that --mfa-serial is the device assigned to ${err.principalArn ?? 'this IAM user'}, wait for a new code and run awsorg login --mfa-serial again.`,
        { cause: err },
      );
    }
    if (err instanceof AwsCallError && err.code === 'ValidationError') {
      throw new UsageError(
        `sts:GetSessionToken rejected the request: ${err.awsMessage}`,
        'Check --mfa-serial and --duration (the root user is limited to 1h).',
        { cause: err },
      );
    }
    throw err;
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new CredentialsError('sts:GetSessionToken returned no credentials', 'Run awsorg login --mfa-serial again.');
  }
  const identity = await session.identity().catch(() => undefined);
  const expiresAt = c.Expiration.toISOString();
  writeCachedCredentials(deps.paths, mfaSessionKey(base.id), {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: expiresAt,
    accountId: 'base',
    role: 'mfa-session',
    ...(identity?.arn ? { arn: identity.arn } : {}),
  });
  const who = identity?.arn ?? describeBase(base);
  if (json) {
    deps.stdout.write(
      JSON.stringify(
        { kind: 'mfa', arn: identity?.arn, account: identity?.account, mfaSerial: mode.serial, expiresAt },
        null,
        2,
      ) + '\n',
    );
  } else {
    deps.stdout.write(`MFA session for ${who} until ${expiresAt}; awsorg commands use it until then.\n`);
  }
  return ExitCode.ok;
}

async function promptForCode(deps: Deps, serial: string): Promise<string> {
  if (!deps.interactive) {
    throw new UsageError(
      'an MFA code is needed and there is no terminal to ask for it',
      'Pass the 6-digit code with --code, e.g. --code 123456.',
    );
  }
  // One reader for every attempt: a second reader would lose lines the first one had buffered.
  const reader = createInterface({ input: deps.stdin, terminal: false });
  const lines = reader[Symbol.asyncIterator]();
  const onAbort = () => reader.close();
  deps.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      deps.stderr.write(`MFA code for ${serial}: `);
      const line = await lines.next();
      if (deps.signal.aborted) throw new CancelledError('the MFA prompt was cancelled');
      if (line.done) break;
      if (MFA_CODE.test(line.value.trim())) return line.value.trim();
      deps.stderr.write('awsorg: an MFA code is 6 digits\n');
    }
  } finally {
    deps.signal.removeEventListener('abort', onAbort);
    reader.close();
  }
  throw new UsageError(
    'no valid MFA code was entered',
    'Run the command again and type the 6 digits your MFA device shows, or pass --code.',
  );
}
