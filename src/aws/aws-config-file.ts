/**
 * A small reader for the AWS shared config file (~/.aws/config, honouring AWS_CONFIG_FILE).
 * Lean on purpose: `assume` reads it on its cache-hit path to learn how the profile signs in.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { iniLines } from '../core/ini-lines.js';

type Env = Readonly<Record<string, string | undefined>>;

export type IniSections = Map<string, Record<string, string>>;

/**
 * A shared file's path from its variable, else ~/.aws/NAME. A value set without a shell (an IDE
 * run configuration, a .env file) can start with a literal `~/`: botocore and SDK v3 both read
 * that as the home directory, so awsorg does too, rather than a directory named "~".
 */
function sharedFilePath(value: string | undefined, env: Env, name: string): string {
  const home = env.HOME || homedir();
  if (value === undefined) return join(home, '.aws', name);
  return value.startsWith('~/') ? join(home, value.slice(2)) : value;
}

export function awsConfigPath(env: Env): string {
  return sharedFilePath(env.AWS_CONFIG_FILE, env, 'config');
}

/** The shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. */
export function awsCredentialsPath(env: Env): string {
  return sharedFilePath(env.AWS_SHARED_CREDENTIALS_FILE, env, 'credentials');
}

/**
 * Sections keyed by their header text as botocore reads it (see iniLines), whitespace runs
 * made one space: "default", "profile x", "sso-session y". A trailing comment after a header
 * (`[profile x] # mine`) is not part of its name. Continuation lines (nested settings such as
 * `s3 =` blocks) are not kept.
 */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Record<string, string> | undefined;
  for (const line of iniLines(text)) {
    if (line.kind === 'header') {
      const name = line.section.trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? {};
      sections.set(name, current);
    } else if (line.kind === 'option' && current) {
      current[line.key] = line.value;
    }
  }
  return sections;
}

export function readAwsConfig(env: Env): IniSections {
  try {
    return parseIni(readFileSync(awsConfigPath(env), 'utf8'));
  } catch {
    return new Map();
  }
}

/** The settings of a named profile ("default" may be written as [default] or [profile default]). */
export function profileSettings(config: IniSections, profile: string): Record<string, string> | undefined {
  if (profile === 'default') return config.get('default') ?? config.get('profile default');
  return config.get(`profile ${profile}`);
}

export interface ProfileSso {
  startUrl: string;
  region: string;
  sessionName?: string;
  accountId?: string;
  roleName?: string;
}

/** How a profile signs in to IAM Identity Center, if it does (sso_session or legacy sso_start_url). */
export function profileSso(config: IniSections, profile: string): ProfileSso | undefined {
  const p = profileSettings(config, profile);
  if (!p) return undefined;
  const extra = {
    ...(p.sso_account_id ? { accountId: p.sso_account_id } : {}),
    ...(p.sso_role_name ? { roleName: p.sso_role_name } : {}),
  };
  if (p.sso_session) {
    const s = config.get(`sso-session ${p.sso_session}`);
    if (!s?.sso_start_url || !s.sso_region) return undefined;
    return { startUrl: s.sso_start_url, region: s.sso_region, sessionName: p.sso_session, ...extra };
  }
  if (p.sso_start_url && p.sso_region) return { startUrl: p.sso_start_url, region: p.sso_region, ...extra };
  return undefined;
}
