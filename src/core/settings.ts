/**
 * awsorg's settings: aliases, the default role, the SSO start URL, production rules. Never a
 * secret, but trusted: they pick roles, mark production and name the console sign-in endpoint.
 * So the file is read only when it is a regular file of the user's that nobody else can write,
 * in a directory of theirs, and every field is checked (settings-schema.ts). It is written 0600
 * in a 0700 directory (through conf, which writes atomically), whatever the umask. Node
 * built-ins only: `assume` reads it on every run.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, ValidationError } from './errors.js';
import { ensurePrivateDirSync, readTrustedFileSync, untrustedReason, UntrustedPathError } from './private-file.js';
import { settingsIssues } from './settings-schema.js';
import type { XdgPaths } from './xdg.js';

export interface ProductionRules {
  /** An account is production when any segment of its OU path matches one of these (case-insensitive regex). */
  ouPatterns: string[];
  /** ... or when it carries one of these tags with one of the values (case-insensitive). */
  tags: { key: string; values: string[] }[];
}

export interface SsoSettings {
  startUrl: string;
  region: string;
  /** The `[sso-session NAME]` the token is cached under (AWS CLI convention); absent for legacy start-URL caching. */
  sessionName?: string;
  /** Role used by `assume` when the account offers several and none is given. */
  defaultRole?: string;
}

export interface Settings {
  /** Alias -> account id. */
  aliases: Record<string, string>;
  /** Role assumed in member accounts when `--role` is absent and the base sign-in is not SSO. */
  defaultRole: string;
  sso?: SsoSettings;
  production: ProductionRules;
  inventoryTtlMinutes: number;
  /** Default session length for `assume`, in seconds. */
  sessionDurationSeconds: number;
  /** Federation endpoint for console sign-in URLs; defaults to the partition's signin host. */
  federationUrl?: string;
}

export const DEFAULT_SETTINGS: Settings = {
  aliases: {},
  defaultRole: 'OrganizationAccountAccessRole',
  production: {
    ouPatterns: ['^prod(uction)?$'],
    tags: [
      { key: 'environment', values: ['prod', 'production'] },
      { key: 'env', values: ['prod', 'production'] },
      { key: 'stage', values: ['prod', 'production'] },
      { key: 'awsorg:production', values: ['true'] },
    ],
  },
  inventoryTtlMinutes: 24 * 60,
  sessionDurationSeconds: 3600,
};

export function settingsFile(paths: XdgPaths): string {
  return join(paths.config, 'config.json');
}

/** Settings with defaults filled in. Cheap: one small JSON read. Throws (exit 2) on an untrusted or invalid file. */
export function readSettings(paths: XdgPaths): Settings {
  return withDefaults(readStoredSettings(paths));
}

function withDefaults(stored: Partial<Settings>): Settings {
  return {
    ...structuredClone(DEFAULT_SETTINGS),
    ...stored,
    aliases: { ...(stored.aliases ?? {}) },
    production: { ...DEFAULT_SETTINGS.production, ...(stored.production ?? {}) },
  };
}

/** The fields as stored (no defaults), after the trust and shape checks; {} when there is no file. */
function readStoredSettings(paths: XdgPaths): Partial<Settings> {
  const file = settingsFile(paths);
  let dirStat;
  try {
    dirStat = lstatSync(paths.config);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  // Mode bits of the directory are repaired on the next write; its owner and kind are not ours to fix.
  const dirReason = untrustedReason(dirStat, 'directory', 0);
  if (dirReason) {
    throw new UntrustedPathError(
      paths.config,
      dirReason,
      `Check who made ${paths.config}; move it aside (mv ${paths.config} ${paths.config}.untrusted) and let awsorg create its own, then copy back only the settings you recognise.`,
    );
  }
  const read = readTrustedFileSync(file, 0o022);
  if (read.kind === 'absent') return {};
  if (read.kind === 'untrusted')
    throw new UntrustedPathError(file, read.reason, untrustedSettingsFix(file, read.reason));
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch (err) {
    throw new UsageError(
      `the settings file ${file} is not valid JSON (${(err as Error).message})`,
      `Fix or delete ${file}; aliases are the only data it holds that awsorg cannot rebuild.`,
    );
  }
  const issues = settingsIssues(parsed);
  if (issues.length) throw new ValidationError(`the settings file ${file}`, issues);
  return parsed as Partial<Settings>;
}

function untrustedSettingsFix(file: string, reason: string): string {
  if (reason.includes('symbolic link'))
    return `Replace the link with a copy of the file it points to (cp --remove-destination "$(readlink -f ${file})" ${file}) after checking its content, or delete it.`;
  if (reason.includes('another user'))
    return `Check who wrote ${file} and what it says; if the settings are yours, copy them into a new file of your own (cp ${file} ${file}.new && mv ${file}.new ${file}), else delete it.`;
  if (reason.includes('others can write'))
    return `Check that its content is yours, then make it private: chmod 600 ${file}.`;
  return `Delete ${file} or replace it with a regular file of your own.`;
}

/**
 * Change settings. `edit` receives the current values and returns the keys to write (undefined
 * deletes). The result is checked like a read before it is written, so a bad value never lands.
 */
export async function updateSettings(
  paths: XdgPaths,
  edit: (current: Settings) => Partial<Record<keyof Settings, unknown>>,
): Promise<Settings> {
  const stored: Record<string, unknown> = { ...readStoredSettings(paths) };
  const changes = edit(withDefaults(stored as Partial<Settings>));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete stored[key];
    else stored[key] = value;
  }
  const file = settingsFile(paths);
  const issues = settingsIssues(stored);
  if (issues.length) throw new ValidationError(`the new settings for ${file}`, issues);
  // conf writes atomically but follows symlinks and keeps a replaced file's owner: the read above
  // has already refused a settings file or directory that is a link or someone else's, and the
  // directory is made private before conf creates anything in it.
  ensurePrivateDirSync(paths.config);
  const { default: Conf } = await import('conf');
  const conf = new Conf<Record<string, unknown>>({
    projectName: 'awsorg',
    cwd: paths.config,
    configName: 'config',
    configFileMode: 0o600,
  });
  conf.store = stored;
  return withDefaults(stored as Partial<Settings>);
}
