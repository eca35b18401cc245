/**
 * S3 operations for `s3-public-exposure`: find the bucket and its region, record how it is
 * exposed (policy, ACL, public-access block), turn on all four public-access blocks, and verify.
 *
 * Every call carries ExpectedBucketOwner = the target account, so S3 itself refuses to read or
 * change a bucket of the same name that belongs to anyone else. The blocks stop the exposure at
 * once without touching the policy or the ACL, which is why the rollback is exact: it puts back
 * the block configuration that was there (or removes the one this run added).
 */
import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetPublicAccessBlockCommand,
  type Grant,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import type { AwsSession } from '../../aws/session.js';
import { AwsCallError } from '../../core/errors.js';
import type {
  ActionOperation,
  AwsRequest,
  CheckOperation,
  Operation,
  Rollback,
  StepContext,
  VerifyOperation,
} from '../types.js';

export const BLOCK_FIELDS = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;
export type BlockConfig = Record<(typeof BLOCK_FIELDS)[number], boolean>;

const ALL_BLOCKED: BlockConfig = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};
const EVERYONE_GROUPS: Record<string, string> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'everyone',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'any AWS account',
};

/** GetBucketLocation's answer as a region: us-east-1 answers with no constraint, and old EU buckets with "EU". */
export function regionFromLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** A stored block configuration with every field present (a missing field is off). */
export function blockConfig(config: PublicAccessBlockConfiguration | null | undefined): BlockConfig | null {
  if (!config) return null;
  return Object.fromEntries(BLOCK_FIELDS.map((f) => [f, config[f] === true])) as BlockConfig;
}

export function allBlocked(config: BlockConfig | null): boolean {
  return Boolean(config && BLOCK_FIELDS.every((f) => config[f]));
}

/** ACL grants to everyone or to any authenticated AWS account, as "everyone: READ". Pure. */
export function publicAclGrants(grants: readonly Grant[] | undefined): string[] {
  return (grants ?? []).flatMap((g) => {
    const who = g.Grantee?.URI ? EVERYONE_GROUPS[g.Grantee.URI] : undefined;
    return who ? [`${who}: ${g.Permission ?? '?'}`] : [];
  });
}

/** Allow statements of a bucket policy whose principal is anyone ("*"), as "Sid/index: actions [conditional]". Pure. */
export function policyOpenStatements(policy: string | null): string[] {
  if (!policy) return [];
  let statements: unknown;
  try {
    statements = (JSON.parse(policy) as { Statement?: unknown }).Statement;
  } catch {
    return ['(the policy is not valid JSON)'];
  }
  const list = (Array.isArray(statements) ? statements : [statements]) as {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    Action?: unknown;
    Condition?: unknown;
  }[];
  const anyone = (p: unknown) =>
    p === '*' || (typeof p === 'object' && p !== null && [(p as { AWS?: unknown }).AWS].flat().includes('*'));
  return list.flatMap((s, i) =>
    s?.Effect === 'Allow' && anyone(s.Principal)
      ? [`${s.Sid ?? `statement ${i + 1}`}: ${[s.Action].flat().join(', ')}${s.Condition ? ' (with conditions)' : ''}`]
      : [],
  );
}

function isCode(err: unknown, code: RegExp): boolean {
  return err instanceof AwsCallError && code.test(err.code);
}

async function orNull<T>(read: Promise<T>, absent: RegExp): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isCode(err, absent)) return null;
    throw err;
  }
}

function bucketOf(ctx: StepContext): { Bucket: string; ExpectedBucketOwner: string } {
  return { Bucket: ctx.params.bucket!, ExpectedBucketOwner: ctx.where.account };
}

async function currentBlock(
  session: AwsSession,
  bucket: { Bucket: string; ExpectedBucketOwner: string },
): Promise<BlockConfig | null> {
  const out = await orNull(
    session.send('s3', new GetPublicAccessBlockCommand(bucket)),
    /^NoSuchPublicAccessBlockConfiguration$/,
  );
  return blockConfig(out?.PublicAccessBlockConfiguration);
}

const findBucket: CheckOperation = {
  kind: 'check',
  reads: ['s3:GetBucketLocation'],
  async run(ctx) {
    const bucket = bucketOf(ctx);
    const account = ctx.where.account;
    try {
      const out = await ctx.session.send('s3', new GetBucketLocationCommand(bucket));
      const region = regionFromLocation(out.LocationConstraint);
      return {
        ok: true,
        summary: `bucket ${bucket.Bucket} is in ${region}`,
        detail: { bucket: bucket.Bucket, region, account },
        outputs: { 'bucket-region': region },
      };
    } catch (err) {
      if (isCode(err, /^NoSuchBucket$/)) {
        return {
          ok: false,
          summary: `no bucket ${bucket.Bucket}`,
          refusal: {
            message: `there is no S3 bucket named ${bucket.Bucket}`,
            nextStep: `Check the bucket name (\`aws s3api list-buckets\` in account ${account}); nothing was changed.`,
          },
        };
      }
      if (isCode(err, /^(AccessDenied|Forbidden)$/)) {
        return {
          ok: false,
          summary: `bucket ${bucket.Bucket} is not readable as a bucket of ${account}`,
          refusal: {
            message: `S3 refused to locate bucket ${bucket.Bucket} for account ${account}: the bucket belongs to another account, or ${ctx.where.role} may not call s3:GetBucketLocation`,
            nextStep: `Check which account owns the bucket and pass it with --account (or another --access-role); nothing was changed.`,
          },
        };
      }
      throw err;
    }
  },
};

const captureExposure: CheckOperation = {
  kind: 'check',
  reads: ['s3:GetBucketPolicy', 's3:GetBucketPolicyStatus', 's3:GetBucketAcl', 's3:GetPublicAccessBlock'],
  async run(ctx) {
    const bucket = bucketOf(ctx);
    const policy =
      (await orNull(ctx.session.send('s3', new GetBucketPolicyCommand(bucket)), /^NoSuchBucketPolicy$/))?.Policy ??
      null;
    // Some S3-compatible endpoints do not answer this call; the exposure is still judged from the policy itself.
    let isPublic: boolean | 'unknown' = 'unknown';
    if (policy) {
      try {
        const status = (await ctx.session.send('s3', new GetBucketPolicyStatusCommand(bucket))).PolicyStatus?.IsPublic;
        if (typeof status === 'boolean') isPublic = status;
      } catch (err) {
        if (!(err instanceof AwsCallError)) throw err;
      }
    } else isPublic = false;
    const acl = await ctx.session.send('s3', new GetBucketAclCommand(bucket));
    const block = await currentBlock(ctx.session, bucket);
    const openStatements = policyOpenStatements(policy);
    const aclGrants = publicAclGrants(acl.Grants);
    const blockText = block ? BLOCK_FIELDS.filter((f) => block[f]).join(', ') || 'all four off' : 'none';
    return {
      ok: true,
      summary:
        `policy: ${policy ? `${openStatements.length ? `allows anyone (${openStatements.join('; ')})` : 'names no anonymous principal'}, S3 says public: ${isPublic}` : 'none'}; ` +
        `ACL grants: ${aclGrants.join(', ') || 'none to everyone'}; public-access block: ${blockText}`,
      detail: {
        policy,
        policyIsPublic: isPublic,
        openStatements,
        acl: { owner: acl.Owner ?? null, grants: acl.Grants ?? [] },
        publicAclGrants: aclGrants,
        publicAccessBlock: block,
      },
    };
  },
};

export interface BlockPrior {
  bucket: string;
  account: string;
  /** The bucket's own public-access block before the run, or null when it had none. */
  block: BlockConfig | null;
}

/** Pure: turn on all four blocks unless they already are. */
export function planBlock(prior: BlockPrior): AwsRequest[] {
  if (allBlocked(prior.block)) return [];
  return [
    {
      service: 's3',
      action: 'PutPublicAccessBlock',
      input: {
        Bucket: prior.bucket,
        ExpectedBucketOwner: prior.account,
        PublicAccessBlockConfiguration: { ...ALL_BLOCKED },
      },
    },
  ];
}

/** Pure: put back the captured configuration, or delete the one the run added. */
export function rollbackBlock(prior: BlockPrior): Rollback {
  if (planBlock(prior).length === 0)
    return { none: `all four public-access blocks were already on for ${prior.bucket}` };
  const target = { Bucket: prior.bucket, ExpectedBucketOwner: prior.account };
  if (!prior.block) {
    return {
      requests: [{ service: 's3', action: 'DeletePublicAccessBlock', input: target }],
      does: `removes the public-access block from ${prior.bucket}, which had none`,
    };
  }
  return {
    requests: [
      {
        service: 's3',
        action: 'PutPublicAccessBlock',
        input: { ...target, PublicAccessBlockConfiguration: { ...prior.block } },
      },
    ],
    does: `puts back the public-access block ${prior.bucket} had (${BLOCK_FIELDS.filter((f) => prior.block![f]).join(', ') || 'all four off'})`,
  };
}

const blockPublicAccess: ActionOperation = {
  kind: 'action',
  call: 's3:PutPublicAccessBlock',
  reads: ['s3:GetPublicAccessBlock'],
  rollbackCall: 's3:PutPublicAccessBlock with the captured values, or s3:DeletePublicAccessBlock when there was none',
  async capture(ctx): Promise<BlockPrior> {
    const bucket = bucketOf(ctx);
    return {
      bucket: bucket.Bucket,
      account: bucket.ExpectedBucketOwner,
      block: await currentBlock(ctx.session, bucket),
    };
  },
  plan: (_ctx, prior) => planBlock(prior as BlockPrior),
  rollback: (_ctx, prior) => rollbackBlock(prior as BlockPrior),
  async inEffect(ctx, prior) {
    const p = prior as BlockPrior;
    return allBlocked(await currentBlock(ctx.session, { Bucket: p.bucket, ExpectedBucketOwner: p.account }));
  },
};

const verifyBlocked: VerifyOperation = {
  kind: 'verify',
  reads: ['s3:GetPublicAccessBlock'],
  async probe(ctx) {
    const bucket = bucketOf(ctx);
    const block = await currentBlock(ctx.session, bucket);
    const off = block ? BLOCK_FIELDS.filter((f) => !block[f]) : [...BLOCK_FIELDS];
    return {
      ok: off.length === 0,
      summary:
        off.length === 0
          ? `all four public-access blocks are on for ${bucket.Bucket}`
          : `${bucket.Bucket} still has ${off.join(', ')} off`,
      detail: { publicAccessBlock: block },
    };
  },
};

export const S3_OPERATIONS: Record<string, Operation> = {
  's3.find-bucket': findBucket,
  's3.capture-public-exposure': captureExposure,
  's3.block-public-access': blockPublicAccess,
  's3.verify-public-access-blocked': verifyBlocked,
};
