/**
 * The environment of a shell or command running as a role session, and the same variables as
 * text for `eval` in bash/zsh, fish, PowerShell, or as JSON. Pure.
 */
import type { RoleSession } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Variables that would make an AWS SDK or CLI ignore the session's keys, or that carry the
 * parent's long-term credentials. They are removed from the child's environment.
 */
export const SCRUBBED_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_VAULT',
] as const;

export type ExportFormat = 'env' | 'fish' | 'powershell' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['env', 'fish', 'powershell', 'json'];

/** The variables a session sets. */
export function sessionVariables(s: RoleSession): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: s.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: s.credentials.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: s.credentials.expiration,
    AWS_REGION: s.region,
    AWS_DEFAULT_REGION: s.region,
    AWSORG_ACCOUNT: s.account.id,
    AWSORG_ACCOUNT_NAME: s.account.name,
    AWSORG_ROLE: s.role,
    AWSORG_EXPIRATION: s.credentials.expiration,
  };
}

/** The child's full environment: the parent's, minus its credentials and profile, plus the session's. */
export function sessionEnvironment(parent: Env, s: RoleSession): Record<string, string> {
  const scrubbed = new Set<string>(SCRUBBED_VARIABLES);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && !scrubbed.has(key)) env[key] = value;
  }
  return { ...env, ...sessionVariables(s) };
}

/** Text to `eval` (or `Invoke-Expression`) that switches the current shell to the session. */
export function formatExports(s: RoleSession, format: ExportFormat): string {
  const vars = sessionVariables(s);
  const unset = SCRUBBED_VARIABLES.filter((v) => !(v in vars));
  switch (format) {
    case 'json':
      return JSON.stringify(vars, null, 2) + '\n';
    case 'env':
      return [...unset.map((v) => `unset ${v};`), ...Object.entries(vars).map(([k, v]) => `export ${k}=${shQuote(v)};`)].join('\n') + '\n';
    case 'fish':
      return [...unset.map((v) => `set -e ${v};`), ...Object.entries(vars).map(([k, v]) => `set -gx ${k} ${shQuote(v)};`)].join('\n') + '\n';
    case 'powershell':
      return (
        [
          ...unset.map((v) => `Remove-Item Env:${v} -ErrorAction SilentlyContinue`),
          ...Object.entries(vars).map(([k, v]) => `$Env:${k} = '${v.replace(/'/g, "''")}'`),
        ].join('\n') + '\n'
      );
  }
}

/** Quote for POSIX shells and fish: single quotes, with embedded quotes closed and escaped. */
export function shQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
