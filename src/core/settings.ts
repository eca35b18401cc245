/**
 * awsorg's settings: aliases, the default role, the SSO start URL, production rules. Never a
 * secret. Writes go through `conf` (atomic, in the XDG config directory); reads on hot paths
 * (`assume` on a credential-cache hit) parse the same JSON file directly so they do not load
 * conf and its schema validator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.js';
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

/** Settings with defaults filled in. Cheap: one small JSON read, no conf. */
export function readSettings(paths: XdgPaths): Settings {
  let raw: string;
  try {
    raw = readFileSync(settingsFile(paths), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_SETTINGS);
    throw err;
  }
  let parsed: Partial<Settings>;
  try {
    parsed = JSON.parse(raw) as Partial<Settings>;
  } catch (err) {
    throw new UsageError(
      `the settings file ${settingsFile(paths)} is not valid JSON (${(err as Error).message})`,
      `Fix or delete ${settingsFile(paths)}; aliases are the only data it holds that awsorg cannot rebuild.`,
    );
  }
  return {
    ...structuredClone(DEFAULT_SETTINGS),
    ...parsed,
    aliases: { ...(parsed.aliases ?? {}) },
    production: { ...DEFAULT_SETTINGS.production, ...(parsed.production ?? {}) },
  };
}

type ConfStore = { store: Record<string, unknown>; set(key: string, value: unknown): void; delete(key: string): void };

async function openConf(paths: XdgPaths): Promise<ConfStore> {
  const { default: Conf } = await import('conf');
  return new Conf({ projectName: 'awsorg', cwd: paths.config, configName: 'config' }) as unknown as ConfStore;
}

/** Change settings through conf. `edit` receives the current values and returns the keys to write (undefined deletes). */
export async function updateSettings(paths: XdgPaths, edit: (current: Settings) => Partial<Record<keyof Settings, unknown>>): Promise<Settings> {
  const current = readSettings(paths);
  const changes = edit(current);
  const conf = await openConf(paths);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) conf.delete(key);
    else conf.set(key, value);
  }
  return readSettings(paths);
}
