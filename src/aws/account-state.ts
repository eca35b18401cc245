/**
 * An Organizations account's state. AWS retired the account `Status` field on 9 September 2026
 * and now sends `State` (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED); older
 * answers, and emulators, may still send `Status` only. Pure.
 */
import type { Account } from '@aws-sdk/client-organizations';

/** `State`, or the retired `Status` when only that was sent; undefined when neither was. */
export function accountState(account: Pick<Account, 'State' | 'Status'>): string | undefined {
  return account.State ?? account.Status ?? undefined;
}

/** States in which an account can be neither adopted nor signed in to until AWS Support reopens it. */
export const CLOSED_OR_SUSPENDED: ReadonlySet<string> = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);
