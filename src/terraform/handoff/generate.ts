/**
 * Issue 13, first slice: the Terraform configuration that hands the organization awsorg built to
 * Terraform / OpenTofu, with `import {}` blocks for the ids awsorg observed.
 *
 * Pure: blueprint + observed ids in, file name -> content out. The same input gives the same
 * bytes, so regenerating is a no-op when nothing changed. Covers the organization, OUs, accounts,
 * guardrail SCPs with their attachments, the state backend, CI OIDC and the organization trail.
 * Resources in a member account go through a provider alias that assumes the member role there.
 */
import type { LoadedBlueprint } from '../../core/blueprint.js';
import { ROOT_TARGET } from '../../core/blueprint.js';
import { guardrailPolicies } from '../../policies/guardrail-policies.js';
import { TLS_SID, tlsDenyStatement, type PolicyStatement } from '../../policies/bucket-policy.js';
import { stateBucketWish, usesTable } from '../../policies/state-backend-wish.js';
import { INLINE_POLICY_NAME, deployRoleTrustPolicy, issuerFor, subjectFor } from '../../policies/ci-oidc-policy.js';
import { CLOUDTRAIL_SIDS, cloudTrailStatements, trailArn } from '../../policies/organization-trail-policy.js';
import { AWSORG_TAG_KEY, AWSORG_TAG_VALUE } from '../../policies/tags.js';
import { IdentifierAllocator, attr, blank, block, hclString, hclStringList, map, render, type Item } from './hcl.js';
import { bucketCode, tagEntries, type BucketCode } from './buckets.js';

/** First line of every file awsorg writes; a `.tf` file without it is the user's. */
export const HANDOFF_MARKER =
  '# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.';

/** Ids awsorg observed in AWS (engine state and the guardrails step). */
export interface HandoffIds {
  organizationId: string;
  rootId: string;
  /** OU path -> OU id. */
  ouIds: Record<string, string>;
  /** Blueprint account name -> account id. */
  accountIds: Record<string, string>;
  /** SCP name (`awsorg-deny-root`) -> policy id. */
  policyIds: Record<string, string>;
  /** AWS partition of the management account (`aws`, `aws-cn`, ...); default `aws`. */
  partition?: string;
  /** ARN of the CI OIDC provider awsorg created or found (required with `ciOidc`). */
  ciOidcProviderArn?: string;
  /** The management account's id (required with `organizationTrail`: it is in the trail's ARN). */
  managementAccountId?: string;
  /** The role a provider alias assumes in a member account; default `OrganizationAccountAccessRole`. */
  memberRoleName?: string;
  /**
   * Tags AWS holds, keyed `account:<name>`, `ou:<path>`, `policy:<scp name>`, `trail:<name>`,
   * `table:<name>` or `bucket:<name>`. A given key's tags are written exactly (an adopted account may carry more than
   * awsorg's); an absent key gets the tags awsorg sets.
   */
  tags?: Record<string, Record<string, string>>;
  /** Bucket name -> the bucket policy AWS holds; statements awsorg does not own are kept. */
  bucketPolicies?: Record<string, { Statement?: PolicyStatement[] }>;
  /** Bucket name -> the lifecycle rules AWS holds; a rule awsorg does not own keeps the configuration out. */
  lifecycleRules?: Record<string, Array<{ ID?: string }>>;
}

/** Run options that change what awsorg applied, so the code must say the same. */
export interface HandoffOptions {
  /** `--omit-tls-deny`: the state bucket policy carries no TLS-only statement. */
  omitTlsDenyStatement?: boolean;
}

/** What the generator produced: the files, every import it declares, and notes for the plan. */
export interface HandoffCode {
  /** File name relative to `terraform.dir` -> content, sorted by name. */
  files: Map<string, string>;
  /** Every `import {}` block: the resource address and the provider's import id. */
  imports: Array<{ to: string; id: string }>;
  /** Things a reviewer should know (a setting left out of the hand-off and why). */
  notes: string[];
}

export class HandoffUnsupported extends Error {}

export class HandoffIdsMissing extends Error {}

const ORG = 'aws_organizations_organization.this';
const DEFAULT_MEMBER_ROLE = 'OrganizationAccountAccessRole';
const ACCOUNT_IGNORED = ['name', 'email', 'role_name', 'iam_user_access_to_billing'];

function parentPathOf(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new HandoffIdsMissing(`no id observed for ${what}`);
  return value;
}

export function generateHandoff(loaded: LoadedBlueprint, ids: HandoffIds, options: HandoffOptions = {}): HandoffCode {
  const { blueprint } = loaded;
  const files = new Map<string, string>();
  const file = (name: string, items: Item[]) => files.set(name, `${HANDOFF_MARKER}\n\n${render(items)}`);

  // Identifiers are claimed in blueprint order, so the same blueprint always gives the same names.
  const ouIdent = new IdentifierAllocator();
  for (const path of blueprint.organizationalUnits) ouIdent.claim(path);
  const accountIdent = new IdentifierAllocator();
  for (const account of blueprint.accounts) accountIdent.claim(account.name);
  const policies = guardrailPolicies(loaded);
  const policyIdent = new IdentifierAllocator();
  for (const p of policies) policyIdent.claim(p.name.replace(/^awsorg-/, ''));
  const policyIdentOf = (name: string) => policyIdent.get(name.replace(/^awsorg-/, ''));

  const ouRef = (path: string) => `aws_organizations_organizational_unit.${ouIdent.get(path)}`;
  const accountRef = (name: string) => `aws_organizations_account.${accountIdent.get(name)}`;
  const parentRef = (path: string | undefined) =>
    path === undefined || path === ROOT_TARGET ? `${ORG}.roots[0].id` : `${ouRef(path)}.id`;
  const targetRef = (target: string) => {
    if (target === ROOT_TARGET) return `${ORG}.roots[0].id`;
    if (blueprint.organizationalUnits.includes(target)) return `${ouRef(target)}.id`;
    return `${accountRef(target)}.id`;
  };
  const targetIdOf = (target: string) => {
    if (target === ROOT_TARGET) return ids.rootId;
    if (blueprint.organizationalUnits.includes(target)) return need(ids.ouIds[target], `OU ${target}`);
    return need(ids.accountIds[target], `account ${target}`);
  };

  file('versions.tf', [
    block('terraform', [
      attr('required_version', hclString('>= 1.5.0')),
      blank,
      block('required_providers', [
        map(
          'aws',
          [
            ['source', hclString('hashicorp/aws')],
            ['version', hclString('>= 5.0')],
          ],
          true,
        ),
      ]),
    ]),
  ]);

  // One provider alias per member account that holds something awsorg built; named like the
  // account's resource and listed in blueprint order, so the same blueprint gives the same file.
  const partition = ids.partition ?? 'aws';
  const memberAccounts = new Set(
    [
      blueprint.stateBackend?.account,
      blueprint.organizationTrail?.account,
      blueprint.ciOidc ? (blueprint.ciOidc.account ?? 'management') : undefined,
    ].filter((a): a is string => a !== undefined && a !== 'management'),
  );
  const providers: Item[] = [block('provider "aws"', [attr('region', hclString(blueprint.region))])];
  const aliasOf = new Map<string, string>();
  for (const name of [...blueprint.accounts.map((a) => a.name), ...memberAccounts]) {
    if (!memberAccounts.has(name) || aliasOf.has(name)) continue;
    const accountId = need(ids.accountIds[name], `account ${name} (its provider alias assumes a role there)`);
    const alias = accountIdent.claim(name);
    aliasOf.set(name, alias);
    providers.push(
      blank,
      block('provider "aws"', [
        attr('alias', hclString(alias)),
        attr('region', hclString(blueprint.region)),
        blank,
        block('assume_role', [
          attr(
            'role_arn',
            hclString(`arn:${partition}:iam::${accountId}:role/${ids.memberRoleName ?? DEFAULT_MEMBER_ROLE}`),
          ),
        ]),
      ]),
    );
  }
  /** `aws.<alias>` for a member account, undefined for the management account (the default provider). */
  const providerFor = (account: string | undefined) =>
    account === undefined || account === 'management' ? undefined : `aws.${aliasOf.get(account)!}`;
  const providerAttr = (account: string | undefined) => {
    const p = providerFor(account);
    return p ? [attr('provider', p)] : [];
  };
  /** The tags AWS holds when observed, else the tags awsorg sets. */
  const tagsOf = (key: string, awsorgSets: Record<string, string>) =>
    map('tags', tagEntries(ids.tags?.[key] ?? awsorgSets));
  file('providers.tf', providers);

  const org: Item[] = [
    block('resource "aws_organizations_organization" "this"', [
      attr('feature_set', hclString('ALL')),
      attr('aws_service_access_principals', hclStringList([...blueprint.organization.trustedServices].sort())),
      attr('enabled_policy_types', hclStringList([...blueprint.organization.policyTypes].sort())),
      blank,
      block('lifecycle', [attr('prevent_destroy', 'true')]),
    ]),
  ];
  for (const path of blueprint.organizationalUnits) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    org.push(
      blank,
      block(`resource "aws_organizations_organizational_unit" "${ouIdent.get(path)}"`, [
        attr('name', hclString(name)),
        attr('parent_id', parentRef(parentPathOf(path))),
        blank,
        tagsOf(`ou:${path}`, { [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE }),
      ]),
    );
  }
  for (const account of blueprint.accounts) {
    org.push(
      blank,
      block(`resource "aws_organizations_account" "${accountIdent.get(account.name)}"`, [
        attr('name', hclString(account.name)),
        attr('email', hclString(account.email)),
        attr('parent_id', parentRef(account.ou)),
        blank,
        tagsOf(`account:${account.name}`, { [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE, ...(account.tags ?? {}) }),
        blank,
        block('lifecycle', [
          attr('ignore_changes', `[${ACCOUNT_IGNORED.join(', ')}]`),
          attr('prevent_destroy', 'true'),
        ]),
      ]),
    );
  }
  file('organization.tf', org);

  const imports: Item[] = [];
  const importList: HandoffCode['imports'] = [];
  const notes: string[] = [];
  const importBlock = (to: string, id: string) => {
    importList.push({ to, id });
    if (imports.length > 0) imports.push(blank);
    imports.push(block('import', [attr('to', to), attr('id', hclString(id))]));
  };
  importBlock(ORG, need(ids.organizationId, 'the organization'));
  for (const path of blueprint.organizationalUnits) importBlock(ouRef(path), need(ids.ouIds[path], `OU ${path}`));
  for (const account of blueprint.accounts)
    importBlock(accountRef(account.name), need(ids.accountIds[account.name], `account ${account.name}`));

  if (policies.length > 0) {
    const guardrails: Item[] = [];
    for (const policy of policies) {
      const ident = policyIdentOf(policy.name);
      const policyFile = `policies/${ident}.json`;
      files.set(policyFile, JSON.stringify(policy.document, null, 2) + '\n');
      if (guardrails.length > 0) guardrails.push(blank);
      guardrails.push(
        block(`resource "aws_organizations_policy" "${ident}"`, [
          attr('name', hclString(policy.name)),
          attr('description', hclString(policy.description)),
          attr('type', hclString('SERVICE_CONTROL_POLICY')),
          attr('content', `file("\${path.module}/${policyFile}")`),
          blank,
          tagsOf(`policy:${policy.name}`, { [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE, 'awsorg:guardrail': policy.guardrail }),
        ]),
      );
      importBlock(`aws_organizations_policy.${ident}`, need(ids.policyIds[policy.name], `SCP ${policy.name}`));
      const attachIdent = new IdentifierAllocator();
      for (const target of policy.targets) {
        const attachment = `${ident}__${attachIdent.claim(target)}`;
        guardrails.push(
          blank,
          block(`resource "aws_organizations_policy_attachment" "${attachment}"`, [
            attr('policy_id', `aws_organizations_policy.${ident}.id`),
            attr('target_id', targetRef(target)),
          ]),
        );
        // The provider's import id for an attachment is `<target id>:<policy id>`.
        importBlock(
          `aws_organizations_policy_attachment.${attachment}`,
          `${targetIdOf(target)}:${need(ids.policyIds[policy.name], `SCP ${policy.name}`)}`,
        );
      }
    }
    file('guardrails.tf', guardrails);
  }
  /** Declare one awsorg bucket: its resources, policy file, imports and notes. */
  const addBucket = (code: BucketCode, items: Item[]) => {
    items.push(...code.items);
    if (code.policyFile) files.set(...code.policyFile);
    for (const [to, id] of code.imports) importBlock(to, id);
    notes.push(...code.notes);
  };
  const observedOf = (bucket: string) => ({
    ...(ids.bucketPolicies?.[bucket] ? { observedPolicy: ids.bucketPolicies[bucket] } : {}),
    ...(ids.lifecycleRules?.[bucket] ? { observedLifecycleRules: ids.lifecycleRules[bucket] } : {}),
    ...(ids.tags?.[`bucket:${bucket}`] ? { observedTags: ids.tags[`bucket:${bucket}`] } : {}),
  });

  const backend = blueprint.stateBackend;
  if (backend) {
    // The same wish the state-backend step applied, so the code matches AWS setting for setting.
    const wish = stateBucketWish(loaded, partition, { omitTlsDenyStatement: options.omitTlsDenyStatement === true });
    const provider = providerFor(backend.account);
    const items: Item[] = [];
    addBucket(
      bucketCode({
        ident: 'state',
        bucket: wish.bucket,
        encryption: wish.encryption,
        statements: wish.statements,
        ownedSids: wish.ownedSids,
        noncurrentVersionDays: wish.noncurrentVersionDays,
        preventDestroy: true,
        ...(provider ? { provider } : {}),
        ...observedOf(wish.bucket),
      }),
      items,
    );
    if (usesTable(loaded) && backend.table) {
      items.push(
        blank,
        block('resource "aws_dynamodb_table" "lock"', [
          ...providerAttr(backend.account),
          attr('name', hclString(backend.table)),
          attr('billing_mode', hclString('PAY_PER_REQUEST')),
          attr('hash_key', hclString('LockID')),
          attr('deletion_protection_enabled', 'true'),
          blank,
          block('attribute', [attr('name', hclString('LockID')), attr('type', hclString('S'))]),
          blank,
          block('point_in_time_recovery', [attr('enabled', 'true')]),
          blank,
          tagsOf(`table:${backend.table}`, { [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE }),
          blank,
          block('lifecycle', [attr('prevent_destroy', 'true')]),
        ]),
      );
      importBlock('aws_dynamodb_table.lock', backend.table);
    }
    file('state-backend.tf', items);
  }
  const ci = blueprint.ciOidc;
  if (ci) {
    const inAccount = providerAttr(ci.account);
    const providerArn = need(ids.ciOidcProviderArn, 'the CI OIDC provider');
    const issuer = issuerFor(ci);
    const tags = map('tags', tagEntries({ [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE }));
    const trustFile = 'policies/deploy_role_trust.json';
    files.set(trustFile, JSON.stringify(deployRoleTrustPolicy(ci, providerArn), null, 2) + '\n');
    const items: Item[] = [
      block('resource "aws_iam_openid_connect_provider" "ci"', [
        ...inAccount,
        attr('url', hclString(issuer.url)),
        attr('client_id_list', hclStringList([issuer.audience])),
        blank,
        tags,
      ]),
      blank,
      block('resource "aws_iam_role" "deploy"', [
        ...inAccount,
        attr('name', hclString(ci.roleName)),
        attr('description', hclString(`CI deploy role for ${subjectFor(ci)} (managed by awsorg)`)),
        attr('assume_role_policy', `file("\${path.module}/${trustFile}")`),
        attr('max_session_duration', '3600'),
        blank,
        tags,
      ]),
    ];
    importBlock('aws_iam_openid_connect_provider.ci', providerArn);
    importBlock('aws_iam_role.deploy', ci.roleName);
    const attachIdent = new IdentifierAllocator();
    for (const policyArn of ci.policyArns ?? []) {
      const ident = `deploy__${attachIdent.claim(policyArn, policyArn.slice(policyArn.lastIndexOf('/') + 1))}`;
      items.push(
        blank,
        block(`resource "aws_iam_role_policy_attachment" "${ident}"`, [
          ...inAccount,
          attr('role', 'aws_iam_role.deploy.name'),
          attr('policy_arn', hclString(policyArn)),
        ]),
      );
      // The provider's import id for a role policy attachment is `<role name>/<policy arn>`.
      importBlock(`aws_iam_role_policy_attachment.${ident}`, `${ci.roleName}/${policyArn}`);
    }
    if (loaded.deployInlinePolicy !== undefined) {
      const inlineFile = 'policies/deploy_role_inline.json';
      files.set(inlineFile, JSON.stringify(loaded.deployInlinePolicy, null, 2) + '\n');
      items.push(
        blank,
        block('resource "aws_iam_role_policy" "deploy"', [
          ...inAccount,
          attr('name', hclString(INLINE_POLICY_NAME)),
          attr('role', 'aws_iam_role.deploy.name'),
          attr('policy', `file("\${path.module}/${inlineFile}")`),
        ]),
      );
      // `<role name>:<policy name>`.
      importBlock('aws_iam_role_policy.deploy', `${ci.roleName}:${INLINE_POLICY_NAME}`);
    }
    file('ci-oidc.tf', items);
  }
  const trail = blueprint.organizationTrail;
  if (trail) {
    const managementAccountId = need(ids.managementAccountId, 'the management account (the trail ARN names it)');
    // The statements the organization-trail step applied: CloudTrail's, then TLS-only unless omitted.
    const observedIds = { partition, managementAccountId, organizationId: ids.organizationId };
    const provider = providerFor(trail.account);
    const items: Item[] = [];
    addBucket(
      bucketCode({
        ident: 'trail',
        bucket: trail.bucket,
        encryption: 'AES256',
        statements: [
          ...cloudTrailStatements(loaded, observedIds),
          ...(options.omitTlsDenyStatement ? [] : [tlsDenyStatement(trail.bucket, partition)]),
        ],
        ownedSids: [...CLOUDTRAIL_SIDS, TLS_SID],
        preventDestroy: false,
        ...(provider ? { provider } : {}),
        ...observedOf(trail.bucket),
      }),
      items,
    );
    const trailTags = ids.tags?.[`trail:${trail.name}`];
    items.push(
      blank,
      block('resource "aws_cloudtrail" "organization"', [
        attr('name', hclString(trail.name)),
        attr('s3_bucket_name', 'aws_s3_bucket.trail.id'),
        attr('is_organization_trail', 'true'),
        attr('is_multi_region_trail', 'true'),
        attr('enable_log_file_validation', 'true'),
        attr('include_global_service_events', 'true'),
        attr('enable_logging', 'true'),
        // awsorg tags no trail; tags someone else put on it are kept as they are.
        ...(trailTags ? [blank, map('tags', tagEntries(trailTags))] : []),
        blank,
        // CloudTrail checks the bucket policy when the trail is created or pointed at the bucket.
        attr('depends_on', '[aws_s3_bucket_policy.trail]'),
      ]),
    );
    // The provider imports a trail by its ARN.
    importBlock('aws_cloudtrail.organization', trailArn(loaded, partition, managementAccountId));
    file('organization-trail.tf', items);
  }
  file('imports.tf', imports);

  file('outputs.tf', [
    block('output "account_ids"', [
      attr('description', hclString('Account ids by blueprint account name.')),
      map(
        'value',
        blueprint.accounts.map((a) => [a.name, `${accountRef(a.name)}.id`]),
      ),
    ]),
    blank,
    block('output "organizational_unit_ids"', [
      attr('description', hclString('OU ids by path from the root.')),
      map(
        'value',
        blueprint.organizationalUnits.map((p) => [p, `${ouRef(p)}.id`]),
      ),
    ]),
    ...(backend
      ? [
          blank,
          block('output "state_bucket"', [
            attr('description', hclString('The Terraform state bucket.')),
            attr('value', 'aws_s3_bucket.state.bucket'),
          ]),
          ...(usesTable(loaded) && backend.table
            ? [
                blank,
                block('output "lock_table"', [
                  attr('description', hclString('The DynamoDB lock table.')),
                  attr('value', 'aws_dynamodb_table.lock.name'),
                ]),
              ]
            : []),
        ]
      : []),
    ...(ci
      ? [
          blank,
          block('output "deploy_role_arn"', [
            attr('description', hclString('The role CI assumes through OIDC.')),
            attr('value', 'aws_iam_role.deploy.arn'),
          ]),
        ]
      : []),
    ...(trail
      ? [
          blank,
          block('output "trail_arn"', [
            attr('description', hclString('The organization CloudTrail trail.')),
            attr('value', 'aws_cloudtrail.organization.arn'),
          ]),
          blank,
          block('output "trail_bucket"', [
            attr('description', hclString("The trail's log bucket.")),
            attr('value', 'aws_s3_bucket.trail.bucket'),
          ]),
        ]
      : []),
  ]);
  return {
    files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    imports: importList,
    notes,
  };
}
