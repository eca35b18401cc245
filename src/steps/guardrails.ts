/**
 * Step 5: guardrail SCPs. One policy per guardrail, tagged as owned by awsorg. awsorg never
 * changes, attaches or detaches a policy it does not own.
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  UpdatePolicyCommand,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import { PreconditionError } from '../core/errors.js';
import type { LoadedBlueprint } from '../core/blueprint.js';
import { guardrailPolicies, minifyPolicy } from '../policies/guardrail-policies.js';
import type { OrganizationState, Step, StepContext } from './types.js';
import {
  AWSORG_TAG_KEY,
  AWSORG_TAG_VALUE,
  awsorgTags,
  isAwsError,
  paginate,
  policyDiff,
  samePolicy,
} from './support.js';

interface ExistingPolicy {
  id: string;
  name: string;
  owned: boolean;
  content: string;
  /** Target ids the policy is attached to. */
  targetIds: string[];
}

export interface ObservedGuardrails {
  policies: Record<string, ExistingPolicy>;
  /** Blueprint target name (`Root`, OU path, account name) -> id, where it exists. */
  targetIds: Record<string, string>;
}

type GuardrailChange =
  | { kind: 'create'; name: string; description: string; guardrail: string; content: string }
  | { kind: 'update'; name: string; policyId: string; content: string }
  | { kind: 'attach'; name: string; target: string }
  | { kind: 'detach'; name: string; policyId: string; targetId: string };

/** Resolve a blueprint target (`Root`, an OU path, or an account name) to its id, if it exists. */
export function targetId(
  target: string,
  state: Pick<OrganizationState, 'rootId' | 'ouIds' | 'accountIds'>,
): string | undefined {
  if (target === 'Root') return state.rootId;
  return state.ouIds.get(target) ?? state.accountIds.get(target);
}

function allTargets(loaded: LoadedBlueprint): string[] {
  return [...new Set(guardrailPolicies(loaded).flatMap((p) => p.targets))];
}

async function listScps(ctx: StepContext): Promise<PolicySummary[]> {
  return paginate(async (NextToken) => {
    const out = await ctx.session.send(
      'organizations',
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY', NextToken }),
    );
    return { items: out.Policies, next: out.NextToken };
  });
}

function listTargets(ctx: StepContext, policyId: string) {
  return paginate(async (NextToken) => {
    const out = await ctx.session.send(
      'organizations',
      new ListTargetsForPolicyCommand({ PolicyId: policyId, NextToken }),
    );
    return { items: out.Targets, next: out.NextToken };
  });
}

export const guardrailsStep: Step<ObservedGuardrails, GuardrailChange> = {
  id: 'guardrails',
  title: 'Guardrail SCPs',
  enabled: (loaded) => guardrailPolicies(loaded).length > 0,

  async observe(ctx) {
    const targetIds: Record<string, string> = {};
    for (const target of allTargets(ctx.loaded)) {
      const id = targetId(target, ctx.state);
      if (id) targetIds[target] = id;
    }
    if (!ctx.state.rootId) return { policies: {}, targetIds };
    const wanted = new Set(guardrailPolicies(ctx.loaded).map((p) => p.name));
    const summaries = (await listScps(ctx)).filter((p) => p.Name && wanted.has(p.Name) && p.Id);
    const policies: Record<string, ExistingPolicy> = {};
    await Promise.all(
      summaries.map(async (summary) => {
        const id = summary.Id!;
        const [tags, described, targets] = await Promise.all([
          ctx.session.send('organizations', new ListTagsForResourceCommand({ ResourceId: id })),
          ctx.session.send('organizations', new DescribePolicyCommand({ PolicyId: id })),
          listTargets(ctx, id),
        ]);
        policies[summary.Name!] = {
          id,
          name: summary.Name!,
          owned: (tags.Tags ?? []).some((t) => t.Key === AWSORG_TAG_KEY && t.Value === AWSORG_TAG_VALUE),
          content: described.Policy?.Content ?? '{}',
          targetIds: targets.map((t) => t.TargetId ?? ''),
        };
      }),
    );
    return { policies, targetIds };
  },

  plan(observed, loaded) {
    const changes: ReturnType<Step<ObservedGuardrails, GuardrailChange>['plan']> = [];
    for (const desired of guardrailPolicies(loaded)) {
      const content = minifyPolicy(desired.document);
      const existing = observed.policies[desired.name];
      if (existing && !existing.owned) {
        throw new PreconditionError(
          `An SCP named ${desired.name} (${existing.id}) already exists and is not tagged ${AWSORG_TAG_KEY}=${AWSORG_TAG_VALUE}; awsorg never changes a policy it does not own.`,
          `Rename or delete that policy, or tag it ${AWSORG_TAG_KEY}=${AWSORG_TAG_VALUE} to let awsorg manage it, then rerun.`,
        );
      }
      if (!existing) {
        changes.push({
          key: `scp:${desired.name}`,
          calls: ['organizations:CreatePolicy'],
          summary: `Create SCP ${desired.name} (${desired.description})`,
          diff: policyDiff(undefined, desired.document),
          data: {
            kind: 'create',
            name: desired.name,
            description: desired.description,
            guardrail: desired.guardrail,
            content,
          },
        });
      } else if (!samePolicy(existing.content, desired.document)) {
        changes.push({
          key: `scp-update:${desired.name}`,
          calls: ['organizations:UpdatePolicy'],
          summary: `Update SCP ${desired.name}: its content drifted from the blueprint`,
          diff: policyDiff(existing.content, desired.document),
          data: { kind: 'update', name: desired.name, policyId: existing.id, content },
        });
      }
      const attachedIds = new Set(existing?.targetIds ?? []);
      const desiredIds = new Set<string>();
      for (const target of desired.targets) {
        const id = observed.targetIds[target];
        if (id) desiredIds.add(id);
        if (id && attachedIds.has(id)) continue;
        changes.push({
          key: `scp-attach:${desired.name}:${target}`,
          calls: ['organizations:AttachPolicy'],
          summary: `Attach SCP ${desired.name} to ${target}`,
          data: { kind: 'attach', name: desired.name, target },
        });
      }
      // The policy is ours, so targets the blueprint no longer names are detached.
      for (const attached of existing?.targetIds ?? []) {
        if (desiredIds.has(attached)) continue;
        changes.push({
          key: `scp-detach:${desired.name}:${attached}`,
          calls: ['organizations:DetachPolicy'],
          summary: `Detach SCP ${desired.name} from ${attached} (no longer a target in the blueprint)`,
          data: { kind: 'detach', name: desired.name, policyId: existing!.id, targetId: attached },
        });
      }
    }
    return changes;
  },

  async apply(change, ctx) {
    const data = change.data;
    switch (data.kind) {
      case 'create': {
        const findExisting = async () => (await listScps(ctx)).find((p) => p.Name === data.name);
        try {
          await ctx.session.send(
            'organizations',
            new CreatePolicyCommand({
              Name: data.name,
              Description: data.description,
              Type: 'SERVICE_CONTROL_POLICY',
              Content: data.content,
              Tags: awsorgTags({ 'awsorg:guardrail': data.guardrail }),
            }),
            {
              reconcile: async () => {
                const found = await findExisting();
                return found ? { Policy: { PolicySummary: found }, $metadata: {} } : undefined;
              },
            },
          );
        } catch (err) {
          if (!isAwsError(err, 'DuplicatePolicyException')) throw err;
        }
        return;
      }
      case 'update':
        await ctx.session.send(
          'organizations',
          new UpdatePolicyCommand({ PolicyId: data.policyId, Content: data.content }),
        );
        return;
      case 'attach': {
        const policy = (await listScps(ctx)).find((p) => p.Name === data.name);
        const target = targetId(data.target, ctx.state);
        if (!policy?.Id || !target) {
          throw new PreconditionError(
            `Cannot attach ${data.name} to ${data.target}: ${policy?.Id ? 'the target' : 'the policy'} does not exist.`,
            'Run bootstrap again.',
          );
        }
        const policyId = policy.Id;
        try {
          await ctx.session.send('organizations', new AttachPolicyCommand({ PolicyId: policyId, TargetId: target }), {
            // Some implementations record a second attachment when a lost request is resent.
            reconcile: async () =>
              (await listTargets(ctx, policyId)).some((t) => t.TargetId === target) ? { $metadata: {} } : undefined,
          });
        } catch (err) {
          if (!isAwsError(err, 'DuplicatePolicyAttachmentException')) throw err;
        }
        return;
      }
      case 'detach':
        try {
          await ctx.session.send(
            'organizations',
            new DetachPolicyCommand({ PolicyId: data.policyId, TargetId: data.targetId }),
          );
        } catch (err) {
          if (!isAwsError(err, 'PolicyNotAttachedException')) throw err;
        }
        return;
    }
  },
};
