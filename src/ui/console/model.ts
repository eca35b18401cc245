/**
 * What the console shows, computed once per inventory: each account with its aliases, its
 * production reason, and the lowercase text the fuzzy filter searches. Pure.
 *
 * With thousands of accounts the first frame must not wait for work only a later keystroke
 * needs: the production reason and the search text are computed on first use (a visible row,
 * the first filter), once.
 */
import type { Settings } from '../../core/settings.js';
import { productionReason } from '../../inventory/production.js';
import type { Inventory, InventoryAccount } from '../../inventory/types.js';
import type { ParamKind, Runbook } from '../../runbooks/types.js';

/** The fields the filter searches, in the order they are tried. */
export const SEARCH_FIELDS = ['name', 'alias', 'id', 'ouPath', 'tag', 'email'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export interface ConsoleAccount {
  readonly account: InventoryAccount;
  readonly aliases: readonly string[];
  /** Why the account counts as production ("OU /Workloads/Prod"), when it does. */
  readonly production: string | undefined;
  /** Lowercased once, so a keystroke never lowercases 5,000 accounts again. */
  readonly haystack: Readonly<Record<SearchField, string>>;
}

export interface IdentitySummary {
  /** "SSO", "IAM user", "root", "role session", ... */
  kind: string;
  /** The ARN or sign-in the operator is using, as far as it is known without calling AWS. */
  principal: string;
  /** Where the base credentials come from (describeBase). */
  source: string;
  /** Set for root and IAM-user sign-ins: what to tell the operator in the banner. */
  breakGlass?: string;
}

export interface InventorySummary {
  source: Inventory['source'];
  fetchedAt: string;
  from: 'cache' | 'discovered' | 'stale-cache';
  organizationId?: string;
  /** Known when the inventory came from Organizations. */
  managementAccountId?: string;
}

/** What the console needs to know about a runbook to offer it for an account (`!`). */
export interface ConsoleRunbook {
  id: string;
  title: string;
  /** It takes an `account` parameter, so it can run against the selected account. */
  actsOnAccount: boolean;
  /** It has an action step; otherwise it only reads. */
  changesAws: boolean;
  /** It refuses the management account (quarantine-account: SCPs do not apply there). */
  refusesManagement: boolean;
  /** The other parameters the console must ask for: required, without a default (MFA codes the runbook asks itself). */
  asks: readonly RunbookAsk[];
}

export interface RunbookAsk {
  /** The flag name without dashes: `role-name`. */
  name: string;
  kind: ParamKind;
  description: string;
}

/**
 * What `!` offers: the runbooks and the rule an incident id must follow. Loaded on first use
 * (ConsoleOperations.runbooks), so the first frame never waits for the runbook modules.
 */
export interface RunbookOffer {
  runbooks: readonly ConsoleRunbook[];
  incidentId: RegExp;
  /** Why a value is not right for the parameter (the runbook's own check), or undefined when it is. Pure. */
  paramError(ask: RunbookAsk, value: string): string | undefined;
}

export interface ConsoleModel {
  /** Sorted by OU path, then name (the grouped order). */
  accounts: ConsoleAccount[];
  /** Indexes into `accounts`, sorted by name (the flat order). */
  byName: number[];
  identity: IdentitySummary;
  inventory: InventorySummary;
  /** The emulator endpoint, when the console runs over a rehearsal's organization (nothing may reach AWS). */
  rehearsal?: string;
}

type Rules = Pick<Settings, 'production'>['production'];

class Entry implements ConsoleAccount {
  private productionMemo: string | undefined | null = null;
  private haystackMemo: Record<SearchField, string> | undefined;
  constructor(
    readonly account: InventoryAccount,
    readonly aliases: readonly string[],
    private readonly rules: Rules,
  ) {}

  get production(): string | undefined {
    if (this.productionMemo === null) this.productionMemo = productionReason(this.account, this.rules);
    return this.productionMemo;
  }

  get haystack(): Record<SearchField, string> {
    if (!this.haystackMemo) {
      const a = this.account;
      this.haystackMemo = {
        name: a.name.toLowerCase(),
        alias: this.aliases.join(' ').toLowerCase(),
        id: a.id,
        ouPath: a.ouPath.toLowerCase(),
        tag: Object.entries(a.tags ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
          .toLowerCase(),
        email: a.email.toLowerCase(),
      };
    }
    return this.haystackMemo;
  }
}

/** Alias names per account id, sorted (as aliasesFor in src/inventory/resolve.ts gives them), in one pass. */
function aliasIndex(aliases: Record<string, string>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const name of Object.keys(aliases).sort()) {
    const id = aliases[name]!;
    const list = index.get(id);
    if (list) list.push(name);
    else index.set(id, [name]);
  }
  return index;
}

const NONE: readonly string[] = [];

export function buildModel(
  inventory: Inventory,
  settings: Pick<Settings, 'aliases' | 'production'>,
  identity: IdentitySummary,
  from: InventorySummary['from'],
): ConsoleModel {
  const aliases = aliasIndex(settings.aliases);
  const accounts: ConsoleAccount[] = inventory.accounts.map(
    (a) => new Entry(a, aliases.get(a.id) ?? NONE, settings.production),
  );
  // Sort keys computed once, not in every comparison.
  const keys = accounts.map((e) => ({
    entry: e,
    ou: e.account.ouPath.toLowerCase(),
    name: e.account.name.toLowerCase(),
  }));
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  keys.sort((a, b) => cmp(a.ou, b.ou) || cmp(a.name, b.name) || cmp(a.entry.account.id, b.entry.account.id));
  const sorted = keys.map((k) => k.entry);
  const byName = keys.map((_, i) => i);
  byName.sort((i, j) => cmp(keys[i]!.name, keys[j]!.name) || cmp(keys[i]!.entry.account.id, keys[j]!.entry.account.id));
  return {
    accounts: sorted,
    byName,
    identity,
    inventory: {
      source: inventory.source,
      fetchedAt: inventory.fetchedAt,
      from,
      ...(inventory.organizationId ? { organizationId: inventory.organizationId } : {}),
      ...(inventory.managementAccountId ? { managementAccountId: inventory.managementAccountId } : {}),
    },
  };
}

const NO_RUNBOOKS: readonly ConsoleRunbook[] = [];

/** The runbooks that can run against one account, which `!` lists (none until the offer is loaded). */
export function accountRunbooks(offer: RunbookOffer | undefined): readonly ConsoleRunbook[] {
  return offer ? offer.runbooks.filter((r) => r.actsOnAccount) : NO_RUNBOOKS;
}

/** Whether the runbook refuses this account because it is the management account (known only from Organizations). */
export function refusesAccount(model: ConsoleModel, runbook: ConsoleRunbook, accountId: string): boolean {
  return runbook.refusesManagement && model.inventory.managementAccountId === accountId;
}

/** The operation whose check refuses the management account. */
const REFUSE_MANAGEMENT = 'organizations.refuse-management-account';

/** The console's view of runbooks (pure data; the console never loads the catalog or its operations). */
export function consoleRunbooks(runbooks: readonly Runbook[]): ConsoleRunbook[] {
  return runbooks.map((r) => ({
    id: r.id,
    title: r.title,
    actsOnAccount: r.params.some((param) => param.name === 'account' && param.kind === 'account'),
    changesAws: r.steps.some((step) => step.kind === 'action'),
    refusesManagement: r.steps.some((step) => step.operation === REFUSE_MANAGEMENT),
    asks: r.params
      .filter(
        (param) =>
          param.required &&
          param.default === undefined &&
          param.name !== 'account' &&
          param.kind !== 'mfa-code' &&
          !param.secret,
      )
      .map((param) => ({ name: param.name, kind: param.kind, description: param.description })),
  }));
}

/** Compute every account's search text now (when the console is idle) rather than on the first keystroke. */
export function prepareSearch(model: ConsoleModel): void {
  for (const entry of model.accounts) void entry.haystack;
}
