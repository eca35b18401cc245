/**
 * The IAM Identity Center token cache, shared with the AWS CLI and the SDKs: ~/.aws/sso/cache.
 *
 * - A token lives in `<sha1(session name)>.json` for an `[sso-session]`, else in
 *   `<sha1(start URL)>.json` (the legacy layout). Its fields are the CLI's: startUrl, region,
 *   accessToken, expiresAt (UTC, `2026-11-22T10:00:00Z`), and, when the token can be refreshed,
 *   the client registration it came from (clientId, clientSecret, registrationExpiresAt) and
 *   refreshToken.
 * - The client registration is cached on its own too, under the name the AWS CLI v2 gives it
 *   (sha1 of a JSON object naming the tool, start URL, region, scopes and session), so
 *   `aws sso login` and awsorg reuse each other's registration.
 *
 * Files are written 0600 inside 0700 directories, through a temp file and a rename. Node
 * built-ins only: `assume` reads the token on its way to GetRoleCredentials.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDirSync, readTrustedFileSync, writeFileAtomicSync } from '../core/private-file.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface SsoSessionRef {
  startUrl: string;
  region: string;
  sessionName?: string;
}

export interface SsoToken {
  startUrl: string;
  region: string;
  accessToken: string;
  /** UTC, second precision: `2026-11-22T10:00:00Z`. */
  expiresAt: string;
  receivedAt?: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

export interface SsoClientRegistration {
  clientId: string;
  clientSecret: string;
  expiresAt: string;
  receivedAt?: string;
  scopes?: string[];
}

/** The scope that makes Identity Center issue refresh tokens with account access. */
export const SSO_ACCOUNT_ACCESS_SCOPE = 'sso:account:access';

/**
 * A token or registration this close to expiry is not reused for a new sign-in (the AWS CLI's
 * window): a command started now should not fail half-way because the token ran out.
 */
export const SSO_EXPIRY_WINDOW_MS = 15 * 60_000;

export function ssoCacheDir(env: Env): string {
  return join(env.HOME || homedir(), '.aws', 'sso', 'cache');
}

export function tokenCacheKey(sso: SsoSessionRef): string {
  return createHash('sha1')
    .update(sso.sessionName ?? sso.startUrl, 'utf8')
    .digest('hex');
}

export function tokenCacheFile(env: Env, sso: SsoSessionRef): string {
  return join(ssoCacheDir(env), `${tokenCacheKey(sso)}.json`);
}

/**
 * The AWS CLI v2 names a client registration by the sha1 of Python's
 * `json.dumps({tool, startUrl, region, scopes, session_name}, sort_keys=True)`; reproduce that
 * text exactly (its separators, its ASCII escaping, `null` for an absent session or scope list).
 */
export function registrationCacheKey(sso: SsoSessionRef, scopes: string[] | undefined): string {
  const fields: [string, string][] = [
    ['region', pyJson(sso.region)],
    ['scopes', scopes?.length ? `[${scopes.map(pyJson).join(', ')}]` : 'null'],
    ['session_name', sso.sessionName === undefined ? 'null' : pyJson(sso.sessionName)],
    ['startUrl', pyJson(sso.startUrl)],
    ['tool', pyJson('botocore')],
  ];
  const text = `{${fields.map(([k, v]) => `${pyJson(k)}: ${v}`).join(', ')}}`;
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function pyJson(value: string): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function registrationCacheFile(env: Env, sso: SsoSessionRef, scopes: string[] | undefined): string {
  return join(ssoCacheDir(env), `${registrationCacheKey(sso, scopes)}.json`);
}

/** `2026-11-22T10:00:00Z`: the CLI's format (no milliseconds). */
export function formatUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

export type TokenLookup =
  | { kind: 'absent'; file: string }
  | { kind: 'invalid'; file: string; reason: string }
  | { kind: 'found'; file: string; token: SsoToken; expiresAtMs: number };

export function readSsoToken(env: Env, sso: SsoSessionRef): TokenLookup {
  const file = tokenCacheFile(env, sso);
  let text: string;
  try {
    // A token file another user could have written would sign the operator in to their
    // organization: use only the user's own, which others cannot write (the AWS CLI writes 0600).
    const read = readTrustedFileSync(file, 0o022);
    if (read.kind === 'absent') return { kind: 'absent', file };
    if (read.kind === 'untrusted') return { kind: 'invalid', file, reason: `it ${read.reason}` };
    text = read.text;
  } catch {
    return { kind: 'absent', file };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', file, reason: `it is not valid JSON (${(err as Error).message})` };
  }
  const token = parsed as Partial<SsoToken> | null;
  if (!token || typeof token !== 'object' || typeof token.accessToken !== 'string' || !token.accessToken) {
    return { kind: 'invalid', file, reason: 'it holds no accessToken' };
  }
  const expiresAtMs = typeof token.expiresAt === 'string' ? parseCacheTime(token.expiresAt) : NaN;
  if (Number.isNaN(expiresAtMs)) return { kind: 'invalid', file, reason: 'its expiresAt is not a date' };
  return { kind: 'found', file, token: token as SsoToken, expiresAtMs };
}

/**
 * Times in the cache are UTC. Python writes `...Z` or, from older tools, `...UTC` (strftime's
 * %Z) or an offset; treat anything without a zone as UTC, never as local time.
 */
export function parseCacheTime(text: string): number {
  const normalised = text.trim().replace(/\s*UTC$/, 'Z');
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(normalised) ? normalised : `${normalised}Z`;
  return Date.parse(zoned);
}

/** True when the token has the fields a refresh needs and its client registration is still valid. */
export function isRefreshable(token: SsoToken, now: number): boolean {
  if (!token.refreshToken || !token.clientId || !token.clientSecret || !token.registrationExpiresAt) return false;
  return parseCacheTime(token.registrationExpiresAt) > now;
}

export function writeSsoToken(env: Env, sso: SsoSessionRef, token: SsoToken): string {
  const file = tokenCacheFile(env, sso);
  writePrivateJson(ssoCacheDir(env), file, token);
  return file;
}

export function readRegistration(
  env: Env,
  sso: SsoSessionRef,
  scopes: string[] | undefined,
): SsoClientRegistration | undefined {
  try {
    const read = readTrustedFileSync(registrationCacheFile(env, sso, scopes), 0o022);
    if (read.kind !== 'read') return undefined;
    const parsed = JSON.parse(read.text) as Partial<SsoClientRegistration>;
    if (
      typeof parsed.clientId === 'string' &&
      typeof parsed.clientSecret === 'string' &&
      typeof parsed.expiresAt === 'string'
    ) {
      return parsed as SsoClientRegistration;
    }
  } catch {
    // Absent or unreadable: register again.
  }
  return undefined;
}

export function writeRegistration(
  env: Env,
  sso: SsoSessionRef,
  scopes: string[] | undefined,
  registration: SsoClientRegistration,
): string {
  const file = registrationCacheFile(env, sso, scopes);
  writePrivateJson(ssoCacheDir(env), file, registration);
  return file;
}

function writePrivateJson(dir: string, file: string, value: unknown): void {
  ensurePrivateDirSync(dir);
  // A token file written by another tool may have looser permissions; the rename replaces it.
  writeFileAtomicSync(file, JSON.stringify(value, null, 2));
}
