/**
 * Step 7: the CI OIDC provider (GitHub Actions or GitLab) and a deploy role whose trust policy
 * pins the audience and a subject scoped to one repository plus a branch, tag or environment.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { PreconditionError } from '../core/errors.js';
import {
  INLINE_POLICY_NAME,
  deployRoleTrustPolicy,
  issuerFor,
  providerArnFor,
  subjectFor,
  type OidcIssuer,
} from '../policies/ci-oidc-policy.js';

export { INLINE_POLICY_NAME, deployRoleTrustPolicy, issuerFor, providerArnFor, subjectFor, type OidcIssuer };
import type { LoadedBlueprint } from '../core/blueprint.js';
import type { Step } from './types.js';
import { sessionIfExists } from './state-backend.js';
import {
  AWSORG_TAG_KEY,
  AWSORG_TAG_VALUE,
  awsorgTags,
  canonicalJson,
  isAwsError,
  paginate,
  partitionOf,
  policyDiff,
  samePolicy,
} from './support.js';

interface ObservedRole {
  arn: string;
  owned: boolean;
  trustPolicy: unknown;
  attached: string[];
  inlinePolicy: unknown | undefined;
}

export interface ObservedCiOidc {
  accountExists: boolean;
  accountId: string | undefined;
  partition: string;
  provider: { arn: string; clientIds: string[] } | undefined;
  role: ObservedRole | undefined;
}

type CiOidcChange =
  | { kind: 'create-provider'; url: string; audience: string }
  | { kind: 'add-audience'; providerArn: string; audience: string }
  | { kind: 'create-role'; roleName: string; trustPolicy: string }
  | { kind: 'update-trust'; roleName: string; trustPolicy: string }
  | { kind: 'attach'; roleName: string; policyArn: string }
  | { kind: 'detach'; roleName: string; policyArn: string }
  | { kind: 'put-inline'; roleName: string; document: string }
  | { kind: 'delete-inline'; roleName: string };

const ciAccount = (loaded: LoadedBlueprint) => loaded.blueprint.ciOidc?.account ?? 'management';

export const ciOidcStep: Step<ObservedCiOidc, CiOidcChange> = {
  id: 'ci-oidc',
  title: 'CI OIDC provider and deploy role',
  enabled: (loaded) => loaded.blueprint.ciOidc !== undefined,

  async observe(ctx) {
    const ci = ctx.loaded.blueprint.ciOidc!;
    const account = ciAccount(ctx.loaded);
    const partition = partitionOf(ctx.state.identity?.arn);
    const accountId = account === 'management' ? ctx.state.identity?.account : ctx.state.accountIds.get(account);
    const session = await sessionIfExists(ctx, account);
    if (!session) return { accountExists: false, accountId, partition, provider: undefined, role: undefined };
    const issuer = issuerFor(ci);
    const providers =
      (await session.send('iam', new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
    const providerArn = providers.map((p) => p.Arn ?? '').find((arn) => arn.endsWith(`:oidc-provider/${issuer.host}`));
    const provider = providerArn
      ? {
          arn: providerArn,
          clientIds:
            (await session.send('iam', new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn })))
              .ClientIDList ?? [],
        }
      : undefined;
    let role: ObservedRole | undefined;
    try {
      const described = (await session.send('iam', new GetRoleCommand({ RoleName: ci.roleName }))).Role;
      const [attached, inlineNames] = await Promise.all([
        paginate(async (Marker) => {
          const out = await session.send('iam', new ListAttachedRolePoliciesCommand({ RoleName: ci.roleName, Marker }));
          return { items: out.AttachedPolicies, next: out.IsTruncated ? out.Marker : undefined };
        }),
        paginate(async (Marker) => {
          const out = await session.send('iam', new ListRolePoliciesCommand({ RoleName: ci.roleName, Marker }));
          return { items: out.PolicyNames, next: out.IsTruncated ? out.Marker : undefined };
        }),
      ]);
      const inline = inlineNames.includes(INLINE_POLICY_NAME)
        ? (
            await session.send(
              'iam',
              new GetRolePolicyCommand({ RoleName: ci.roleName, PolicyName: INLINE_POLICY_NAME }),
            )
          ).PolicyDocument
        : undefined;
      role = {
        arn: described?.Arn ?? '',
        owned: (described?.Tags ?? []).some((t) => t.Key === AWSORG_TAG_KEY && t.Value === AWSORG_TAG_VALUE),
        trustPolicy: described?.AssumeRolePolicyDocument,
        attached: attached.map((p) => p.PolicyArn ?? ''),
        inlinePolicy: inline,
      };
    } catch (err) {
      if (!isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) throw err;
    }
    return { accountExists: true, accountId, partition, provider, role };
  },

  plan(observed, loaded) {
    const ci = loaded.blueprint.ciOidc!;
    const account = ciAccount(loaded);
    const issuer = issuerFor(ci);
    const changes: ReturnType<Step<ObservedCiOidc, CiOidcChange>['plan']> = [];
    const add = (key: string, call: string, summary: string, data: CiOidcChange, diff?: string) =>
      changes.push({ key: `ci-oidc:${key}`, calls: [call], summary, account, data, ...(diff ? { diff } : {}) });

    if (!observed.provider) {
      add(
        'provider',
        'iam:CreateOpenIDConnectProvider',
        `Create the OIDC provider ${issuer.url} (audience ${issuer.audience})`,
        { kind: 'create-provider', url: issuer.url, audience: issuer.audience },
      );
    } else if (!observed.provider.clientIds.includes(issuer.audience)) {
      add(
        'audience',
        'iam:AddClientIDToOpenIDConnectProvider',
        `Add audience ${issuer.audience} to ${observed.provider.arn}`,
        { kind: 'add-audience', providerArn: observed.provider.arn, audience: issuer.audience },
      );
    }
    const providerArn = observed.provider?.arn ?? providerArnFor(observed.partition, observed.accountId, issuer.host);
    const trust = deployRoleTrustPolicy(ci, providerArn);
    const trustText = JSON.stringify(trust);
    if (observed.role && !observed.role.owned) {
      throw new PreconditionError(
        `IAM role ${ci.roleName} already exists in the CI account and is not tagged ${AWSORG_TAG_KEY}=${AWSORG_TAG_VALUE}; awsorg will not rewrite the trust policy of a role it does not own.`,
        `Choose another \`ciOidc.roleName\`, or tag the role ${AWSORG_TAG_KEY}=${AWSORG_TAG_VALUE} to let awsorg manage it.`,
      );
    }
    if (!observed.role) {
      add(
        'role',
        'iam:CreateRole',
        `Create deploy role ${ci.roleName} trusted only by ${subjectFor(ci)}`,
        { kind: 'create-role', roleName: ci.roleName, trustPolicy: trustText },
        policyDiff(undefined, trust),
      );
    } else if (!samePolicy(observed.role.trustPolicy, trust)) {
      add(
        'trust',
        'iam:UpdateAssumeRolePolicy',
        `Update the trust policy of ${ci.roleName}`,
        { kind: 'update-trust', roleName: ci.roleName, trustPolicy: trustText },
        policyDiff(observed.role.trustPolicy, trust),
      );
    }
    const wanted = ci.policyArns ?? [];
    const attached = observed.role?.attached ?? [];
    for (const policyArn of wanted.filter((arn) => !attached.includes(arn))) {
      add(`attach:${policyArn}`, 'iam:AttachRolePolicy', `Attach ${policyArn} to ${ci.roleName}`, {
        kind: 'attach',
        roleName: ci.roleName,
        policyArn,
      });
    }
    for (const policyArn of attached.filter((arn) => !wanted.includes(arn))) {
      add(
        `detach:${policyArn}`,
        'iam:DetachRolePolicy',
        `Detach ${policyArn} from ${ci.roleName} (not in the blueprint)`,
        { kind: 'detach', roleName: ci.roleName, policyArn },
      );
    }
    const inline = loaded.deployInlinePolicy;
    if (
      inline !== undefined &&
      !(observed.role?.inlinePolicy !== undefined && samePolicy(observed.role.inlinePolicy, inline))
    ) {
      add(
        'inline',
        'iam:PutRolePolicy',
        `Put inline policy ${INLINE_POLICY_NAME} on ${ci.roleName}`,
        { kind: 'put-inline', roleName: ci.roleName, document: canonicalJson(inline, 0) },
        policyDiff(observed.role?.inlinePolicy, inline),
      );
    } else if (inline === undefined && observed.role?.inlinePolicy !== undefined) {
      add(
        'inline-delete',
        'iam:DeleteRolePolicy',
        `Delete inline policy ${INLINE_POLICY_NAME} from ${ci.roleName} (not in the blueprint)`,
        { kind: 'delete-inline', roleName: ci.roleName },
        policyDiff(observed.role.inlinePolicy, undefined),
      );
    }
    return changes;
  },

  async apply(change, ctx) {
    const session = await ctx.sessionFor(ciAccount(ctx.loaded));
    const data = change.data;
    switch (data.kind) {
      case 'create-provider':
        try {
          // IAM no longer needs a thumbprint for these well-known issuers; it trusts their CA.
          await session.send(
            'iam',
            new CreateOpenIDConnectProviderCommand({
              Url: data.url,
              ClientIDList: [data.audience],
              Tags: awsorgTags(),
            }),
          );
        } catch (err) {
          if (!isAwsError(err, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) throw err;
        }
        return;
      case 'add-audience':
        await session.send(
          'iam',
          new AddClientIDToOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: data.providerArn,
            ClientID: data.audience,
          }),
        );
        return;
      case 'create-role': {
        // The provider ARN needs the real account id, which a plan on a fresh org cannot know.
        const ci = ctx.loaded.blueprint.ciOidc!;
        const identity = await session.identity();
        const trust = JSON.stringify(
          deployRoleTrustPolicy(ci, providerArnFor(partitionOf(identity.arn), identity.account, issuerFor(ci).host)),
        );
        try {
          await session.send(
            'iam',
            new CreateRoleCommand({
              RoleName: data.roleName,
              AssumeRolePolicyDocument: trust,
              Description: `CI deploy role for ${subjectFor(ci)} (managed by awsorg)`,
              MaxSessionDuration: 3600,
              Tags: awsorgTags(),
            }),
          );
        } catch (err) {
          if (!isAwsError(err, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) throw err;
        }
        return;
      }
      case 'update-trust':
        await session.send(
          'iam',
          new UpdateAssumeRolePolicyCommand({ RoleName: data.roleName, PolicyDocument: data.trustPolicy }),
        );
        return;
      case 'attach':
        await session.send('iam', new AttachRolePolicyCommand({ RoleName: data.roleName, PolicyArn: data.policyArn }));
        return;
      case 'detach':
        await session.send('iam', new DetachRolePolicyCommand({ RoleName: data.roleName, PolicyArn: data.policyArn }));
        return;
      case 'put-inline':
        await session.send(
          'iam',
          new PutRolePolicyCommand({
            RoleName: data.roleName,
            PolicyName: INLINE_POLICY_NAME,
            PolicyDocument: data.document,
          }),
        );
        return;
      case 'delete-inline':
        await session.send(
          'iam',
          new DeleteRolePolicyCommand({ RoleName: data.roleName, PolicyName: INLINE_POLICY_NAME }),
        );
        return;
    }
  },
};
