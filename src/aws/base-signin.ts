/**
 * The base sign-in: the credentials role switching starts from. Deciding which one is in use
 * reads only the environment, awsorg's settings and ~/.aws/config, so `assume` can key its
 * credential cache without a network call.
 *
 * Precedence: access keys in the environment, then AWS_PROFILE, then an Identity Center
 * session from `awsorg login --sso`, then the default profile / standard chain.
 */
import { profileSso, readAwsConfig, type ProfileSso } from './aws-config-file.js';
import type { Settings } from '../core/settings.js';

type Env = Readonly<Record<string, string | undefined>>;

export type BaseSignIn =
  | { kind: 'env'; id: string; accessKeyId: string; temporary: boolean }
  | { kind: 'profile'; id: string; profile: string }
  | { kind: 'sso'; id: string; sso: ProfileSso; via: 'profile' | 'awsorg-login'; profile?: string }
  | { kind: 'default'; id: string };

export function baseSignIn(env: Env, settings: Settings): BaseSignIn {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      kind: 'env',
      id: `env:${env.AWS_ACCESS_KEY_ID}`,
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      temporary: Boolean(env.AWS_SESSION_TOKEN),
    };
  }
  const config = readAwsConfig(env);
  if (env.AWS_PROFILE) {
    const sso = profileSso(config, env.AWS_PROFILE);
    if (sso) return { kind: 'sso', id: ssoId(sso), sso, via: 'profile', profile: env.AWS_PROFILE };
    return { kind: 'profile', id: `profile:${env.AWS_PROFILE}`, profile: env.AWS_PROFILE };
  }
  if (settings.sso) {
    const sso: ProfileSso = {
      startUrl: settings.sso.startUrl,
      region: settings.sso.region,
      ...(settings.sso.sessionName ? { sessionName: settings.sso.sessionName } : {}),
    };
    return { kind: 'sso', id: ssoId(sso), sso, via: 'awsorg-login' };
  }
  const sso = profileSso(config, 'default');
  if (sso) return { kind: 'sso', id: ssoId(sso), sso, via: 'profile', profile: 'default' };
  return { kind: 'default', id: 'default' };
}

function ssoId(sso: ProfileSso): string {
  return `sso:${sso.startUrl}`;
}

/** A sentence naming the base sign-in, for messages. */
export function describeBase(base: BaseSignIn): string {
  switch (base.kind) {
    case 'env':
      return `access key ${base.accessKeyId} from the environment`;
    case 'profile':
      return `profile ${base.profile}`;
    case 'sso':
      return `IAM Identity Center at ${base.sso.startUrl}${base.profile ? ` (profile ${base.profile})` : ''}`;
    case 'default':
      return 'the default credential chain';
  }
}
