/** The organization's accounts as awsorg knows them: discovered, cached, and resolved as targets. */

export interface InventoryAccount {
  id: string;
  name: string;
  /** Empty when the source does not reveal it. */
  email: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE, ... (Organizations); ACTIVE for Identity Center. */
  status: string;
  /** "/" for the root, else "/Workloads/Prod". Empty when unknown (Identity Center). */
  ouPath: string;
  tags: Record<string, string>;
  /** Roles the base sign-in may use in this account (Identity Center permission sets). */
  roles?: string[];
}

export type InventorySource = 'organizations' | 'sso';

export interface Inventory {
  version: 1;
  source: InventorySource;
  /** The base sign-in it was loaded with (see base-signin.ts); a different sign-in loads its own. */
  baseId: string;
  /** ISO time of the discovery. */
  fetchedAt: string;
  organizationId?: string;
  managementAccountId?: string;
  accounts: InventoryAccount[];
}
