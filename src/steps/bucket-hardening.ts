/**
 * The hardening both awsorg buckets get (the Terraform state bucket and the trail's log bucket):
 * versioning, default encryption, all four public-access blocks, BucketOwnerEnforced, a bucket
 * policy whose awsorg statements are merged with any others, and optionally a lifecycle rule.
 * Observation and planning are shared; each step decides which settings it wants.
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type LifecycleRule,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import type { AwsSession } from '../aws/session.js';
import { type AwsCallError, PreconditionError } from '../core/errors.js';
import type { Change } from './types.js';
import { isAwsError, policyDiff, samePolicy, unlessMissing } from './support.js';
import { LIFECYCLE_RULE_ID, TLS_SID, tlsDenyStatement, type PolicyStatement } from '../policies/bucket-policy.js';

export { LIFECYCLE_RULE_ID, TLS_SID, tlsDenyStatement, type PolicyStatement };

export interface ObservedBucket {
  exists: boolean;
  versioning?: string;
  encryption?: { algorithm?: string; kmsKeyId?: string };
  publicAccessBlock?: PublicAccessBlockConfiguration;
  ownership?: string;
  policy?: { Version?: string; Statement?: PolicyStatement[] };
  lifecycleRules?: LifecycleRule[];
}

export interface BucketWish {
  bucket: string;
  region: string;
  /** `aws:kms`, `AES256`, or a KMS key ARN. */
  encryption: string;
  /** Statements awsorg owns in the bucket policy, identified by Sid. Others are kept. */
  statements: PolicyStatement[];
  /** Sids awsorg owns even when not wanted now (so a dropped statement is removed). */
  ownedSids: string[];
  noncurrentVersionDays?: number;
}

export type BucketChange =
  | { kind: 'create'; bucket: string; region: string }
  | { kind: 'versioning'; bucket: string }
  | { kind: 'encryption'; bucket: string; encryption: string }
  | { kind: 'public-access-block'; bucket: string }
  | { kind: 'ownership'; bucket: string }
  | { kind: 'lifecycle'; bucket: string; rules: LifecycleRule[] }
  | { kind: 'policy'; bucket: string; policy: string }
  | { kind: 'delete-policy'; bucket: string };

const ALL_BLOCKED: PublicAccessBlockConfiguration = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

function httpStatus(err: unknown): number | undefined {
  return ((err as AwsCallError)?.cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export async function observeBucket(session: AwsSession, bucket: string): Promise<ObservedBucket> {
  try {
    await session.send('s3', new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const status = httpStatus(err);
    if (status === 404 || isAwsError(err, 'NotFound', 'NoSuchBucket')) return { exists: false };
    if (status === 403 || status === 301 || isAwsError(err, 'Forbidden', 'AccessDenied')) {
      throw new PreconditionError(
        `The S3 bucket name ${bucket} is taken by another AWS account (or this account may not read it).`,
        'Bucket names are global: choose another name in the blueprint (a random suffix helps), then rerun.',
        { cause: err },
      );
    }
    throw err;
  }
  const b = { Bucket: bucket };
  const [versioning, encryption, publicAccessBlock, ownership, policy, lifecycle] = await Promise.all([
    session.send('s3', new GetBucketVersioningCommand(b)),
    unlessMissing(
      () => session.send('s3', new GetBucketEncryptionCommand(b)),
      'ServerSideEncryptionConfigurationNotFoundError',
    ),
    unlessMissing(() => session.send('s3', new GetPublicAccessBlockCommand(b)), 'NoSuchPublicAccessBlockConfiguration'),
    unlessMissing(() => session.send('s3', new GetBucketOwnershipControlsCommand(b)), 'OwnershipControlsNotFoundError'),
    unlessMissing(() => session.send('s3', new GetBucketPolicyCommand(b)), 'NoSuchBucketPolicy'),
    unlessMissing(
      () => session.send('s3', new GetBucketLifecycleConfigurationCommand(b)),
      'NoSuchLifecycleConfiguration',
    ),
  ]);
  const sse = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  return {
    exists: true,
    ...(versioning.Status ? { versioning: versioning.Status } : {}),
    ...(sse ? { encryption: { algorithm: sse.SSEAlgorithm, kmsKeyId: sse.KMSMasterKeyID } } : {}),
    ...(publicAccessBlock?.PublicAccessBlockConfiguration
      ? { publicAccessBlock: publicAccessBlock.PublicAccessBlockConfiguration }
      : {}),
    ...(ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership
      ? { ownership: ownership.OwnershipControls.Rules[0].ObjectOwnership }
      : {}),
    ...(policy?.Policy ? { policy: JSON.parse(policy.Policy) } : {}),
    ...(lifecycle?.Rules ? { lifecycleRules: lifecycle.Rules } : {}),
  };
}

function encryptionMatches(observed: ObservedBucket['encryption'], wanted: string): boolean {
  if (!observed?.algorithm) return false;
  if (wanted === 'AES256') return observed.algorithm === 'AES256';
  if (!observed.algorithm.startsWith('aws:kms')) return false;
  // `aws:kms` asks for KMS with any key; a key ARN asks for that key.
  return wanted === 'aws:kms' || observed.kmsKeyId === wanted;
}

function lifecycleRule(days: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: '' },
    NoncurrentVersionExpiration: { NoncurrentDays: days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
}

/** The bucket policy awsorg wants: the statements it does not own, then its own. */
export function desiredBucketPolicy(
  observed: ObservedBucket,
  wish: BucketWish,
): { Version: string; Statement: PolicyStatement[] } {
  const owned = new Set([...wish.ownedSids, ...wish.statements.map((s) => s.Sid)]);
  const others = (observed.policy?.Statement ?? []).filter((s) => !s.Sid || !owned.has(s.Sid));
  return { Version: '2012-10-17', Statement: [...others, ...wish.statements] };
}

/** Pure: the changes that harden `observed` into `wish`. `keyPrefix` keeps journal keys unique per bucket. */
export function planBucket(
  observed: ObservedBucket,
  wish: BucketWish,
  keyPrefix: string,
  account: string,
): Change<BucketChange>[] {
  const { bucket } = wish;
  const changes: Change<BucketChange>[] = [];
  const add = (suffix: string, call: string, summary: string, data: BucketChange, diff?: string) =>
    changes.push({ key: `${keyPrefix}:${suffix}`, calls: [call], summary, account, data, ...(diff ? { diff } : {}) });

  if (!observed.exists) {
    add(
      'create',
      's3:CreateBucket',
      `Create bucket ${bucket} in ${wish.region} with ObjectOwnership BucketOwnerEnforced`,
      { kind: 'create', bucket, region: wish.region },
    );
  }
  if (observed.versioning !== 'Enabled')
    add('versioning', 's3:PutBucketVersioning', `Enable versioning on ${bucket}`, { kind: 'versioning', bucket });
  if (!encryptionMatches(observed.encryption, wish.encryption)) {
    add('encryption', 's3:PutBucketEncryption', `Set default encryption of ${bucket} to ${wish.encryption}`, {
      kind: 'encryption',
      bucket,
      encryption: wish.encryption,
    });
  }
  const pab = observed.publicAccessBlock ?? {};
  if (!(pab.BlockPublicAcls && pab.IgnorePublicAcls && pab.BlockPublicPolicy && pab.RestrictPublicBuckets)) {
    add('public-access-block', 's3:PutPublicAccessBlock', `Block all public access to ${bucket} (all four settings)`, {
      kind: 'public-access-block',
      bucket,
    });
  }
  if (observed.exists && observed.ownership !== 'BucketOwnerEnforced') {
    add(
      'ownership',
      's3:PutBucketOwnershipControls',
      `Set object ownership of ${bucket} to BucketOwnerEnforced (ACLs off)`,
      { kind: 'ownership', bucket },
    );
  }
  if (wish.noncurrentVersionDays !== undefined) {
    const days = wish.noncurrentVersionDays;
    const ours = observed.lifecycleRules?.find((r) => r.ID === LIFECYCLE_RULE_ID);
    if (ours?.Status !== 'Enabled' || ours.NoncurrentVersionExpiration?.NoncurrentDays !== days) {
      const rules = [...(observed.lifecycleRules ?? []).filter((r) => r.ID !== LIFECYCLE_RULE_ID), lifecycleRule(days)];
      add(
        'lifecycle',
        's3:PutBucketLifecycleConfiguration',
        `Expire noncurrent versions in ${bucket} after ${days} days`,
        { kind: 'lifecycle', bucket, rules },
      );
    }
  }
  const policy = desiredBucketPolicy(observed, wish);
  const owned = new Set([...wish.ownedSids, ...wish.statements.map((s) => s.Sid)]);
  const ownedPresent = (observed.policy?.Statement ?? []).some((s) => s.Sid && owned.has(s.Sid));
  if (policy.Statement.length === 0) {
    // Only awsorg's statements were there and none is wanted now: an empty policy is invalid.
    if (ownedPresent) {
      add(
        'policy',
        's3:DeleteBucketPolicy',
        `Remove the bucket policy of ${bucket} (it held only awsorg statements no longer wanted)`,
        { kind: 'delete-policy', bucket },
        policyDiff(observed.policy, undefined),
      );
    }
  } else if (!(observed.policy && samePolicy(observed.policy, policy))) {
    const what = wish.statements.length ? wish.statements.map((s) => s.Sid).join(', ') : 'removing awsorg statements';
    add(
      'policy',
      's3:PutBucketPolicy',
      `${observed.policy ? 'Update' : 'Set'} the bucket policy of ${bucket} (${what})`,
      { kind: 'policy', bucket, policy: JSON.stringify(policy) },
      policyDiff(observed.policy, policy),
    );
  }
  return changes;
}

export async function applyBucketChange(session: AwsSession, data: BucketChange): Promise<void> {
  const Bucket = data.bucket;
  switch (data.kind) {
    case 'create':
      try {
        await session.send(
          's3',
          new CreateBucketCommand({
            Bucket,
            ObjectOwnership: 'BucketOwnerEnforced',
            ...(data.region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: data.region as never } }),
          }),
          {
            region: data.region,
            // After a lost answer, a bucket we can read means the first attempt worked.
            reconcile: async () => ((await observeBucket(session, Bucket)).exists ? { $metadata: {} } : undefined),
          },
        );
      } catch (err) {
        if (!isAwsError(err, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw err;
        // BucketAlreadyExists is someone else's bucket unless we can read it.
        if (isAwsError(err, 'BucketAlreadyExists') && !(await observeBucket(session, Bucket)).exists) throw err;
      }
      return;
    case 'versioning':
      await session.send(
        's3',
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
      return;
    case 'encryption': {
      const kms = data.encryption !== 'AES256';
      await session.send(
        's3',
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: {
                  SSEAlgorithm: kms ? 'aws:kms' : 'AES256',
                  ...(kms && data.encryption !== 'aws:kms' ? { KMSMasterKeyID: data.encryption } : {}),
                },
                // S3 Bucket Keys cut KMS request costs for busy buckets.
                ...(kms ? { BucketKeyEnabled: true } : {}),
              },
            ],
          },
        }),
      );
      return;
    }
    case 'public-access-block':
      await session.send(
        's3',
        new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }),
      );
      return;
    case 'ownership':
      await session.send(
        's3',
        new PutBucketOwnershipControlsCommand({
          Bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      );
      return;
    case 'lifecycle':
      await session.send(
        's3',
        new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: data.rules } }),
      );
      return;
    case 'policy':
      await session.send('s3', new PutBucketPolicyCommand({ Bucket, Policy: data.policy }));
      return;
    case 'delete-policy':
      await session.send('s3', new DeleteBucketPolicyCommand({ Bucket }));
      return;
  }
}
