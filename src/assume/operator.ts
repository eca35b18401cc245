/**
 * Who the operator is, for role session names and SourceIdentity. The base identity's ARN is
 * cached (it is not a secret) so that later cache misses make only the AssumeRole call.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../core/cache-dirs.js';
import { shortDigest } from '../core/digest.js';
import { ensurePrivateDirSync, readTrustedFileSync, writeFileAtomicSync } from '../core/private-file.js';
import type { Deps } from '../aws/deps.js';
import type { BaseSignIn } from '../aws/base-signin.js';

export interface OperatorIdentity {
  arn: string;
  account: string;
  /** Name for RoleSessionName / SourceIdentity: [\w+=,.@-], 2–64 characters. */
  name: string;
}

const IDENTITY_TTL_MS = 12 * 3600_000;

export function sessionNameFromArn(arn: string, fallback: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  let name: string;
  if (resource === 'root') name = 'root';
  else if (parts[0] === 'assumed-role') name = parts[2] ?? parts[1] ?? fallback;
  else name = parts[parts.length - 1] || fallback;
  return sanitizeSessionName(name);
}

export function sanitizeSessionName(raw: string): string {
  const cleaned = raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`.slice(0, 2);
}

function identityFile(deps: Pick<Deps, 'paths'>, base: BaseSignIn): string {
  return join(cacheDir(deps.paths, 'identity'), `${shortDigest(base.id)}.json`);
}

/**
 * The identity cached for a base sign-in, however old, without calling AWS. It names the
 * operator in every role session, so only a private file of the user's is believed (the
 * credential cache's rule); anything else is asked of STS again and replaced.
 */
export function cachedOperatorIdentity(
  deps: Pick<Deps, 'paths'>,
  base: BaseSignIn,
): (OperatorIdentity & { fetchedAt: number }) | undefined {
  try {
    const read = readTrustedFileSync(identityFile(deps, base), 0o077);
    if (read.kind !== 'read') return undefined;
    const cached = JSON.parse(read.text) as OperatorIdentity & { fetchedAt: number; baseId?: string };
    const valid =
      typeof cached.arn === 'string' &&
      cached.arn &&
      typeof cached.name === 'string' &&
      typeof cached.account === 'string' &&
      typeof cached.fetchedAt === 'number';
    return valid && cached.baseId === base.id ? cached : undefined;
  } catch {
    return undefined;
  }
}

export async function operatorIdentity(deps: Deps, base: BaseSignIn): Promise<OperatorIdentity> {
  const file = identityFile(deps, base);
  const cached = cachedOperatorIdentity(deps, base);
  // Absent, unreadable or old: ask STS.
  if (cached && deps.clock.now() - cached.fetchedAt < IDENTITY_TTL_MS)
    return { arn: cached.arn, account: cached.account, name: cached.name };
  const identity = await deps.aws().identity();
  const result = { arn: identity.arn, account: identity.account, name: sessionNameFromArn(identity.arn, safeUser()) };
  ensurePrivateDirSync(deps.paths.cache);
  ensurePrivateDirSync(cacheDir(deps.paths, 'identity'));
  writeFileAtomicSync(file, JSON.stringify({ ...result, baseId: base.id, fetchedAt: deps.clock.now() }));
  return result;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'awsorg';
  }
}
