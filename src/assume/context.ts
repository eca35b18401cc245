/**
 * What every operator command starts from: settings, the base sign-in, and the inventory
 * (from cache when fresh, else discovered). And the one way to get a role session's
 * credentials: cache first, then AssumeRole or Identity Center's GetRoleCredentials.
 *
 * On a credential-cache hit nothing here loads an AWS SDK module or makes a network call;
 * discovery and STS are imported only when needed.
 */
import { baseSignIn, describeBase, type BaseSignIn } from '../aws/base-signin.js';
import { resolveRegion } from '../aws/credentials.js';
import { checkCacheDirsSync } from '../core/cache-dirs.js';
import { readCachedCredentials, writeCachedCredentials, type CachedCredentials } from '../core/credential-cache.js';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, UsageError } from '../core/errors.js';
import { readSettings, type Settings } from '../core/settings.js';
import { readInventory, writeInventory } from '../inventory/cache.js';
import { productionReason } from '../inventory/production.js';
import type { Inventory, InventoryAccount } from '../inventory/types.js';
import type { RoleSession } from './types.js';
import { terminalText } from '../core/terminal-text.js';

export interface OperatorContext {
  settings: Settings;
  base: BaseSignIn;
  inventory: Inventory;
  inventoryFrom: 'cache' | 'discovered' | 'stale-cache';
}

export interface LoadOptions {
  refresh?: boolean;
  /** Progress lines for long discoveries ("412/5000 accounts"). */
  onProgress?: (message: string) => void;
}

export async function loadOperatorContext(deps: Deps, opts: LoadOptions = {}): Promise<OperatorContext> {
  const settings = readSettings(deps.paths);
  // Before any AWS call: a cache directory awsorg may not write would otherwise fail the command after AssumeRole.
  checkCacheDirsSync(deps.paths);
  const base = baseSignIn(deps.env, settings);
  const lookup = readInventory(deps.paths, base.id, deps.clock.now(), settings.inventoryTtlMinutes);
  if (lookup.kind === 'fresh' && !opts.refresh)
    return { settings, base, inventory: lookup.inventory, inventoryFrom: 'cache' };
  if (lookup.kind === 'unreadable')
    deps.stderr.write(`awsorg: ignoring the cached inventory (${lookup.reason}); loading it again\n`);
  try {
    const { discoverInventory } = await import('../inventory/discover.js');
    const inventory = await discoverInventory(
      deps,
      base,
      settings,
      opts.onProgress ? { onProgress: opts.onProgress } : {},
    );
    writeInventory(deps.paths, inventory);
    return { settings, base, inventory, inventoryFrom: 'discovered' };
  } catch (err) {
    // Without a network (or with expired sign-in) a stale list still resolves targets, and
    // cached credentials may still be valid; say so rather than fail.
    if (lookup.kind === 'stale' && !opts.refresh) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      deps.stderr.write(
        `awsorg: could not reload the account inventory (${terminalText(reason ?? '')}); using the copy from ${lookup.inventory.fetchedAt}\n`,
      );
      return { settings, base, inventory: lookup.inventory, inventoryFrom: 'stale-cache' };
    }
    throw err;
  }
}

const ROLE_NAME = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** The role for an account: --role, else the Identity Center role on offer, else the configured default. */
export function chooseRole(ctx: OperatorContext, account: InventoryAccount, roleFlag?: string): string {
  if (roleFlag !== undefined) {
    if (!ROLE_NAME.test(roleFlag)) {
      throw new UsageError(
        `--role "${roleFlag}" is not a valid IAM role name`,
        'Give the role name (letters, digits and +=,.@_-), optionally with a path, e.g. --role Admin.',
      );
    }
    if (ctx.base.kind === 'sso' && account.roles && !account.roles.includes(roleFlag)) {
      throw new UsageError(
        `Identity Center offers no role "${roleFlag}" in ${account.name} (${account.id})`,
        account.roles.length
          ? `Choose one of: ${account.roles.join(', ')}.`
          : 'You have no permission set in this account; ask your Identity Center administrator.',
      );
    }
    return roleFlag;
  }
  if (ctx.base.kind !== 'sso') return ctx.settings.defaultRole;
  const roles = account.roles ?? [];
  const preferred = [ctx.settings.sso?.defaultRole, ctx.base.sso.roleName].find((r) => r && roles.includes(r));
  if (preferred) return preferred;
  if (roles.length === 1) return roles[0]!;
  if (roles.length === 0) {
    throw new UsageError(
      `Identity Center offers you no role in ${account.name} (${account.id})`,
      'Ask your Identity Center administrator for a permission set in this account.',
    );
  }
  throw new UsageError(
    `${account.name} (${account.id}) offers several roles: ${roles.join(', ')}`,
    `Choose one with --role, e.g. --role ${roles[0]}.`,
  );
}

export interface SessionOptions {
  role?: string;
  durationSeconds?: number;
  region?: string;
  /** Ignore a cached entry and fetch new credentials. */
  refresh?: boolean;
}

export async function openRoleSession(
  deps: Deps,
  ctx: OperatorContext,
  account: InventoryAccount,
  opts: SessionOptions = {},
): Promise<RoleSession> {
  const role = chooseRole(ctx, account, opts.role);
  const region = opts.region ?? resolveRegion(deps.env);
  const production = productionReason(account, ctx.settings.production);
  const common = { account, role, region, ...(production ? { production } : {}) };
  const key = { baseId: ctx.base.id, accountId: account.id, role };
  if (!opts.refresh) {
    const lookup = readCachedCredentials(deps.paths, key, deps.clock.now());
    if (lookup.kind === 'hit') return { ...common, credentials: lookup.credentials, cacheHit: true };
    if (lookup.kind === 'rejected')
      deps.stderr.write(`awsorg: ignored and removed the cached credentials in ${lookup.file}: ${lookup.reason}\n`);
  }
  if (account.status && account.status !== 'ACTIVE') {
    throw new AwsorgError(
      `${terminalText(account.name)} (${account.id}) is ${terminalText(account.status)}; it cannot be signed in to`,
      'Pick an ACTIVE account (`awsorg accounts`).',
    );
  }
  const credentials =
    ctx.base.kind === 'sso'
      ? await (await import('../aws/sso-portal.js')).ssoRoleCredentials(deps, ctx.base.sso, account.id, role)
      : await (await import('./assume-role.js')).assumeRoleCredentials(
          deps,
          ctx.base,
          account,
          role,
          opts.durationSeconds ?? ctx.settings.sessionDurationSeconds,
        );
  writeCachedCredentials(deps.paths, key, credentials);
  return { ...common, credentials, cacheHit: false };
}

export type { CachedCredentials };
export { describeBase };
