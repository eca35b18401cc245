/**
 * Issue 13, first slice: the Terraform configuration that hands the organization awsorg built to
 * Terraform / OpenTofu, with `import {}` blocks for the ids awsorg observed.
 *
 * Pure: blueprint + observed ids in, file name -> content out. The same input gives the same
 * bytes, so regenerating is a no-op when nothing changed. Covers the organization, OUs, accounts
 * and guardrail SCPs with their attachments; the state backend, CI OIDC and trail come later.
 */
import type { LoadedBlueprint } from '../../core/blueprint.js';
import { ROOT_TARGET } from '../../core/blueprint.js';
import { guardrailPolicies } from '../../steps/guardrail-policies.js';
import { LIFECYCLE_RULE_ID, TLS_SID, tlsDenyStatement, type PolicyStatement } from '../../steps/bucket-policy.js';
import { stateBucketWish, usesTable } from '../../steps/state-backend-wish.js';
import { INLINE_POLICY_NAME, deployRoleTrustPolicy, issuerFor, subjectFor } from '../../steps/ci-oidc-policy.js';
import { CLOUDTRAIL_SIDS, cloudTrailStatements, trailArn } from '../../steps/organization-trail-policy.js';
import { AWSORG_TAG_KEY, AWSORG_TAG_VALUE } from '../../steps/support.js';
import { IdentifierAllocator, attr, blank, block, hclString, hclStringList, map, render, type Item } from './hcl.js';

/** First line of every file awsorg writes; a `.tf` file without it is the user's. */
export const HANDOFF_MARKER = '# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.';

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
const ACCOUNT_IGNORED = ['name', 'email', 'role_name', 'iam_user_access_to_billing'];

function parentPathOf(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

function tagEntries(tags: Record<string, string>): Array<[string, string]> {
  return Object.entries(tags).map(([k, v]) => [k, hclString(v)]);
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
  const parentRef = (path: string | undefined) => (path === undefined || path === ROOT_TARGET ? `${ORG}.roots[0].id` : `${ouRef(path)}.id`);
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
        map('aws', [
          ['source', hclString('hashicorp/aws')],
          ['version', hclString('>= 5.0')],
        ], true),
      ]),
    ]),
  ]);

  file('providers.tf', [block('provider "aws"', [attr('region', hclString(blueprint.region))])]);

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
        map('tags', tagEntries({ [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE })),
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
        map('tags', tagEntries({ [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE, ...(account.tags ?? {}) })),
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
  for (const account of blueprint.accounts) importBlock(accountRef(account.name), need(ids.accountIds[account.name], `account ${account.name}`));

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
          map('tags', tagEntries({ [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE, 'awsorg:guardrail': policy.guardrail })),
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
        importBlock(`aws_organizations_policy_attachment.${attachment}`, `${targetIdOf(target)}:${need(ids.policyIds[policy.name], `SCP ${policy.name}`)}`);
      }
    }
    file('guardrails.tf', guardrails);
  }
  const backend = blueprint.stateBackend;
  if (backend) {
    if (backend.account !== 'management') {
      // Member-account buckets need a provider alias with assume_role; that comes in a later slice.
      throw new HandoffUnsupported(`the state bucket is in account ${backend.account}; only a state backend in the management account is handed off yet`);
    }
    // The same wish the state-backend step applied, so the code matches AWS setting for setting.
    const wish = stateBucketWish(loaded, ids.partition ?? 'aws', { omitTlsDenyStatement: options.omitTlsDenyStatement === true });
    const bucketRef = 'aws_s3_bucket.state.id';
    const items: Item[] = [
      block('resource "aws_s3_bucket" "state"', [attr('bucket', hclString(wish.bucket)), blank, block('lifecycle', [attr('prevent_destroy', 'true')])]),
      blank,
      block('resource "aws_s3_bucket_versioning" "state"', [attr('bucket', bucketRef), blank, block('versioning_configuration', [attr('status', hclString('Enabled'))])]),
      blank,
      block('resource "aws_s3_bucket_server_side_encryption_configuration" "state"', [
        attr('bucket', bucketRef),
        blank,
        block('rule', [
          block('apply_server_side_encryption_by_default', [
            attr('sse_algorithm', hclString(wish.encryption === 'AES256' ? 'AES256' : 'aws:kms')),
            ...(wish.encryption !== 'AES256' && wish.encryption !== 'aws:kms' ? [attr('kms_master_key_id', hclString(wish.encryption))] : []),
          ]),
          // awsorg turns S3 Bucket Keys on with KMS only.
          ...(wish.encryption !== 'AES256' ? [attr('bucket_key_enabled', 'true')] : []),
        ]),
      ]),
      blank,
      block('resource "aws_s3_bucket_public_access_block" "state"', [
        attr('bucket', bucketRef),
        attr('block_public_acls', 'true'),
        attr('ignore_public_acls', 'true'),
        attr('block_public_policy', 'true'),
        attr('restrict_public_buckets', 'true'),
      ]),
      blank,
      block('resource "aws_s3_bucket_ownership_controls" "state"', [attr('bucket', bucketRef), blank, block('rule', [attr('object_ownership', hclString('BucketOwnerEnforced'))])]),
    ];
    const subResources = ['aws_s3_bucket_versioning', 'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls'];
    if (wish.noncurrentVersionDays !== undefined) {
      items.push(
        blank,
        block('resource "aws_s3_bucket_lifecycle_configuration" "state"', [
          attr('bucket', bucketRef),
          blank,
          block('rule', [
            attr('id', hclString(LIFECYCLE_RULE_ID)),
            attr('status', hclString('Enabled')),
            blank,
            block('filter', [attr('prefix', hclString(''))]),
            blank,
            block('noncurrent_version_expiration', [attr('noncurrent_days', String(wish.noncurrentVersionDays))]),
            blank,
            block('abort_incomplete_multipart_upload', [attr('days_after_initiation', '7')]),
          ]),
        ]),
      );
      subResources.push('aws_s3_bucket_lifecycle_configuration');
    }
    if (wish.statements.length > 0) {
      // Exactly the document awsorg put (its own statements only; a statement someone else added
      // to the policy shows as drift, which is what it is once Terraform owns the policy).
      const policyFile = 'policies/state_bucket_policy.json';
      files.set(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: wish.statements }, null, 2) + '\n');
      items.push(blank, block('resource "aws_s3_bucket_policy" "state"', [attr('bucket', bucketRef), attr('policy', `file("\${path.module}/${policyFile}")`)]));
      subResources.push('aws_s3_bucket_policy');
    }
    importBlock('aws_s3_bucket.state', wish.bucket);
    // Every S3 bucket sub-resource is imported by the bucket name.
    for (const type of subResources) importBlock(`${type}.state`, wish.bucket);
    if (usesTable(loaded) && backend.table) {
      items.push(
        blank,
        block('resource "aws_dynamodb_table" "lock"', [
          attr('name', hclString(backend.table)),
          attr('billing_mode', hclString('PAY_PER_REQUEST')),
          attr('hash_key', hclString('LockID')),
          attr('deletion_protection_enabled', 'true'),
          blank,
          block('attribute', [attr('name', hclString('LockID')), attr('type', hclString('S'))]),
          blank,
          block('point_in_time_recovery', [attr('enabled', 'true')]),
          blank,
          map('tags', tagEntries({ [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE })),
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
    if ((ci.account ?? 'management') !== 'management') {
      throw new HandoffUnsupported(`the CI OIDC provider is in account ${ci.account}; only the management account is handed off yet`);
    }
    const providerArn = need(ids.ciOidcProviderArn, 'the CI OIDC provider');
    const issuer = issuerFor(ci);
    const tags = map('tags', tagEntries({ [AWSORG_TAG_KEY]: AWSORG_TAG_VALUE }));
    const trustFile = 'policies/deploy_role_trust.json';
    files.set(trustFile, JSON.stringify(deployRoleTrustPolicy(ci, providerArn), null, 2) + '\n');
    const items: Item[] = [
      block('resource "aws_iam_openid_connect_provider" "ci"', [attr('url', hclString(issuer.url)), attr('client_id_list', hclStringList([issuer.audience])), blank, tags]),
      blank,
      block('resource "aws_iam_role" "deploy"', [
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
      items.push(blank, block(`resource "aws_iam_role_policy_attachment" "${ident}"`, [attr('role', 'aws_iam_role.deploy.name'), attr('policy_arn', hclString(policyArn))]));
      // The provider's import id for a role policy attachment is `<role name>/<policy arn>`.
      importBlock(`aws_iam_role_policy_attachment.${ident}`, `${ci.roleName}/${policyArn}`);
    }
    if (loaded.deployInlinePolicy !== undefined) {
      const inlineFile = 'policies/deploy_role_inline.json';
      files.set(inlineFile, JSON.stringify(loaded.deployInlinePolicy, null, 2) + '\n');
      items.push(
        blank,
        block('resource "aws_iam_role_policy" "deploy"', [attr('name', hclString(INLINE_POLICY_NAME)), attr('role', 'aws_iam_role.deploy.name'), attr('policy', `file("\${path.module}/${inlineFile}")`)]),
      );
      // `<role name>:<policy name>`.
      importBlock('aws_iam_role_policy.deploy', `${ci.roleName}:${INLINE_POLICY_NAME}`);
    }
    file('ci-oidc.tf', items);
  }
  file('imports.tf', imports);

  file('outputs.tf', [
    block('output "account_ids"', [
      attr('description', hclString('Account ids by blueprint account name.')),
      map('value', blueprint.accounts.map((a) => [a.name, `${accountRef(a.name)}.id`])),
    ]),
    blank,
    block('output "organizational_unit_ids"', [
      attr('description', hclString('OU ids by path from the root.')),
      map('value', blueprint.organizationalUnits.map((p) => [p, `${ouRef(p)}.id`])),
    ]),
    ...(backend
      ? [
          blank,
          block('output "state_bucket"', [attr('description', hclString('The Terraform state bucket.')), attr('value', 'aws_s3_bucket.state.bucket')]),
          ...(usesTable(loaded) && backend.table
            ? [blank, block('output "lock_table"', [attr('description', hclString('The DynamoDB lock table.')), attr('value', 'aws_dynamodb_table.lock.name')])]
            : []),
        ]
      : []),
    ...(ci ? [blank, block('output "deploy_role_arn"', [attr('description', hclString('The role CI assumes through OIDC.')), attr('value', 'aws_iam_role.deploy.arn')])] : []),
  ]);
  return { files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), imports: importList, notes };
}
