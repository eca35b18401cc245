/**
 * The base credentials and region, from the standard AWS configuration chain.
 * Environment keys win; otherwise the SDK's node chain resolves AWS_PROFILE, ~/.aws/config
 * (including sso_session and credential_process profiles), web identity and instance roles.
 */
import { readFileSync } from 'node:fs';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { awsConfigPath } from './aws-config-file.js';
import { readCachedCredentials, type CacheKey } from '../core/credential-cache.js';
import { readSettings } from '../core/settings.js';
import type { XdgPaths } from '../core/xdg.js';
import { baseSignIn } from './base-signin.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface BaseCredentialOptions {
  /**
   * A temporary session to use instead of the chain while it lasts: the MFA session that
   * `awsorg login --mfa-serial` cached for this base sign-in. Returns undefined when there is none.
   */
  mfaSession?: () => AwsCredentialIdentity | undefined;
}

export function resolveBaseCredentials(env: Env, opts: BaseCredentialOptions = {}): AwsCredentialIdentityProvider {
  const chain = standardChain(env);
  const mfaSession = opts.mfaSession;
  if (!mfaSession) return chain;
  // The SDK asks again shortly before a returned session expires; by then the cached entry is
  // past its margin and the long-term credentials take over.
  return async () => mfaSession() ?? chain();
}

/** Where `awsorg login --mfa-serial` caches the GetSessionToken session of a base sign-in. */
export function mfaSessionKey(baseId: string): CacheKey {
  return { baseId, accountId: 'base', role: 'mfa-session' };
}

/**
 * The cached MFA session of the current base sign-in, if one is valid. Cheap on purpose (three
 * small file reads, no SDK): every command's base credentials start here.
 */
export function cachedMfaSession(env: Env, paths: XdgPaths, now: number): AwsCredentialIdentity | undefined {
  // Credentials that are already temporary never get an MFA session of their own.
  if (env.AWS_SESSION_TOKEN) return undefined;
  let baseId: string;
  try {
    const base = baseSignIn(env, readSettings(paths));
    if (base.kind === 'sso') return undefined;
    baseId = base.id;
  } catch {
    // An unreadable settings file is reported by the command that needs the settings.
    return undefined;
  }
  const lookup = readCachedCredentials(paths, mfaSessionKey(baseId), now);
  if (lookup.kind !== 'hit') return undefined;
  const c = lookup.credentials;
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    expiration: new Date(c.expiration),
  };
}

function standardChain(env: Env): AwsCredentialIdentityProvider {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const fromEnv: AwsCredentialIdentity = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
    return async () => fromEnv;
  }
  let cached: Promise<AwsCredentialIdentity> | undefined;
  let chain: AwsCredentialIdentityProvider | undefined;
  return async () => {
    const current = cached ? await cached.catch(() => undefined) : undefined;
    const stale = !current || (current.expiration && current.expiration.getTime() - Date.now() < 60_000);
    if (stale) {
      if (!chain) {
        const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
        chain = fromNodeProviderChain(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {});
      }
      cached = chain();
    }
    return cached!;
  };
}

/** AWS_REGION, then AWS_DEFAULT_REGION (as the AWS CLI reads it), then the profile's region, then us-east-1. */
export function resolveRegion(env: Env): string {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  return profileRegion(env) ?? 'us-east-1';
}

function profileRegion(env: Env): string | undefined {
  const file = awsConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const profile = env.AWS_PROFILE ?? 'default';
  const header =
    profile === 'default'
      ? /^\[\s*(profile\s+)?default\s*\]/
      : new RegExp(`^\\[\\s*profile\\s+${escapeRegExp(profile)}\\s*\\]`);
  let inside = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inside = header.test(line);
    else if (inside) {
      const m = /^region\s*=\s*(\S+)/.exec(line);
      if (m) return m[1];
    }
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
