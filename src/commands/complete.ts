/**
 * `awsorg __complete SHELL CWORD WORDS…` (hidden): the candidates the completion scripts show,
 * one per line. It reads the settings file and the cached inventory and nothing else: no
 * network call, no AWS SDK module, and never an error on the terminal (a Tab press that fails
 * completes nothing).
 */
import { readAwsConfig } from '../aws/aws-config-file.js';
import { baseSignIn } from '../aws/base-signin.js';
import { profileOfHeader } from '../core/aws-config-block.js';
import type { Deps } from '../aws/deps.js';
import { ExitCode } from '../core/errors.js';
import { readSettings } from '../core/settings.js';
import { readInventory } from '../inventory/cache.js';
import { completionCandidates, formatCandidates, SHELLS, type CompletionData, type Shell } from './completion.js';

export const usage = 'awsorg __complete bash|zsh|fish|plain CWORD WORD…  (used by the completion scripts)';

export interface CompleteOptions {
  shell: Shell | 'plain';
  /** Index in `words` of the word being completed; words[0] is the program. */
  cword: number;
  words: string[];
}

export function parse(argv: string[]): CompleteOptions {
  const [shell = 'plain', cword = '', ...words] = argv;
  const index = Number.parseInt(cword, 10);
  return {
    shell: (SHELLS as readonly string[]).includes(shell) ? (shell as Shell) : 'plain',
    cword: Number.isInteger(index) && index >= 0 ? index : words.length,
    words,
  };
}

/** Accounts, aliases and roles from the cache, whatever its age (empty when there is none); profiles from the AWS config file. */
export function cachedCompletionData(deps: Deps): CompletionData {
  const settings = readSettings(deps.paths);
  const base = baseSignIn(deps.env, settings);
  const lookup = readInventory(deps.paths, base.id, deps.clock.now(), settings.inventoryTtlMinutes);
  const accounts = lookup.kind === 'fresh' || lookup.kind === 'stale' ? lookup.inventory.accounts : [];
  const roles = new Set<string>([
    settings.defaultRole,
    ...(settings.sso?.defaultRole ? [settings.sso.defaultRole] : []),
  ]);
  for (const account of accounts) for (const role of account.roles ?? []) roles.add(role);
  const profiles = [...readAwsConfig(deps.env).keys()].map(profileOfHeader).filter((p): p is string => p !== undefined);
  return { accounts, aliases: settings.aliases, roles: [...roles], profiles };
}

export async function run(opts: CompleteOptions, deps: Deps): Promise<number> {
  try {
    let data: CompletionData | undefined;
    const candidates = completionCandidates(opts.words, opts.cword, () => (data ??= cachedCompletionData(deps)));
    deps.stdout.write(formatCandidates(opts.shell, candidates, opts.words[opts.cword] ?? ''));
  } catch {
    // A broken settings file or cache must not print errors into the middle of a command line.
  }
  return ExitCode.ok;
}
