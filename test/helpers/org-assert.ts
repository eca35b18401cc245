/**
 * Assertions about what a bootstrap left in moto: every resource exists exactly once.
 * moto accepts duplicate OUs, accounts and providers, so these checks catch our own mistakes.
 */
import assert from 'node:assert/strict';
import { DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListOpenIDConnectProvidersCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import type { Clients } from './aws.js';

function assertUnique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    assert.ok(!seen.has(v), `duplicate ${what}: ${v}`);
    seen.add(v);
  }
}

export async function assertNoDuplicates(
  aws: Clients,
  expect: { accounts: number; ous: number; scps: number },
): Promise<void> {
  const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
  let ous = 0;
  const walk = async (parentId: string) => {
    const children =
      (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId })))
        .OrganizationalUnits ?? [];
    assertUnique(
      children.map((c) => c.Name!),
      `OU under ${parentId}`,
    );
    ous += children.length;
    for (const child of children) await walk(child.Id!);
  };
  await walk(root.Id!);
  assert.equal(ous, expect.ous, 'OU count');

  const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts ?? [];
  assertUnique(
    accounts.map((a) => a.Email!.toLowerCase()),
    'account email',
  );
  assert.equal(accounts.length, expect.accounts + 1, 'member accounts plus the management account');

  const scps = (
    (await aws.organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies ?? []
  ).filter((p) => p.Name!.startsWith('awsorg-'));
  assertUnique(
    scps.map((p) => p.Name!),
    'SCP',
  );
  assert.equal(scps.length, expect.scps, 'SCP count');
  for (const scp of scps) {
    const targets =
      (await aws.organizations.send(new ListTargetsForPolicyCommand({ PolicyId: scp.Id! }))).Targets ?? [];
    assertUnique(
      targets.map((t) => t.TargetId!),
      `attachment of ${scp.Name}`,
    );
  }

  const providers = (await aws.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
  assertUnique(
    providers.map((p) => p.Arn!),
    'OIDC provider',
  );
  assert.equal(providers.length, 1, 'one OIDC provider');
  const roles = (await aws.iam.send(new ListRolesCommand({}))).Roles ?? [];
  assertUnique(
    roles.map((r) => r.RoleName!),
    'role',
  );

  const buckets = (await aws.s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  assertUnique(
    buckets.map((b) => b.Name!),
    'bucket',
  );
  const tables = (await aws.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
  assertUnique(tables, 'table');
  const trails = (await aws.cloudtrail.send(new DescribeTrailsCommand({}))).trailList ?? [];
  assertUnique(
    trails.map((t) => t.TrailARN!),
    'trail',
  );
  assert.equal(
    trails.filter((t) => t.HomeRegion === undefined || t.HomeRegion === 'us-east-1').length >= 1,
    true,
    'the trail exists',
  );
}
