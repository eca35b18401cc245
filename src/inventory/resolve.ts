/**
 * TARGET -> account. A target is an alias, a 12-digit account id, or an account name
 * (case-insensitive). Ambiguity is an error that lists the candidates; an unknown target
 * suggests the closest names. Both exit 2. Pure.
 *
 * Names and the target are put into messages through `shown` (terminal-text.ts): a name with a
 * newline would otherwise add a forged candidate line to the error.
 */
import { UsageError } from '../core/errors.js';
import { nearest } from '../core/suggest.js';
import { terminalText as shown } from '../core/terminal-text.js';
import type { InventoryAccount } from './types.js';

export interface Resolved {
  account: InventoryAccount;
  /** How the target matched. */
  via: 'alias' | 'id' | 'name';
  alias?: string;
}

export function aliasesFor(accountId: string, aliases: Record<string, string>): string[] {
  return Object.entries(aliases)
    .filter(([, id]) => id === accountId)
    .map(([name]) => name)
    .sort();
}

export function resolveTarget(
  target: string,
  accounts: readonly InventoryAccount[],
  aliases: Record<string, string>,
): Resolved {
  const wanted = target.trim();
  if (!wanted)
    throw new UsageError('TARGET is empty', 'Name an account by alias, 12-digit id or name (see `awsorg accounts`).');
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const aliasKey = Object.keys(aliases).find((k) => k.toLowerCase() === wanted.toLowerCase());
  if (aliasKey !== undefined) {
    const id = aliases[aliasKey]!;
    const account = byId.get(id);
    if (!account) {
      throw new UsageError(
        `alias "${shown(aliasKey)}" points at account ${shown(id)}, which is not in the organization's inventory`,
        `Run \`awsorg accounts --refresh\` if the account is new, or fix the alias with \`awsorg alias set ${shown(aliasKey)} ACCOUNT_ID\`.`,
      );
    }
    return { account, via: 'alias', alias: aliasKey };
  }
  if (/^\d{12}$/.test(wanted)) {
    const account = byId.get(wanted);
    if (!account) {
      throw new UsageError(
        `account ${wanted} is not in the organization's inventory`,
        'Check the id with `awsorg accounts`; run `awsorg accounts --refresh` if the account was created or invited since the last load.',
      );
    }
    return { account, via: 'id' };
  }
  const matches = accounts.filter((a) => a.name.toLowerCase() === wanted.toLowerCase());
  if (matches.length === 1) return { account: matches[0]!, via: 'name' };
  if (matches.length > 1) {
    throw new UsageError(
      `"${shown(target)}" matches ${matches.length} accounts:\n${matches.map((a) => `  ${a.id}  ${shown(a.name)}  ${shown(a.ouPath || '')}`.trimEnd()).join('\n')}`,
      `Use the account id, or give one of them an alias: \`awsorg alias set NAME ${matches[0]!.id}\`.`,
    );
  }
  const names = [...new Set([...accounts.map((a) => a.name), ...Object.keys(aliases)])];
  const suggestions = nearest(wanted, names);
  throw new UsageError(
    `no account, alias or id matches "${shown(target)}"${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${shown(s)}"`).join(', ')}?` : ''}`,
    'List the accounts with `awsorg accounts` (add --refresh if the account is new).',
  );
}
