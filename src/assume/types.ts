import type { CachedCredentials } from '../core/credential-cache.js';
import type { InventoryAccount } from '../inventory/types.js';

/** Credentials for one account and role, ready to hand to a shell, a command or the console. */
export interface RoleSession {
  account: InventoryAccount;
  role: string;
  region: string;
  credentials: CachedCredentials;
  /** True when the credentials came from the cache (no network call was made). */
  cacheHit: boolean;
  /** Why the account counts as production, when it does. */
  production?: string;
}
