/**
 * Inventory discovery. From AWS Organizations when the caller can read it (management account
 * or delegated administrator): the OU tree walked from the root, each parent's accounts, and
 * every account's tags. Otherwise from IAM Identity Center (discover-sso.ts).
 *
 * Walking parents with ListAccountsForParent gives every account's OU path without a
 * ListParents call per account. All calls are paced by an adaptive limiter so thousands of
 * accounts load without a throttling failure.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type Account,
} from '@aws-sdk/client-organizations';
import { accountState } from '../aws/account-state.js';
import type { BaseSignIn } from '../aws/base-signin.js';
import { AdaptivePacer, forEachLimited } from '../aws/rate-limit.js';
import type { AwsSession } from '../aws/session.js';
import type { Deps } from '../aws/deps.js';
import { AwsCallError, CancelledError, PreconditionError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { Inventory, InventoryAccount } from './types.js';

export interface DiscoverOptions {
  onProgress?: (message: string) => void;
}

/** Requests in flight and the starting request rate; both adapt down under throttling. */
const CONCURRENCY = 8;
const START_RATE = 40;

export async function discoverInventory(
  deps: Deps,
  base: BaseSignIn,
  settings: Settings,
  opts: DiscoverOptions = {},
): Promise<Inventory> {
  if (base.kind === 'sso') return (await import('./discover-sso.js')).discoverSsoInventory(deps, base, opts);
  try {
    return await discoverFromOrganizations(deps, base, settings, opts);
  } catch (err) {
    const denied =
      err instanceof AwsCallError &&
      (/AccessDenied/.test(err.code) || err.code === 'AWSOrganizationsNotInUseException');
    if (!denied) throw err;
    if (settings.sso) {
      opts.onProgress?.(
        `Organizations is not readable with ${base.id} (${(err as AwsCallError).code}); using IAM Identity Center`,
      );
      const ssoBase = {
        kind: 'sso' as const,
        id: `sso:${settings.sso.startUrl}`,
        sso: {
          startUrl: settings.sso.startUrl,
          region: settings.sso.region,
          ...(settings.sso.sessionName ? { sessionName: settings.sso.sessionName } : {}),
        },
        via: 'awsorg-login' as const,
      };
      const inventory = await (await import('./discover-sso.js')).discoverSsoInventory(deps, ssoBase, opts);
      return { ...inventory, baseId: base.id };
    }
    throw new PreconditionError(
      (err as AwsCallError).code === 'AWSOrganizationsNotInUseException'
        ? 'this account is not in an organization, so there are no accounts to list'
        : `these credentials cannot read AWS Organizations: ${(err as AwsCallError).message}`,
      'Use the management account (or a delegated administrator), or sign in to IAM Identity Center with `awsorg login --sso`.',
      { cause: err },
    );
  }
}

async function discoverFromOrganizations(
  deps: Deps,
  base: BaseSignIn,
  _settings: Settings,
  opts: DiscoverOptions,
): Promise<Inventory> {
  const session = deps.aws();
  const pacer = new AdaptivePacer(deps.clock, { rate: START_RATE, min: 1, max: 200 });
  const stopListening = deps.awsEvents.add((e) => {
    if (e.type === 'retry' && e.kind === 'throttled' && e.service === 'organizations') pacer.throttled();
  });
  try {
    const call = async <T>(send: (s: AwsSession) => Promise<T>): Promise<T> => {
      if (deps.signal.aborted) throw new CancelledError('inventory discovery was interrupted');
      await pacer.acquire(deps.signal);
      const out = await send(session);
      pacer.succeeded();
      return out;
    };
    const { Organization: org } = await call((s) => s.send('organizations', new DescribeOrganizationCommand({})));
    const roots = await call((s) => s.send('organizations', new ListRootsCommand({})));
    const rootId = roots.Roots?.[0]?.Id;
    if (!rootId)
      throw new PreconditionError('the organization has no root', 'Check the organization in the AWS console.');

    // Breadth-first over the OU tree; each parent's OUs and accounts are listed with pagination.
    const found: { account: Account; ouPath: string }[] = [];
    let reported = 0;
    let ous = 0;
    let level: { id: string; path: string }[] = [{ id: rootId, path: '/' }];
    while (level.length) {
      const nextLevel: { id: string; path: string }[] = [];
      await forEachLimited(
        level,
        CONCURRENCY,
        async (parent) => {
          let token: string | undefined;
          do {
            const page = await call((s) =>
              s.send(
                'organizations',
                new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken: token }),
              ),
            );
            for (const ou of page.OrganizationalUnits ?? []) {
              nextLevel.push({ id: ou.Id!, path: `${parent.path === '/' ? '' : parent.path}/${ou.Name}` });
            }
            token = page.NextToken;
          } while (token);
          token = undefined;
          do {
            const page = await call((s) =>
              s.send('organizations', new ListAccountsForParentCommand({ ParentId: parent.id, NextToken: token })),
            );
            for (const account of page.Accounts ?? []) found.push({ account, ouPath: parent.path });
            token = page.NextToken;
          } while (token);
          if (found.length - reported >= 500) {
            reported = found.length;
            opts.onProgress?.(`Listed ${found.length} accounts so far`);
          }
        },
        deps.signal,
      );
      ous += nextLevel.length;
      level = nextLevel;
    }
    opts.onProgress?.(`Listed ${found.length} accounts in ${ous} OUs; reading their tags`);
    if (deps.signal.aborted) throw new CancelledError('inventory discovery was interrupted');

    const accounts: InventoryAccount[] = found.map(({ account, ouPath }) => ({
      id: account.Id!,
      name: account.Name ?? account.Id!,
      email: account.Email ?? '',
      status: accountState(account) ?? 'UNKNOWN',
      ouPath,
      tags: {},
    }));
    let tagged = 0;
    const every = Math.max(50, Math.ceil(accounts.length / 20));
    await forEachLimited(
      accounts,
      CONCURRENCY,
      async (account) => {
        let token: string | undefined;
        do {
          const page = await call((s) =>
            s.send('organizations', new ListTagsForResourceCommand({ ResourceId: account.id, NextToken: token })),
          );
          for (const tag of page.Tags ?? []) if (tag.Key) account.tags[tag.Key] = tag.Value ?? '';
          token = page.NextToken;
        } while (token);
        tagged++;
        if (tagged % every === 0 && tagged < accounts.length)
          opts.onProgress?.(`Read tags of ${tagged}/${accounts.length} accounts`);
      },
      deps.signal,
    );
    if (deps.signal.aborted) throw new CancelledError('inventory discovery was interrupted');
    accounts.sort(
      (a, b) => a.ouPath.localeCompare(b.ouPath) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
    return {
      version: 1,
      source: 'organizations',
      baseId: base.id,
      fetchedAt: new Date(deps.clock.now()).toISOString(),
      ...(org?.Id ? { organizationId: org.Id } : {}),
      ...(org?.MasterAccountId ? { managementAccountId: org.MasterAccountId } : {}),
      accounts,
    };
  } finally {
    stopListening();
  }
}
