/**
 * Temporary credentials cached between runs: one JSON file per (base sign-in, account, role),
 * mode 0600 inside a 0700 directory under the XDG cache directory. Entries are used until five
 * minutes before they expire. Long-term keys are never written here: only credentials with a
 * session token and an expiration are accepted.
 *
 * This module is on `assume`'s cache-hit path, so it imports nothing but node built-ins.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache-dirs.js';
import { shortDigest } from './digest.js';
import { ensurePrivateDirSync, readTrustedFileSync, writeFileAtomicSync } from './private-file.js';
import type { XdgPaths } from './xdg.js';

export interface CachedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601. */
  expiration: string;
  accountId: string;
  /** Role name, or `mfa-session` for a GetSessionToken session. */
  role: string;
  /** ARN of the assumed role session, when known. */
  arn?: string;
  /** The base sign-in these came from (written by the cache). */
  baseId?: string;
}

export interface CacheKey {
  baseId: string;
  accountId: string;
  role: string;
}

/** Credentials this close to expiry are treated as expired. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export type CacheLookup =
  | { kind: 'hit'; credentials: CachedCredentials; file: string }
  | { kind: 'miss'; file: string; reason: 'absent' | 'expired' }
  | { kind: 'rejected'; file: string; reason: string };

export function credentialCacheDir(paths: XdgPaths): string {
  return cacheDir(paths, 'credentials');
}

export function cacheFile(paths: XdgPaths, key: CacheKey): string {
  const digest = shortDigest(`${key.baseId}\n${key.accountId}\n${key.role}`);
  return join(credentialCacheDir(paths), `${digest}.json`);
}

/**
 * Look up an entry. A file that is malformed, not owned by us, or readable by others is
 * `rejected` (and removed where possible) so the caller fetches fresh credentials and says why.
 */
export function readCachedCredentials(paths: XdgPaths, key: CacheKey, now: number): CacheLookup {
  const file = cacheFile(paths, key);
  // O_NOFOLLOW and checks on the open descriptor: a file swapped in after a check is not read.
  let read;
  try {
    read = readTrustedFileSync(file, 0o077);
  } catch (err) {
    return { kind: 'rejected', file, reason: `it cannot be read (${(err as Error).message})` };
  }
  if (read.kind === 'absent') return { kind: 'miss', file, reason: 'absent' };
  if (read.kind === 'untrusted') {
    discard(file);
    return { kind: 'rejected', file, reason: `it is not a private file owned by you (it ${read.reason})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch (err) {
    discard(file);
    return { kind: 'rejected', file, reason: `it is not valid JSON (${(err as Error).message})` };
  }
  const problem = shapeProblem(parsed);
  if (problem) {
    discard(file);
    return { kind: 'rejected', file, reason: problem };
  }
  const credentials = parsed as CachedCredentials;
  // Files are named by a short digest; an entry for another sign-in is a miss, not a mix-up.
  if (credentials.baseId !== undefined && credentials.baseId !== key.baseId)
    return { kind: 'miss', file, reason: 'absent' };
  if (credentials.accountId !== key.accountId || credentials.role !== key.role) {
    discard(file);
    return { kind: 'rejected', file, reason: 'it belongs to a different account or role' };
  }
  if (Date.parse(credentials.expiration) - now <= REFRESH_MARGIN_MS) return { kind: 'miss', file, reason: 'expired' };
  return { kind: 'hit', credentials, file };
}

function shapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'it is not a JSON object';
  const v = value as Record<string, unknown>;
  for (const field of ['accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration', 'accountId', 'role'] as const) {
    if (typeof v[field] !== 'string' || v[field] === '') return `its field ${field} is missing`;
  }
  if (Number.isNaN(Date.parse(v.expiration as string))) return 'its expiration is not a date';
  return undefined;
}

/** Write an entry atomically: a private temp file, fsync, rename. Refuses long-term keys. */
export function writeCachedCredentials(paths: XdgPaths, key: CacheKey, credentials: CachedCredentials): string {
  if (!credentials.sessionToken || !credentials.expiration)
    throw new Error(
      'refusing to cache credentials without a session token and expiration (long-term keys are never cached)',
    );
  const dir = credentialCacheDir(paths);
  ensurePrivateDirSync(paths.cache);
  ensurePrivateDirSync(dir);
  const file = cacheFile(paths, key);
  writeFileAtomicSync(file, JSON.stringify({ ...credentials, baseId: key.baseId }));
  return file;
}

export function removeCachedCredentials(paths: XdgPaths, key: CacheKey): void {
  discard(cacheFile(paths, key));
}

function discard(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or not ours to remove; either way it is not used.
  }
}
