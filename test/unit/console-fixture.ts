/**
 * Data for the console's tests and benchmark: a small organization with fixed ids and a fixed
 * clock (golden frames must not change between runs), a synthetic one of any size, and
 * ConsoleOperations that answer from memory.
 */
import type { BaseSignIn } from '../../src/aws/base-signin.js';
import type { RoleSession } from '../../src/assume/types.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import type { Inventory, InventoryAccount } from '../../src/inventory/types.js';
import { identitySummary } from '../../src/ui/console/identity.js';
import { INCIDENT_ID } from '../../src/core/audit.js';
import { checkParam } from '../../src/runbooks/params.js';
import { buildModel, type ConsoleModel, type ConsoleRunbook, type RunbookOffer } from '../../src/ui/console/model.js';
import type { ConsoleOperations } from '../../src/ui/console/operations.js';

/** 2026-11-22 12:00 UTC; the inventory below was loaded 2 hours 5 minutes earlier. */
export const FIXED_NOW = Date.parse('2026-11-22T12:00:00.000Z');

export const SSO_BASE: BaseSignIn = {
  kind: 'sso',
  id: 'sso:https://example.awsapps.com/start',
  sso: { startUrl: 'https://example.awsapps.com/start', region: 'us-east-1' },
  via: 'awsorg-login',
};

export const IAM_USER_BASE: BaseSignIn = {
  kind: 'env',
  id: 'env:AKIAIOSFODNN7EXAMPLE',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  temporary: false,
};

const account = (
  id: string,
  name: string,
  ouPath: string,
  tags: Record<string, string> = {},
  status = 'ACTIVE',
): InventoryAccount => ({
  id,
  name,
  email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@example.com`,
  status,
  ouPath,
  tags,
});

export function fixtureInventory(): Inventory {
  return {
    version: 1,
    source: 'organizations',
    baseId: SSO_BASE.id,
    fetchedAt: new Date(FIXED_NOW - 125 * 60_000).toISOString(),
    organizationId: 'o-exampleorg1',
    managementAccountId: '111111111111',
    accounts: [
      account('111111111111', 'Management', '/'),
      account('222222222222', 'Log Archive', '/Security'),
      account('333333333333', 'Audit', '/Security'),
      account('444444444444', 'Shared Services', '/Infrastructure'),
      account('555555555555', 'Development', '/Workloads/NonProd', { environment: 'development' }),
      account('666666666666', 'Staging', '/Workloads/NonProd', { environment: 'staging' }),
      account('777777777777', 'Production', '/Workloads/Prod', { environment: 'production', team: 'platform' }),
      account('888888888888', 'Sandbox Alice', '/Sandbox', { owner: 'alice' }),
      account('999999999999', 'Sandbox Old', '/Sandbox', { owner: 'bob' }, 'SUSPENDED'),
      account('101010101010', 'Payments', '/Workloads/NonProd', { stage: 'prod', team: 'payments' }),
    ],
  };
}

export function fixtureSettings(): Settings {
  return {
    ...structuredClone(DEFAULT_SETTINGS),
    aliases: { prod: '777777777777', stg: '666666666666', logs: '222222222222', pay: '101010101010' },
  };
}

/**
 * The runbooks `!` offers (fakeOperations().runbooks), fixed here rather than taken from the
 * built-in catalog so the golden frames do not change when a runbook is added: three that act
 * on an account (one refuses the management account, one is read-only, one asks for a role
 * name) and one for the whole organization.
 */
export const FIXTURE_RUNBOOKS: readonly ConsoleRunbook[] = [
  {
    id: 'quarantine-account',
    title: 'Quarantine a member account',
    actsOnAccount: true,
    changesAws: true,
    refusesManagement: true,
    asks: [],
  },
  {
    id: 'review-account-access',
    title: 'Review who can sign in to an account',
    actsOnAccount: true,
    changesAws: false,
    refusesManagement: false,
    asks: [],
  },
  {
    id: 'revoke-role-sessions',
    title: 'Revoke the active sessions of a role in an account',
    actsOnAccount: true,
    changesAws: true,
    refusesManagement: false,
    asks: [
      { name: 'role-name', kind: 'role-name', description: 'the role whose sessions to revoke, without its path' },
    ],
  },
  {
    id: 'break-glass-drill',
    title: 'Rehearse break-glass access',
    actsOnAccount: false,
    changesAws: false,
    refusesManagement: false,
    asks: [],
  },
];

export const FIXTURE_OFFER: RunbookOffer = {
  runbooks: FIXTURE_RUNBOOKS,
  incidentId: INCIDENT_ID,
  // The runbooks' own check, as loadRunbookOffer wires it.
  paramError(ask, value) {
    try {
      checkParam({ ...ask, required: true }, value);
      return undefined;
    } catch (err) {
      return `${(err as Error).message}.`;
    }
  },
};

export function fixtureModel(base: BaseSignIn = SSO_BASE, cachedArn?: string): ConsoleModel {
  return buildModel(fixtureInventory(), fixtureSettings(), identitySummary(base, cachedArn), 'cache');
}

const TEAMS = ['payments', 'search', 'identity', 'ledger', 'mobile', 'data', 'ml', 'edge', 'billing', 'growth'];
const ENVIRONMENTS = ['dev', 'test', 'staging', 'prod', 'sandbox'];

/** `count` accounts across teams and environments, in nested OUs, with tags; ids are stable. */
export function syntheticInventory(
  count: number,
  baseId = SSO_BASE.id,
  fetchedAt = new Date(FIXED_NOW - 3_600_000).toISOString(),
): Inventory {
  const accounts: InventoryAccount[] = [];
  for (let i = 0; i < count; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const env = ENVIRONMENTS[Math.floor(i / TEAMS.length) % ENVIRONMENTS.length]!;
    const n = Math.floor(i / (TEAMS.length * ENVIRONMENTS.length));
    const ou =
      env === 'prod' ? `/Workloads/Prod/${team}` : env === 'sandbox' ? '/Sandbox' : `/Workloads/NonProd/${team}`;
    accounts.push({
      id: String(100_000_000_000 + i * 7919),
      name: `${team}-${env}-${String(n).padStart(3, '0')}`,
      email: `aws+${team}-${env}-${n}@example.com`,
      status: i % 97 === 0 ? 'SUSPENDED' : 'ACTIVE',
      ouPath: ou,
      tags: { team, environment: env === 'prod' ? 'production' : env, costcenter: `cc-${1000 + (i % 37)}` },
    });
  }
  return { version: 1, source: 'organizations', baseId, fetchedAt, organizationId: 'o-synthetic01', accounts };
}

export function fakeSession(a: InventoryAccount, role = 'OrganizationAccountAccessRole'): RoleSession {
  return {
    account: a,
    role,
    region: 'us-east-1',
    cacheHit: false,
    credentials: {
      accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
      secretAccessKey: 'secret/example',
      sessionToken: 'token-example',
      expiration: new Date(FIXED_NOW + 3_600_000).toISOString(),
      accountId: a.id,
      role,
    },
  };
}

export interface FakeOperations extends ConsoleOperations {
  opened: string[];
  browsed: string[];
}

/** Operations answered from memory; `failSession` makes openSession fail with that error. */
export function fakeOperations(
  opts: { expiries?: Record<string, number>; failSession?: Error; url?: string; reloaded?: ConsoleModel } = {},
): FakeOperations {
  const opened: string[] = [];
  const browsed: string[] = [];
  return {
    opened,
    browsed,
    now: () => FIXED_NOW,
    sessionExpiry: (a) => opts.expiries?.[a.id],
    async openSession(a) {
      opened.push(a.id);
      if (opts.failSession) throw opts.failSession;
      return fakeSession(a);
    },
    signInUrl: async () =>
      opts.url ?? 'https://signin.aws.amazon.com/federation?Action=login&Issuer=awsorg&SigninToken=EXAMPLE',
    async openInBrowser(url) {
      browsed.push(url);
      return 'xdg-open';
    },
    async reload() {
      if (!opts.reloaded) throw new Error('no reload in this test');
      return opts.reloaded;
    },
    runbooks: async () => FIXTURE_OFFER,
    setNoticeListener: () => undefined,
  };
}
