/**
 * The base credentials and region, from the standard AWS configuration chain.
 * Environment keys win; otherwise the SDK's node chain resolves AWS_PROFILE, ~/.aws/config
 * (including sso_session and credential_process profiles), web identity and instance roles.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

type Env = Readonly<Record<string, string | undefined>>;

export function resolveBaseCredentials(env: Env): AwsCredentialIdentityProvider {
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
  const file = env.AWS_CONFIG_FILE ?? join(env.HOME ?? homedir(), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const profile = env.AWS_PROFILE ?? 'default';
  const header = profile === 'default' ? /^\[\s*(profile\s+)?default\s*\]/ : new RegExp(`^\\[\\s*profile\\s+${escape(profile)}\\s*\\]`);
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

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
