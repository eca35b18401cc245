/**
 * The break-glass drill's checks on the guardrails around the path: the SCP that keeps the
 * emergency role from being deleted or retargeted, and the EventBridge alert on root and
 * break-glass console sign-in. Both read only, in the management account.
 */
import {
  DescribeRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule,
} from '@aws-sdk/client-eventbridge';
import {
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import type { AwsSession } from '../../aws/session.js';
import type { CheckOperation } from '../types.js';
import {
  activeAccounts,
  allPages,
  breakGlassUsers,
  FAN_OUT,
  mapLimit,
  outcome,
  partitionOf,
  type Item,
} from './break-glass-drill.js';
import { consoleSignInEvent, eventPatternMatches, PROTECTED_ROLE_ACTIONS, scpProtection } from './break-glass-rules.js';

interface ProtectingPolicy {
  id: string;
  name: string;
  targets: string[];
  statements: string[];
  exceptions: string[];
  /** Accounts whose copy of the role the document protects (its Resource may name some only). */
  accounts: Set<string>;
}

const roleProtection: CheckOperation = {
  kind: 'check',
  reads: [
    'organizations:ListRoots',
    'organizations:ListPolicies',
    'organizations:DescribePolicy',
    'organizations:ListTargetsForPolicy',
    'organizations:ListAccounts',
    'organizations:ListParents',
  ],
  async run(ctx) {
    const role = ctx.params['emergency-role']!;
    const partition = partitionOf(ctx.operator.arn);
    const { rootId, managementAccountId } = await ctx.organization();
    const root = (await ctx.session.send('organizations', new ListRootsCommand({}))).Roots?.find(
      (r) => r.Id === rootId,
    );
    if (!(root?.PolicyTypes ?? []).some((t) => t.Type === 'SERVICE_CONTROL_POLICY' && t.Status === 'ENABLED')) {
      const item = {
        name: 'service control policies',
        ok: false,
        detail: `not enabled in ${rootId}: no SCP can protect ${role}`,
      };
      return { ok: false, summary: item.detail, items: [item] };
    }
    // SCPs do not apply to the management account, so only member accounts can be protected this way.
    const members = (await activeAccounts(ctx.session)).filter((a) => a.Id && a.Id !== managementAccountId);
    const note = `SCPs do not apply to the management account ${managementAccountId}: protect ${role} there with IAM`;
    if (members.length === 0)
      return { ok: true, summary: `the organization has no active member account; ${note}`, items: [] };
    const roleArn = (account: string) => `arn:${partition}:iam::${account}:role/${role}`;
    const summaries = await allPages(async (NextToken) => {
      const out = await ctx.session.send(
        'organizations',
        new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY', NextToken }),
      );
      return { items: out.Policies, next: out.NextToken };
    });
    const protecting: ProtectingPolicy[] = [];
    /** SCPs that come close (a Deny on the role that misses calls, or holds only under a condition), to say why they do not count. */
    const nearMisses: string[] = [];
    for (const summary of summaries.filter((p) => p.Id && !p.AwsManaged)) {
      const content =
        (await ctx.session.send('organizations', new DescribePolicyCommand({ PolicyId: summary.Id }))).Policy
          ?.Content ?? '';
      const verdicts = members
        .map((a) => [a.Id!, scpProtection(content, roleArn(a.Id!))] as const)
        .filter(([, v]) => v.protects);
      if (verdicts.length === 0) {
        const sample = scpProtection(content, roleArn(members[0]!.Id!));
        const why = [
          ...sample.ignored,
          ...(sample.statements.length
            ? [`${sample.statements.join(', ')} leave ${sample.uncovered.join(', ')} allowed`]
            : []),
        ];
        if (why.length) nearMisses.push(`${summary.Name ?? summary.Id} (${summary.Id}): ${why.join('; ')}`);
        continue;
      }
      const targets = await allPages(async (NextToken) => {
        const out = await ctx.session.send(
          'organizations',
          new ListTargetsForPolicyCommand({ PolicyId: summary.Id, NextToken }),
        );
        return { items: out.Targets, next: out.NextToken };
      });
      const first = verdicts[0]![1];
      protecting.push({
        id: summary.Id!,
        name: summary.Name ?? summary.Id!,
        targets: targets.map((t) => t.TargetId ?? ''),
        statements: first.statements,
        exceptions: [...new Set(first.exceptions)],
        accounts: new Set(verdicts.map(([id]) => id)),
      });
    }
    const describe = (p: ProtectingPolicy, where: string) =>
      `${p.name} (${p.id}) on ${where} denies ${PROTECTED_ROLE_ACTIONS.join(', ')} on ${role} (${p.statements.join(', ')}); ${p.exceptions.length ? `except ${p.exceptions.join('; ')}` : 'with no exception for responders: nobody can change the role until the SCP is detached'}`;
    const onRoot = protecting.find((p) => p.targets.includes(rootId) && members.every((a) => p.accounts.has(a.Id!)));
    const detail = {
      protecting: protecting.map((p) => ({
        id: p.id,
        name: p.name,
        targets: p.targets,
        statements: p.statements,
        exceptions: p.exceptions,
      })),
      nearMisses,
    };
    if (onRoot) {
      const item = {
        name: `all ${members.length} member accounts`,
        ok: true,
        detail: describe(onRoot, `the root ${rootId}`),
      };
      return {
        ok: true,
        summary: `${onRoot.name} (${onRoot.id}), attached to the root, protects ${role}; ${note}`,
        items: [item],
        detail,
      };
    }
    const parentsOf = memoParents(ctx.session);
    const items = await mapLimit(members, FAN_OUT, async (account): Promise<Item> => {
      const id = account.Id!;
      const path = [id, ...(await ancestors(parentsOf, id))];
      const covering = protecting.find((p) => p.accounts.has(id) && p.targets.some((t) => path.includes(t)));
      const name = `${account.Name ?? id} (${id})`;
      if (!covering)
        return {
          name,
          ok: false,
          detail: `no SCP attached on its path (${path.slice().reverse().join(' > ')}) denies ${PROTECTED_ROLE_ACTIONS.join(', ')} on ${roleArn(id)}`,
        };
      const at = covering.targets.find((t) => path.includes(t))!;
      return { name, ok: true, detail: describe(covering, at === id ? 'the account' : at) };
    });
    return outcome(
      items,
      (failed) =>
        protecting.length === 0
          ? `no SCP protects ${role} from deletion or a changed trust policy${nearMisses.length ? ` (not enough: ${nearMisses.join(' | ')})` : ''}; ${note}`
          : failed.length
            ? `${role} is unprotected in ${failed.length} of ${items.length} member accounts: ${failed.map((f) => f.name).join(', ')}; ${note}`
            : `${role} is protected in every member account by ${protecting.map((p) => p.name).join(', ')}; ${note}`,
      detail,
    );
  },
};

function memoParents(session: AwsSession): (childId: string) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  return (childId) => {
    let parent = cache.get(childId);
    if (!parent) {
      parent = session
        .send('organizations', new ListParentsCommand({ ChildId: childId }))
        .then((out) => out.Parents?.[0]?.Id);
      cache.set(childId, parent);
    }
    return parent;
  };
}

/** The OUs and root above an account, nearest first. */
async function ancestors(parentOf: (id: string) => Promise<string | undefined>, id: string): Promise<string[]> {
  const chain: string[] = [];
  for (
    let current = await parentOf(id);
    current;
    current = current.startsWith('r-') ? undefined : await parentOf(current)
  ) {
    chain.push(current);
    if (chain.length > 10) break;
  }
  return chain;
}

const signInAlert: CheckOperation = {
  kind: 'check',
  reads: ['events:ListRules', 'events:DescribeRule', 'events:ListTargetsByRule'],
  async run(ctx) {
    const region = 'us-east-1';
    const account = ctx.where.account;
    const partition = partitionOf(ctx.operator.arn);
    const rules = await allPages(async (NextToken) => {
      const out = await ctx.session.send('events', new ListRulesCommand({ NextToken }), { region });
      return { items: out.Rules, next: out.NextToken };
    });
    const verdicts = new Map<string, Promise<{ rule: Rule; targets: string[] }>>();
    const inspect = (name: string) => {
      let v = verdicts.get(name);
      if (!v) {
        v = (async () => {
          const rule = await ctx.session.send('events', new DescribeRuleCommand({ Name: name }), { region });
          const targets = await allPages(async (NextToken) => {
            const out = await ctx.session.send('events', new ListTargetsByRuleCommand({ Rule: name, NextToken }), {
              region,
            });
            return { items: out.Targets, next: out.NextToken };
          });
          return { rule, targets: targets.map((t) => t.Arn ?? t.Id ?? '?') };
        })();
        verdicts.set(name, v);
      }
      return v;
    };
    const check = async (name: string, event: Record<string, unknown>): Promise<Item> => {
      const candidates = rules.filter((r) => r.Name && r.EventPattern && eventPatternMatches(r.EventPattern, event));
      const problems: string[] = [];
      for (const candidate of candidates) {
        const { rule, targets } = await inspect(candidate.Name!);
        if (!eventPatternMatches(rule.EventPattern, event)) continue;
        if (rule.State !== 'ENABLED') problems.push(`${rule.Name} matches but is ${rule.State ?? 'not enabled'}`);
        else if (targets.length === 0) problems.push(`${rule.Name} matches but has no target`);
        else return { name, ok: true, detail: `${rule.Name} (ENABLED) sends it to ${targets.join(', ')}` };
      }
      return {
        name,
        ok: false,
        detail: problems.length
          ? problems.join('; ')
          : `no EventBridge rule in ${region} matches "AWS Console Sign In via CloudTrail" for it`,
      };
    };
    const items = [await check('root console sign-in', consoleSignInEvent(account, { kind: 'root' }, partition))];
    for (const user of breakGlassUsers(ctx))
      items.push(
        await check(
          `console sign-in by ${user}`,
          consoleSignInEvent(account, { kind: 'user', userName: user }, partition),
        ),
      );
    return outcome(items, (failed) =>
      failed.length
        ? `no working alert for ${failed.map((f) => f.name).join(', ')} (${rules.length} rules in ${region})`
        : `every break-glass sign-in raises an alert (${rules.length} rules in ${region})`,
    );
  },
};

export const GUARDRAIL_CHECKS: Record<string, CheckOperation> = {
  'break-glass.role-protection': roleProtection,
  'break-glass.sign-in-alert': signInAlert,
};
