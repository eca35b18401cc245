import type { Deps } from '../aws/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { readSettings, updateSettings } from '../core/settings.js';
import { nearest } from '../core/suggest.js';
import { baseSignIn } from '../aws/base-signin.js';
import { readInventory } from '../inventory/cache.js';
import { terminalJson, terminalText } from '../core/terminal-text.js';
import { parseDeclared, usageText } from './declare.js';
import { alias as ALIAS_COMMAND } from './declarations.js';

export const usage = usageText(ALIAS_COMMAND);

export type AliasOptions =
  | { action: 'set'; name: string; accountId: string; force: boolean }
  | { action: 'list'; json: boolean }
  | { action: 'rm'; name: string };

const ALIAS = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export function parse(argv: string[]): AliasOptions {
  const { values, positionals } = parseDeclared(argv, ALIAS_COMMAND, {
    ...ALIAS_COMMAND.subcommands.set.flags,
    ...ALIAS_COMMAND.subcommands.list.flags,
  });
  const [action, ...args] = positionals;
  switch (action) {
    case 'set': {
      const [name, accountId, extra] = args;
      if (!name || !accountId || extra !== undefined)
        throw new UsageError('alias set takes NAME and ACCOUNT_ID', `Usage: ${usage}`);
      if (!ALIAS.test(name))
        throw new UsageError(
          `alias NAME "${name}" is not valid`,
          'Start with a letter; use letters, digits, dot, dash or underscore (at most 64).',
        );
      if (!/^\d{12}$/.test(accountId))
        throw new UsageError(
          `ACCOUNT_ID "${accountId}" is not a 12-digit AWS account id`,
          'Find the id with `awsorg accounts`.',
        );
      return { action, name, accountId, force: Boolean(values.force) };
    }
    case 'list':
      if (args.length) throw new UsageError('alias list takes no arguments', `Usage: ${usage}`);
      return { action, json: Boolean(values.json) };
    case 'rm': {
      const [name, extra] = args;
      if (!name || extra !== undefined) throw new UsageError('alias rm takes one NAME', `Usage: ${usage}`);
      return { action, name };
    }
    default:
      throw new UsageError(action ? `unknown alias action "${action}"` : 'alias needs an action', `Usage: ${usage}`);
  }
}

export async function run(opts: AliasOptions, deps: Deps): Promise<number> {
  const settings = readSettings(deps.paths);
  if (opts.action === 'list') {
    const entries = Object.entries(settings.aliases).sort(([a], [b]) => a.localeCompare(b));
    if (opts.json) deps.stdout.write(terminalJson(Object.fromEntries(entries)) + '\n');
    else if (!entries.length) deps.stderr.write('No aliases yet. Add one with `awsorg alias set NAME ACCOUNT_ID`.\n');
    else {
      const names = accountNames(deps);
      // Aliases and ids come from the settings file and names from AWS: all are shown visibly.
      const shown = entries.map(
        ([name, id]) =>
          [terminalText(name), terminalText(id), names.has(id) ? terminalText(names.get(id)!) : undefined] as const,
      );
      const width = Math.max(...shown.map(([n]) => n.length));
      for (const [name, id, accountName] of shown)
        deps.stdout.write(`${name.padEnd(width)}  ${id}${accountName !== undefined ? `  ${accountName}` : ''}\n`);
    }
    return ExitCode.ok;
  }
  if (opts.action === 'rm') {
    const key = Object.keys(settings.aliases).find((k) => k.toLowerCase() === opts.name.toLowerCase());
    if (key === undefined) {
      const guess = nearest(opts.name, Object.keys(settings.aliases));
      throw new UsageError(
        `there is no alias "${opts.name}"${guess.length ? `; did you mean ${guess.map((g) => `"${g}"`).join(', ')}?` : ''}`,
        'List aliases with `awsorg alias list`.',
      );
    }
    await updateSettings(deps.paths, (s) => {
      const aliases = { ...s.aliases };
      delete aliases[key];
      return { aliases };
    });
    deps.stderr.write(`Removed alias ${terminalText(key)}.\n`);
    return ExitCode.ok;
  }
  const names = accountNames(deps);
  if (names.size && !names.has(opts.accountId) && !opts.force) {
    throw new UsageError(
      `account ${opts.accountId} is not in the cached inventory`,
      'Run `awsorg accounts --refresh` if it is new, or pass --force to save the alias anyway.',
    );
  }
  const existing = Object.keys(settings.aliases).find(
    (k) => k.toLowerCase() === opts.name.toLowerCase() && k !== opts.name,
  );
  await updateSettings(deps.paths, (s) => {
    const aliases = { ...s.aliases };
    if (existing) delete aliases[existing];
    aliases[opts.name] = opts.accountId;
    return { aliases };
  });
  deps.stderr.write(
    `Alias ${opts.name} -> ${opts.accountId}${names.has(opts.accountId) ? ` (${terminalText(names.get(opts.accountId)!)})` : ''}.\n`,
  );
  return ExitCode.ok;
}

/** Account id -> name from the cached inventory (no network; empty when nothing is cached). */
function accountNames(deps: Deps): Map<string, string> {
  const settings = readSettings(deps.paths);
  const lookup = readInventory(
    deps.paths,
    baseSignIn(deps.env, settings).id,
    deps.clock.now(),
    Number.POSITIVE_INFINITY,
  );
  if (lookup.kind !== 'fresh' && lookup.kind !== 'stale') return new Map();
  return new Map(lookup.inventory.accounts.map((a) => [a.id, a.name]));
}
