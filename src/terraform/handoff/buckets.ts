/**
 * The Terraform code for one awsorg bucket (the state bucket or the trail's log bucket): the
 * bucket and the hardening sub-resources awsorg applied to it, merged with what AWS holds that
 * awsorg does not own, so the first apply neither shows drift nor deletes someone else's work.
 */
import { LIFECYCLE_RULE_ID, type PolicyStatement } from '../../policies/bucket-policy.js';
import { attr, blank, block, hclString, map, type Item } from './hcl.js';

export interface HandoffBucket {
  /** Resource name shared by the bucket and its sub-resources (`state`, `trail`). */
  ident: string;
  bucket: string;
  /** `aws:kms`, `AES256`, or a KMS key ARN. */
  encryption: string;
  /** awsorg's statements, in the order awsorg writes them. */
  statements: PolicyStatement[];
  /** Sids awsorg owns; every other observed statement is kept after awsorg's. */
  ownedSids: string[];
  noncurrentVersionDays?: number;
  preventDestroy: boolean;
  /** `aws.<alias>` when the bucket lives in a member account. */
  provider?: string;
  /** The bucket policy as AWS holds it, when observed. */
  observedPolicy?: { Statement?: PolicyStatement[] };
  /** The lifecycle rules AWS holds, when observed. */
  observedLifecycleRules?: Array<{ ID?: string }>;
  /** Tags AWS holds on the bucket, when observed (awsorg sets none). */
  observedTags?: Record<string, string>;
}

export interface BucketCode {
  items: Item[];
  /** `[address, import id]`: every S3 bucket sub-resource is imported by the bucket name. */
  imports: Array<[string, string]>;
  /** `policies/<ident>_bucket_policy.json` and its content, when the code declares a policy. */
  policyFile?: [string, string];
  notes: string[];
}

export function tagEntries(tags: Record<string, string>): Array<[string, string]> {
  return Object.entries(tags).map(([k, v]) => [k, hclString(v)]);
}

export function bucketCode(spec: HandoffBucket): BucketCode {
  const { ident, bucket } = spec;
  const providerAttr = spec.provider ? [attr('provider', spec.provider)] : [];
  const resource = (type: string, body: Item[]) => block(`resource "${type}" "${ident}"`, [...providerAttr, ...body]);
  const bucketRef = `aws_s3_bucket.${ident}.id`;
  const notes: string[] = [];
  const kms = spec.encryption !== 'AES256';
  const items: Item[] = [
    resource('aws_s3_bucket', [
      attr('bucket', hclString(bucket)),
      ...(spec.observedTags ? [blank, map('tags', tagEntries(spec.observedTags))] : []),
      ...(spec.preventDestroy ? [blank, block('lifecycle', [attr('prevent_destroy', 'true')])] : []),
    ]),
    blank,
    resource('aws_s3_bucket_versioning', [
      attr('bucket', bucketRef),
      blank,
      block('versioning_configuration', [attr('status', hclString('Enabled'))]),
    ]),
    blank,
    resource('aws_s3_bucket_server_side_encryption_configuration', [
      attr('bucket', bucketRef),
      blank,
      block('rule', [
        block('apply_server_side_encryption_by_default', [
          attr('sse_algorithm', hclString(kms ? 'aws:kms' : 'AES256')),
          ...(kms && spec.encryption !== 'aws:kms' ? [attr('kms_master_key_id', hclString(spec.encryption))] : []),
        ]),
        // awsorg turns S3 Bucket Keys on with KMS only.
        ...(kms ? [attr('bucket_key_enabled', 'true')] : []),
      ]),
    ]),
    blank,
    resource('aws_s3_bucket_public_access_block', [
      attr('bucket', bucketRef),
      attr('block_public_acls', 'true'),
      attr('ignore_public_acls', 'true'),
      attr('block_public_policy', 'true'),
      attr('restrict_public_buckets', 'true'),
    ]),
    blank,
    resource('aws_s3_bucket_ownership_controls', [
      attr('bucket', bucketRef),
      blank,
      block('rule', [attr('object_ownership', hclString('BucketOwnerEnforced'))]),
    ]),
  ];
  const subResources = [
    'aws_s3_bucket_versioning',
    'aws_s3_bucket_server_side_encryption_configuration',
    'aws_s3_bucket_public_access_block',
    'aws_s3_bucket_ownership_controls',
  ];

  if (spec.noncurrentVersionDays !== undefined) {
    const foreignRules = (spec.observedLifecycleRules ?? []).filter((r) => r.ID !== LIFECYCLE_RULE_ID);
    if (foreignRules.length > 0) {
      // The provider's lifecycle resource owns the whole configuration: declaring only awsorg's
      // rule would replace the user's rules on the first apply.
      const ruleIds = foreignRules.map((r) => r.ID ?? '(no id)').join(', ');
      notes.push(
        `lifecycle configuration of bucket ${bucket} is left out of the hand-off: it holds rules awsorg does not own (${ruleIds}); awsorg keeps managing its own rule`,
      );
    } else {
      items.push(
        blank,
        resource('aws_s3_bucket_lifecycle_configuration', [
          attr('bucket', bucketRef),
          blank,
          block('rule', [
            attr('id', hclString(LIFECYCLE_RULE_ID)),
            attr('status', hclString('Enabled')),
            blank,
            block('filter', [attr('prefix', hclString(''))]),
            blank,
            block('noncurrent_version_expiration', [attr('noncurrent_days', String(spec.noncurrentVersionDays))]),
            blank,
            block('abort_incomplete_multipart_upload', [attr('days_after_initiation', '7')]),
          ]),
        ]),
      );
      subResources.push('aws_s3_bucket_lifecycle_configuration');
    }
  }

  let policyFile: BucketCode['policyFile'];
  if (spec.statements.length > 0) {
    // awsorg's statements, then every observed statement awsorg does not own (the same rule the
    // bootstrap step merges by), so another team's statement survives the first apply.
    const owned = new Set([...spec.ownedSids, ...spec.statements.map((s) => s.Sid)]);
    const foreign = (spec.observedPolicy?.Statement ?? []).filter((s) => !s.Sid || !owned.has(s.Sid));
    if (foreign.length > 0) {
      notes.push(
        `bucket policy of ${bucket} keeps statements awsorg does not own: ${foreign.map((s) => s.Sid ?? '(no Sid)').join(', ')}`,
      );
    }
    const name = `policies/${ident}_bucket_policy.json`;
    policyFile = [
      name,
      JSON.stringify({ Version: '2012-10-17', Statement: [...spec.statements, ...foreign] }, null, 2) + '\n',
    ];
    items.push(
      blank,
      resource('aws_s3_bucket_policy', [attr('bucket', bucketRef), attr('policy', `file("\${path.module}/${name}")`)]),
    );
    subResources.push('aws_s3_bucket_policy');
  }
  const imports: Array<[string, string]> = [
    [`aws_s3_bucket.${ident}`, bucket],
    ...subResources.map((type): [string, string] => [`${type}.${ident}`, bucket]),
  ];
  return { items, imports, ...(policyFile ? { policyFile } : {}), notes };
}
