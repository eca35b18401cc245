/**
 * A small organization in moto, built directly through the SDK for operator-side tests:
 * OUs (nested), accounts in them, and account tags. Returns what tests need to point the CLI
 * at it.
 */
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { clientsFor, type Clients } from './aws.js';
import { isolatedEnv } from './cli.js';

export interface FixtureAccountSpec {
  name: string;
  /** OU path under the root, e.g. "Workloads/Prod"; "" for the root. */
  ou: string;
  tags?: Record<string, string>;
}

export interface FixtureAccount {
  id: string;
  name: string;
  email: string;
  ouPath: string;
  tags: Record<string, string>;
}

export interface OrgFixture {
  managementAccountId: string;
  rootId: string;
  accounts: FixtureAccount[];
  byName(name: string): FixtureAccount;
  clients: Clients;
}

export const DEFAULT_ACCOUNTS: FixtureAccountSpec[] = [
  { name: 'Log Archive', ou: 'Security' },
  { name: 'Audit', ou: 'Security' },
  { name: 'Shared Services', ou: 'Infrastructure' },
  { name: 'Development', ou: 'Workloads/NonProd' },
  { name: 'Staging', ou: 'Workloads/NonProd', tags: { environment: 'staging' } },
  { name: 'Production', ou: 'Workloads/Prod', tags: { environment: 'production', team: 'platform' } },
  { name: 'Sandbox Alice', ou: 'Sandbox', tags: { owner: 'alice' } },
];

/** moto's management account when called with its default credentials. */
export const MOTO_MANAGEMENT_ACCOUNT = '123456789012';

export async function createOrgFixture(
  endpoint: string,
  specs: FixtureAccountSpec[] = DEFAULT_ACCOUNTS,
): Promise<OrgFixture> {
  const clients = clientsFor(endpoint);
  const org = clients.organizations;
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const ouIds = new Map<string, string>([['', rootId]]);
  const ensureOu = async (path: string): Promise<string> => {
    const known = ouIds.get(path);
    if (known) return known;
    const parts = path.split('/');
    const parent = await ensureOu(parts.slice(0, -1).join('/'));
    const out = await org.send(
      new CreateOrganizationalUnitCommand({ ParentId: parent, Name: parts[parts.length - 1]! }),
    );
    ouIds.set(path, out.OrganizationalUnit!.Id!);
    return out.OrganizationalUnit!.Id!;
  };
  const accounts: FixtureAccount[] = [];
  for (const spec of specs) {
    const email = `${spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@example.com`;
    const created = await org.send(new CreateAccountCommand({ AccountName: spec.name, Email: email }));
    const id = created.CreateAccountStatus!.AccountId!;
    if (spec.ou) {
      const ouId = await ensureOu(spec.ou);
      await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ouId }));
    }
    if (spec.tags && Object.keys(spec.tags).length) {
      await org.send(
        new TagResourceCommand({
          ResourceId: id,
          Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
    accounts.push({ id, name: spec.name, email, ouPath: spec.ou ? `/${spec.ou}` : '/', tags: spec.tags ?? {} });
  }
  return {
    managementAccountId: MOTO_MANAGEMENT_ACCOUNT,
    rootId,
    accounts,
    clients,
    byName(name) {
      const a = accounts.find((x) => x.name === name);
      if (!a) throw new Error(`fixture has no account ${name}`);
      return a;
    },
  };
}

/** An isolated CLI environment whose base credentials are moto's management account keys. */
export function operatorEnv(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return isolatedEnv({
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    // The AWS CLI v1 reads only AWS_DEFAULT_REGION.
    AWS_DEFAULT_REGION: 'us-east-1',
    ...extra,
  });
}
