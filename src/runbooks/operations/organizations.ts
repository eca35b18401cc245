/**
 * Organizations operations for `quarantine-account`: refuse the management account, capture
 * where the account sits, make sure the Quarantine OU and its SCP exist, move the account in,
 * and verify the move. Everything runs in the management account as the operator's sign-in.
 */
import {
  DescribeAccountCommand,
  DescribePolicyCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  type Parent,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import { accountState } from '../../aws/account-state.js';
import type { AwsSession } from '../../aws/session.js';
import { UsageError } from '../../core/errors.js';
import type { ActionOperation, CheckOperation, Operation, StepContext, VerifyOperation } from '../types.js';

export const QUARANTINE_OU_NAME = 'Quarantine';
export const QUARANTINE_POLICY_NAME = 'awsorg-quarantine';

/**
 * Deny everything to everyone except the responder role, and deny leaving the organization to
 * everyone (a compromised account's first move is often to leave, taking itself out of reach of
 * every SCP). Deny statements win over any Allow, including FullAWSAccess on the account.
 */
export function quarantinePolicyDocument(partition: string, responderRole: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AwsorgQuarantineDenyAllButResponders',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [`arn:${partition}:iam::*:role/${responderRole}`] } },
      },
      {
        Sid: 'AwsorgQuarantineDenyLeaveOrganization',
        Effect: 'Deny',
        Action: 'organizations:LeaveOrganization',
        Resource: '*',
      },
    ],
  });
}

function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

async function parentsOf(session: AwsSession, childId: string): Promise<Parent[]> {
  return (await session.send('organizations', new ListParentsCommand({ ChildId: childId }))).Parents ?? [];
}

async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}

async function policiesFor(session: AwsSession, targetId: string): Promise<PolicySummary[]> {
  return allPages(async (NextToken) => {
    const out = await session.send(
      'organizations',
      new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: 'SERVICE_CONTROL_POLICY', NextToken }),
    );
    return { items: out.Policies ?? [], next: out.NextToken };
  });
}

async function findQuarantineOu(session: AwsSession, rootId: string): Promise<string | undefined> {
  const ous = await allPages(async (NextToken) => {
    const out = await session.send(
      'organizations',
      new ListOrganizationalUnitsForParentCommand({ ParentId: rootId, NextToken }),
    );
    return { items: out.OrganizationalUnits ?? [], next: out.NextToken };
  });
  return ous.find((ou) => ou.Name?.toLowerCase() === QUARANTINE_OU_NAME.toLowerCase())?.Id;
}

async function findQuarantinePolicy(session: AwsSession): Promise<{ id: string; content: string } | undefined> {
  const policies = await allPages(async (NextToken) => {
    const out = await session.send(
      'organizations',
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY', NextToken }),
    );
    return { items: out.Policies ?? [], next: out.NextToken };
  });
  const summary = policies.find((p) => p.Name === QUARANTINE_POLICY_NAME);
  if (!summary?.Id) return undefined;
  const described = await session.send('organizations', new DescribePolicyCommand({ PolicyId: summary.Id }));
  return { id: summary.Id, content: described.Policy?.Content ?? '' };
}

const refuseManagement: CheckOperation = {
  kind: 'check',
  reads: ['organizations:DescribeOrganization', 'organizations:DescribeAccount', 'organizations:ListRoots'],
  async run(ctx) {
    const org = await ctx.organization();
    const accountId = ctx.params.account!;
    if (accountId === org.managementAccountId) {
      return {
        ok: false,
        summary: `${accountId} is the management account`,
        refusal: {
          message: `refusing to quarantine ${accountId}: it is the organization's management account, and SCPs do not apply to the management account, so a Quarantine OU could not contain it`,
          nextStep:
            'Contain the management account with revoke-role-sessions and contain-access-key on its principals, and rotate its root credentials.',
        },
      };
    }
    const account = (await ctx.session.send('organizations', new DescribeAccountCommand({ AccountId: accountId })))
      .Account;
    const root = (await ctx.session.send('organizations', new ListRootsCommand({}))).Roots?.find(
      (r) => r.Id === org.rootId,
    );
    const scpEnabled = (root?.PolicyTypes ?? []).some(
      (t) => t.Type === 'SERVICE_CONTROL_POLICY' && t.Status === 'ENABLED',
    );
    if (!scpEnabled) {
      return {
        ok: false,
        summary: 'service control policies are not enabled in the root',
        refusal: {
          message: `refusing to quarantine ${accountId}: service control policies are not enabled in organization ${org.id}, so the Quarantine OU's SCP would have no effect`,
          nextStep: `Enable them (\`aws organizations enable-policy-type --root-id ${org.rootId} --policy-type SERVICE_CONTROL_POLICY\`, or \`awsorg bootstrap\`) and run again.`,
        },
      };
    }
    return {
      ok: true,
      summary: `${account?.Name ?? accountId} (${accountId}) is a member account (${(account && accountState(account)) ?? 'state unknown'}); SCPs are enabled`,
      detail: { account: account ?? null },
    };
  },
};

const capturePlacement: CheckOperation = {
  kind: 'check',
  reads: ['organizations:ListParents', 'organizations:ListPoliciesForTarget'],
  async run(ctx) {
    const accountId = ctx.params.account!;
    const parents = await parentsOf(ctx.session, accountId);
    const policies = await policiesFor(ctx.session, accountId);
    const parent = parents[0];
    return {
      ok: Boolean(parent?.Id),
      summary: `parent ${parent?.Id ?? 'unknown'} (${parent?.Type ?? '?'}); SCPs attached to the account: ${policies.map((p) => p.Name).join(', ') || 'none'}`,
      detail: { parents, policies: policies.map((p) => ({ id: p.Id, name: p.Name, awsManaged: p.AwsManaged })) },
      ...(parent?.Id ? { outputs: { 'original-parent': parent.Id } } : {}),
    };
  },
};

interface OuPrior {
  rootId: string;
  quarantineOuId: string | null;
}

const ensureOu: ActionOperation = {
  kind: 'action',
  call: 'organizations:CreateOrganizationalUnit',
  reads: ['organizations:ListOrganizationalUnitsForParent'],
  rollbackCall: 'none: the Quarantine OU stays for later incidents (it is empty again once the account is moved back)',
  async capture(ctx): Promise<OuPrior> {
    const { rootId } = await ctx.organization();
    return { rootId, quarantineOuId: (await findQuarantineOu(ctx.session, rootId)) ?? null };
  },
  plan(_ctx, prior) {
    const p = prior as OuPrior;
    return p.quarantineOuId
      ? []
      : [
          {
            service: 'organizations',
            action: 'CreateOrganizationalUnit',
            input: { ParentId: p.rootId, Name: QUARANTINE_OU_NAME },
          },
        ];
  },
  rollback: () => ({
    none: 'the Quarantine OU stays for later incidents; it holds no account once the account is moved back',
  }),
  outputs(_ctx, prior, responses) {
    const created = (responses[0] as { OrganizationalUnit?: { Id?: string } } | undefined)?.OrganizationalUnit?.Id;
    const id = created ?? (prior as OuPrior).quarantineOuId;
    return { 'quarantine-ou': id ?? '(the Quarantine OU this run creates)' };
  },
};

interface PolicyPrior {
  policy: { id: string; content: string } | null;
  wanted: string;
}

const ensurePolicy: ActionOperation = {
  kind: 'action',
  call: 'organizations:CreatePolicy (organizations:UpdatePolicy when the existing document differs)',
  reads: ['organizations:ListPolicies', 'organizations:DescribePolicy'],
  rollbackCall:
    'none for a new policy (it stays for later incidents); organizations:UpdatePolicy back to the old document when one was replaced',
  async capture(ctx): Promise<PolicyPrior> {
    const wanted = quarantinePolicyDocument(partitionOf(ctx.operator.arn), ctx.params['responder-role']!);
    return { policy: (await findQuarantinePolicy(ctx.session)) ?? null, wanted };
  },
  plan(_ctx, prior) {
    const p = prior as PolicyPrior;
    if (!p.policy) {
      return [
        {
          service: 'organizations',
          action: 'CreatePolicy',
          input: {
            Name: QUARANTINE_POLICY_NAME,
            Type: 'SERVICE_CONTROL_POLICY',
            Description: 'awsorg quarantine: deny all but the incident responders; deny leaving the organization',
            Content: p.wanted,
          },
        },
      ];
    }
    return samePolicy(p.policy.content, p.wanted)
      ? []
      : [{ service: 'organizations', action: 'UpdatePolicy', input: { PolicyId: p.policy.id, Content: p.wanted } }];
  },
  rollback(_ctx, prior, responses) {
    const p = prior as PolicyPrior;
    if (responses.length && p.policy)
      return {
        requests: [
          {
            service: 'organizations',
            action: 'UpdatePolicy',
            input: { PolicyId: p.policy.id, Content: p.policy.content },
          },
        ],
        does: 'restores the quarantine SCP document it replaced',
      };
    return { none: 'the quarantine SCP stays for later incidents; it applies only to accounts in the Quarantine OU' };
  },
  async inEffect(ctx, prior) {
    const p = prior as PolicyPrior;
    const now = await findQuarantinePolicy(ctx.session);
    return p.policy ? Boolean(now && now.id === p.policy.id && samePolicy(now.content, p.wanted)) : Boolean(now);
  },
  outputs(_ctx, prior, responses) {
    const created = (responses[0] as { Policy?: { PolicySummary?: { Id?: string } } } | undefined)?.Policy
      ?.PolicySummary?.Id;
    return {
      'quarantine-policy': created ?? (prior as PolicyPrior).policy?.id ?? '(the policy id CreatePolicy returns)',
    };
  },
};

interface AttachPrior {
  policyId: string;
  quarantineOuId: string;
  attachedToOu: string[];
}

const attachPolicy: ActionOperation = {
  kind: 'action',
  call: 'organizations:AttachPolicy',
  reads: ['organizations:ListPoliciesForTarget'],
  rollbackCall: 'none: the quarantine SCP stays on the Quarantine OU for later incidents',
  async capture(ctx): Promise<AttachPrior> {
    const quarantineOuId = ctx.outputs['quarantine-ou'] ?? '';
    const attachedToOu = quarantineOuId.startsWith('ou-')
      ? (await policiesFor(ctx.session, quarantineOuId)).map((p) => p.Id ?? '')
      : [];
    return { policyId: ctx.outputs['quarantine-policy'] ?? '', quarantineOuId, attachedToOu };
  },
  plan(_ctx, prior) {
    const p = prior as AttachPrior;
    return p.attachedToOu.includes(p.policyId)
      ? []
      : [
          {
            service: 'organizations',
            action: 'AttachPolicy',
            input: { PolicyId: p.policyId, TargetId: p.quarantineOuId },
          },
        ];
  },
  rollback: () => ({
    none: 'the quarantine SCP stays on the Quarantine OU for later incidents; it applies only to accounts in that OU',
  }),
};

function samePolicy(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

interface MovePrior {
  accountId: string;
  parents: Parent[];
  quarantineOuId: string;
}

const moveAccount: ActionOperation = {
  kind: 'action',
  call: 'organizations:MoveAccount',
  reads: ['organizations:ListParents'],
  rollbackCall: 'organizations:MoveAccount (back to the captured parent)',
  async capture(ctx): Promise<MovePrior> {
    const accountId = ctx.params.account!;
    return {
      accountId,
      parents: await parentsOf(ctx.session, accountId),
      quarantineOuId: ctx.outputs['quarantine-ou'] ?? '',
    };
  },
  plan(_ctx, prior) {
    const p = prior as MovePrior;
    const source = p.parents[0]?.Id;
    if (!source)
      throw new UsageError(
        `account ${p.accountId} has no parent in the organization`,
        'Check the account id with `awsorg accounts`.',
      );
    if (source === p.quarantineOuId) return [];
    return [
      {
        service: 'organizations',
        action: 'MoveAccount',
        input: { AccountId: p.accountId, SourceParentId: source, DestinationParentId: p.quarantineOuId },
      },
    ];
  },
  rollback(_ctx, prior, responses) {
    const p = prior as MovePrior;
    const source = p.parents[0]?.Id;
    if (!responses.length || !source || source === p.quarantineOuId) return { none: 'the account was not moved' };
    return {
      requests: [
        {
          service: 'organizations',
          action: 'MoveAccount',
          input: { AccountId: p.accountId, SourceParentId: p.quarantineOuId, DestinationParentId: source },
        },
      ],
      does: `moves ${p.accountId} back from the Quarantine OU to ${source}`,
    };
  },
  async inEffect(ctx, prior) {
    const p = prior as MovePrior;
    return (await parentsOf(ctx.session, p.accountId))[0]?.Id === p.quarantineOuId;
  },
};

const verifyQuarantine: VerifyOperation = {
  kind: 'verify',
  reads: ['organizations:ListParents', 'organizations:ListPoliciesForTarget'],
  async probe(ctx: StepContext) {
    const accountId = ctx.params.account!;
    const ouId = ctx.outputs['quarantine-ou'] ?? '';
    const parent = (await parentsOf(ctx.session, accountId))[0]?.Id;
    const policies = ouId ? await policiesFor(ctx.session, ouId) : [];
    const scp = policies.find((p) => p.Name === QUARANTINE_POLICY_NAME);
    const ok = parent === ouId && Boolean(scp);
    return {
      ok,
      summary: ok
        ? `${accountId} is in the Quarantine OU ${ouId}, and ${QUARANTINE_POLICY_NAME} (${scp?.Id}) is attached to it`
        : `${accountId}'s parent is ${parent ?? 'unknown'}; quarantine SCP attached to ${ouId}: ${scp ? 'yes' : 'no'}`,
      detail: {
        parent: parent ?? null,
        quarantineOu: ouId,
        policies: policies.map((p) => ({ id: p.Id, name: p.Name })),
      },
    };
  },
};

export const ORGANIZATIONS_OPERATIONS: Record<string, Operation> = {
  'organizations.refuse-management-account': refuseManagement,
  'organizations.capture-account-placement': capturePlacement,
  'organizations.ensure-quarantine-ou': ensureOu,
  'organizations.ensure-quarantine-policy': ensurePolicy,
  'organizations.attach-quarantine-policy': attachPolicy,
  'organizations.move-to-quarantine': moveAccount,
  'organizations.verify-quarantine': verifyQuarantine,
};
