/**
 * Inventory from IAM Identity Center: the accounts the operator has a permission set in
 * (sso:ListAccounts) and the roles offered in each (sso:ListAccountRoles, one call per account).
 *
 * The portal API throttles hard and one call per account adds up (a tool that fired them all at
 * once failed after 227 calls with 429s), so the calls are paced by an adaptive limiter, a few
 * at a time, and a call that is still throttled after the session's own retries waits and runs
 * again instead of failing the discovery.
 */
import type { BaseSignIn } from '../aws/base-signin.js';
import { AdaptivePacer, forEachLimited } from '../aws/rate-limit.js';
import { listSsoAccountRoles, listSsoAccounts, ssoAccessToken, SsoPortalError } from '../aws/sso-portal.js';
import type { Deps } from '../aws/deps.js';
import { CancelledError } from '../core/errors.js';
import type { Inventory, InventoryAccount } from './types.js';

export interface SsoDiscoverOptions {
  onProgress?: (message: string) => void;
  /** Portal requests per second to start at (adapts down on throttling, creeps back up). */
  requestsPerSecond?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

const DEFAULT_RATE = 10;
const DEFAULT_CONCURRENCY = 4;
const PROGRESS_EVERY = 100;
/** Rounds of waiting after the session's own retries gave up on throttling. */
const THROTTLED_ROUNDS = 6;

export async function discoverSsoInventory(
  deps: Deps,
  base: Extract<BaseSignIn, { kind: 'sso' }>,
  opts: SsoDiscoverOptions = {},
): Promise<Inventory> {
  const sso = base.sso;
  const token = await ssoAccessToken(deps, sso);
  const rate = opts.requestsPerSecond ?? DEFAULT_RATE;
  const pacer = new AdaptivePacer(deps.clock, { rate, min: 1, max: Math.max(rate, 2 * DEFAULT_RATE) });
  // AdaptivePacer treats a burst of throttling as one signal.
  const slowDown = () => pacer.throttled();
  const stopListening = deps.awsEvents.add((e) => {
    if (e.type === 'retry' && e.kind === 'throttled' && e.service === 'sso') slowDown();
  });
  const paced = async (): Promise<void> => {
    if (deps.signal.aborted) throw new CancelledError('inventory discovery was interrupted');
    await pacer.acquire(deps.signal);
  };
  const patiently = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let round = 1; ; round++) {
      try {
        const out = await work();
        pacer.succeeded();
        return out;
      } catch (err) {
        if (!(err instanceof SsoPortalError) || err.code !== 'TooManyRequestsException' || round >= THROTTLED_ROUNDS)
          throw err;
        slowDown();
        await deps.clock.sleep(Math.min(30_000, 1_000 * 2 ** round) * (0.5 + deps.random() / 2), deps.signal);
        if (deps.signal.aborted) throw new CancelledError('inventory discovery was interrupted');
      }
    }
  };
  try {
    const listed = await patiently(() => listSsoAccounts(deps, sso, token, paced));
    opts.onProgress?.(
      `Identity Center lists ${listed.length} account${listed.length === 1 ? '' : 's'}; reading the roles offered in each`,
    );
    const accounts: InventoryAccount[] = listed.map((a) => ({
      id: a.accountId,
      name: a.accountName,
      email: a.emailAddress,
      status: 'ACTIVE',
      ouPath: '',
      tags: {},
      roles: [],
    }));
    let done = 0;
    await forEachLimited(
      accounts,
      opts.concurrency ?? DEFAULT_CONCURRENCY,
      async (account) => {
        account.roles = await patiently(() => listSsoAccountRoles(deps, sso, token, account.id, paced));
        done++;
        if (done % PROGRESS_EVERY === 0 && done < accounts.length)
          opts.onProgress?.(`Read the roles of ${done}/${accounts.length} accounts`);
      },
      deps.signal,
    );
    if (deps.signal.aborted) throw new CancelledError('inventory discovery was interrupted');
    accounts.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return {
      version: 1,
      source: 'sso',
      baseId: base.id,
      fetchedAt: new Date(deps.clock.now()).toISOString(),
      accounts,
    };
  } finally {
    stopListening();
  }
}
