/**
 * Who the operator is, for role session names and SourceIdentity. The base identity's ARN is
 * cached (it is not a secret) so that later cache misses make only the AssumeRole call.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDirSync } from '../core/credential-cache.js';
import type { Deps } from '../core/deps.js';
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

function identityFile(deps: Deps, base: BaseSignIn): string {
  return join(deps.paths.cache, 'identity', `${createHash('sha256').update(base.id).digest('hex').slice(0, 32)}.json`);
}

export async function operatorIdentity(deps: Deps, base: BaseSignIn): Promise<OperatorIdentity> {
  const file = identityFile(deps, base);
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as OperatorIdentity & { fetchedAt: number };
    if (cached.arn && deps.clock.now() - cached.fetchedAt < IDENTITY_TTL_MS) return { arn: cached.arn, account: cached.account, name: cached.name };
  } catch {
    // Absent or unreadable: ask STS.
  }
  const identity = await deps.aws().identity();
  const result = { arn: identity.arn, account: identity.account, name: sessionNameFromArn(identity.arn, safeUser()) };
  ensurePrivateDirSync(deps.paths.cache);
  ensurePrivateDirSync(join(deps.paths.cache, 'identity'));
  writeFileSync(file, JSON.stringify({ ...result, fetchedAt: deps.clock.now() }), { mode: 0o600 });
  return result;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'awsorg';
  }
}
