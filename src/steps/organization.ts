/** Step 2: the organization itself: feature set ALL, trusted service access, policy types. */
import {
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { PreconditionError } from '../core/errors.js';
import type { StepContext, Step } from './types.js';
import { isAwsError, paginate } from './support.js';

export interface ObservedOrganization {
  exists: boolean;
  featureSet?: string;
  /** Policy types enabled on the root. */
  enabledPolicyTypes: string[];
  trustedServices: string[];
}

type OrganizationChange =
  | { kind: 'create' }
  | { kind: 'trusted-access'; servicePrincipal: string }
  | { kind: 'policy-type'; policyType: string };

export async function loadRoot(ctx: StepContext): Promise<{ id: string; enabledPolicyTypes: string[] } | undefined> {
  const roots = await paginate(async (NextToken) => {
    const out = await ctx.session.send('organizations', new ListRootsCommand({ NextToken }));
    return { items: out.Roots, next: out.NextToken };
  });
  const root = roots[0];
  if (!root?.Id) return undefined;
  ctx.state.rootId = root.Id;
  return {
    id: root.Id,
    enabledPolicyTypes: (root.PolicyTypes ?? []).filter((p) => p.Status === 'ENABLED').map((p) => p.Type ?? ''),
  };
}

async function listTrustedServices(ctx: StepContext): Promise<string[]> {
  const enabled = await paginate(async (NextToken) => {
    const out = await ctx.session.send('organizations', new ListAWSServiceAccessForOrganizationCommand({ NextToken }));
    return { items: out.EnabledServicePrincipals, next: out.NextToken };
  });
  return enabled.map((t) => t.ServicePrincipal ?? '');
}

export const organizationStep: Step<ObservedOrganization, OrganizationChange> = {
  id: 'organization',
  title: 'Organization, trusted access and policy types',
  enabled: () => true,

  async observe(ctx) {
    let org;
    try {
      org = (await ctx.session.send('organizations', new DescribeOrganizationCommand({}))).Organization;
    } catch (err) {
      if (isAwsError(err, 'AWSOrganizationsNotInUseException'))
        return { exists: false, enabledPolicyTypes: [], trustedServices: [] };
      throw err;
    }
    ctx.state.organizationId = org?.Id;
    ctx.state.managementAccountId = org?.MasterAccountId;
    const root = await loadRoot(ctx);
    // Trusted access can only be listed with feature set ALL.
    const trusted = org?.FeatureSet === 'ALL' ? await listTrustedServices(ctx) : [];
    return {
      exists: true,
      featureSet: org?.FeatureSet,
      enabledPolicyTypes: root?.enabledPolicyTypes ?? [],
      trustedServices: trusted,
    };
  },

  plan(observed, { blueprint }) {
    if (observed.exists && observed.featureSet !== 'ALL') {
      throw new PreconditionError(
        `This organization uses feature set ${observed.featureSet ?? 'CONSOLIDATED_BILLING'} (consolidated billing only), ` +
          'which has no SCPs, tag policies or trusted service access.',
        'Enable all features: run `aws organizations enable-all-features` in the management account. Every member account ' +
          'must approve the request (invited accounts by accepting the handshake), then run bootstrap again. Nothing was changed.',
      );
    }
    const changes: ReturnType<Step<ObservedOrganization, OrganizationChange>['plan']> = [];
    if (!observed.exists) {
      changes.push({
        key: 'organization:create',
        calls: ['organizations:CreateOrganization'],
        summary: 'Create an organization with feature set ALL; this account becomes its management account',
        data: { kind: 'create' },
      });
    }
    for (const servicePrincipal of blueprint.organization.trustedServices) {
      if (observed.trustedServices.includes(servicePrincipal)) continue;
      changes.push({
        key: `organization:trusted-access:${servicePrincipal}`,
        calls: ['organizations:EnableAWSServiceAccess'],
        summary: `Enable trusted access for ${servicePrincipal}`,
        data: { kind: 'trusted-access', servicePrincipal },
      });
    }
    for (const policyType of blueprint.organization.policyTypes) {
      if (observed.enabledPolicyTypes.includes(policyType)) continue;
      changes.push({
        key: `organization:policy-type:${policyType}`,
        calls: ['organizations:EnablePolicyType'],
        summary: `Enable the ${policyType} policy type on the root`,
        data: { kind: 'policy-type', policyType },
      });
    }
    return changes;
  },

  async apply(change, ctx) {
    const data = change.data;
    switch (data.kind) {
      case 'create': {
        try {
          const out = await ctx.session.send('organizations', new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
          ctx.state.organizationId = out.Organization?.Id;
          ctx.state.managementAccountId = out.Organization?.MasterAccountId;
        } catch (err) {
          // A resumed run, or a retry whose first attempt got through.
          if (!isAwsError(err, 'AlreadyInOrganizationException')) throw err;
          const org = (await ctx.session.send('organizations', new DescribeOrganizationCommand({}))).Organization;
          ctx.state.organizationId = org?.Id;
          ctx.state.managementAccountId = org?.MasterAccountId;
        }
        await loadRoot(ctx);
        return;
      }
      case 'trusted-access':
        await ctx.session.send(
          'organizations',
          new EnableAWSServiceAccessCommand({ ServicePrincipal: data.servicePrincipal }),
          {
            reconcile: async () =>
              (await listTrustedServices(ctx)).includes(data.servicePrincipal) ? { $metadata: {} } : undefined,
          },
        );
        return;
      case 'policy-type': {
        const rootId = ctx.state.rootId ?? (await loadRoot(ctx))?.id;
        try {
          await ctx.session.send(
            'organizations',
            new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: data.policyType as never }),
          );
        } catch (err) {
          if (!isAwsError(err, 'PolicyTypeAlreadyEnabledException')) throw err;
        }
        return;
      }
    }
  },
};
