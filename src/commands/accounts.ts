import type { Deps } from '../aws/deps.js';
import { ExitCode } from '../core/errors.js';
import { loadOperatorContext } from '../assume/context.js';
import { productionReason } from '../inventory/production.js';
import { aliasesFor } from '../inventory/resolve.js';
import { terminalJson, terminalText } from '../core/terminal-text.js';
import { parseDeclared, usageText } from './declare.js';
import { accounts as ACCOUNTS } from './declarations.js';

export const usage = usageText(ACCOUNTS);

export interface AccountsOptions {
  json: boolean;
  refresh: boolean;
}

export function parse(argv: string[]): AccountsOptions {
  const { values } = parseDeclared(argv, ACCOUNTS, ACCOUNTS.flags);
  return { json: Boolean(values.json), refresh: Boolean(values.refresh) };
}

export async function run(opts: AccountsOptions, deps: Deps): Promise<number> {
  const ctx = await loadOperatorContext(deps, {
    refresh: opts.refresh,
    onProgress: (m) => deps.stderr.write(`${m}\n`),
  });
  const { inventory, settings } = ctx;
  const rows = inventory.accounts.map((a) => {
    const production = productionReason(a, settings.production);
    return {
      id: a.id,
      name: a.name,
      email: a.email,
      ouPath: a.ouPath,
      status: a.status,
      aliases: aliasesFor(a.id, settings.aliases),
      tags: a.tags,
      ...(a.roles ? { roles: a.roles } : {}),
      production: production ?? null,
    };
  });
  if (opts.json) {
    const out = {
      source: inventory.source,
      fetchedAt: inventory.fetchedAt,
      ...(inventory.organizationId ? { organizationId: inventory.organizationId } : {}),
      ...(inventory.managementAccountId ? { managementAccountId: inventory.managementAccountId } : {}),
      accounts: rows,
    };
    deps.stdout.write(terminalJson(out) + '\n');
    return ExitCode.ok;
  }
  const table = [
    ['ID', 'NAME', 'EMAIL', 'OU PATH', 'STATUS', 'ALIAS', ''],
    // Names, emails and OU paths are AWS's, and may carry escapes or newlines: each cell is
    // shown visibly before it is measured, so the columns still line up.
    ...rows.map((r) =>
      [r.id, r.name, r.email, r.ouPath || '-', r.status, r.aliases.join(',') || '-', r.production ? 'PROD' : ''].map(
        terminalText,
      ),
    ),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table)
    deps.stdout.write(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
  const age = Math.round((deps.clock.now() - Date.parse(inventory.fetchedAt)) / 60_000);
  deps.stderr.write(
    `${rows.length} accounts from ${inventory.source === 'organizations' ? 'AWS Organizations' : 'IAM Identity Center'}, ${ctx.inventoryFrom === 'discovered' ? 'loaded just now' : `cached ${age} min ago (--refresh reloads)`}\n`,
  );
  return ExitCode.ok;
}
