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

/**
 * Text to `eval` (or `source`, or `Invoke-Expression`) that switches the current shell to the
 * session. Values come from AWS (an account name can hold quotes, backslashes, `$`, newlines),
 * so each format quotes for its own shell's rules; quoting for one shell is not safe in another.
 */
export function formatExports(s: RoleSession, format: ExportFormat): string {
  const vars = sessionVariables(s);
  const unset = SCRUBBED_VARIABLES.filter((v) => !(v in vars));
  switch (format) {
    case 'json':
      return JSON.stringify(vars, null, 2) + '\n';
    case 'env':
      return (
        [
          ...unset.map((v) => `unset ${v};`),
          ...Object.entries(vars).map(([k, v]) => `export ${k}=${shQuote(v)};`),
        ].join('\n') + '\n'
      );
    case 'fish':
      return (
        [
          ...unset.map((v) => `set -e ${v};`),
          ...Object.entries(vars).map(([k, v]) => `set -gx ${k} ${fishQuote(v)};`),
        ].join('\n') + '\n'
      );
    case 'powershell':
      return (
        [
          ...unset.map((v) => `Remove-Item Env:${v} -ErrorAction SilentlyContinue`),
          ...Object.entries(vars).map(([k, v]) => `$Env:${k} = ${powershellQuote(v)}`),
        ].join('\n') + '\n'
      );
  }
}

/**
 * One word for POSIX shells (sh, dash, bash, zsh), also as `shlex.split` and credential_process
 * read it: single quotes keep everything literal, and an embedded quote is closed, escaped and
 * reopened (`'\\''`).
 */
export function shQuote(value: string): string {
  // `=` is not in the bare set: zsh expands a word that starts with `=` to a command's path.
  if (/^[A-Za-z0-9_@%+:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One word for fish. In fish's single quotes `\\` and `\'` are escapes (so a POSIX-quoted
 * `\'` ends nothing and a trailing `\` swallows the closing quote); every other character is
 * literal. Newlines and carriage returns are written as fish's unquoted `\n` and `\r` escapes
 * so that each variable stays on one line.
 */
export function fishQuote(value: string): string {
  const quoted = `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  return quoted.replace(/\r/g, "'\\r'").replace(/\n/g, "'\\n'");
}

/**
 * One expression for PowerShell. Its single-quoted strings end at any of ' \u2018 \u2019 \u201A
 * \u201B, and a doubled one stands for itself. Newlines and carriage returns are joined in as
 * "`n" and "`r", so that a line-by-line `| Invoke-Expression` never sees half a string.
 */
export function powershellQuote(value: string): string {
  if (value === '') return "''";
  const parts = value.split(/(\r|\n)/).filter((part) => part !== '');
  const quoted = parts.map((part) =>
    part === '\n' ? '"`n"' : part === '\r' ? '"`r"' : `'${part.replace(/['\u2018-\u201B]/g, (q) => q + q)}'`,
  );
  return quoted.length === 1 ? quoted[0]! : `(${quoted.join(' + ')})`;
}
