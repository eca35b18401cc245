import type { Runbook } from '../types.js';
import { accessRoleParam } from './shared.js';

/** S3 calls go to the bucket's own region, which the first step finds. */
const IN_BUCKET_REGION = { account: '{{account}}', role: '{{access-role}}', region: '{{bucket-region}}' } as const;

export const s3PublicExposure: Runbook = {
  id: 's3-public-exposure',
  title: 'Stop the public exposure of an S3 bucket',
  description:
    "Records the bucket's policy, ACL and public-access block, then turns on all four public-access blocks for the bucket. That overrides public ACLs and public policies at once, without editing either, so the exact prior state can be put back.",
  whenToUse: [
    'A bucket holding private data is readable or writable by anyone (Access Analyzer, Macie, Security Hub S3.2/S3.3, or a report from outside).',
    'You need the exposure stopped now, and the policy and ACL fixed properly afterwards.',
  ],
  whenNotToUse: [
    'A bucket that is public on purpose (a static website, a public dataset, downloads): the blocks take it offline. Put CloudFront with origin access control in front of it first.',
    'Access from other accounts through a policy that S3 counts as public (Principal "*" restricted only by a condition S3 does not treat as limiting): RestrictPublicBuckets cuts it off until the policy names those accounts explicitly.',
    'Exposure through presigned URLs or leaked credentials: the blocks do not stop an authorised principal; contain the key or the role instead.',
    'A bucket in an account outside the organization, or owned by another account than --account: every call names the expected owner, so S3 refuses it.',
  ],
  params: [
    {
      name: 'account',
      kind: 'account',
      required: true,
      description: 'the account that owns the bucket (alias, id or name)',
    },
    { name: 'bucket', kind: 'bucket', required: true, description: 'the exposed bucket' },
    accessRoleParam('the account'),
  ],
  steps: [
    {
      id: 'find-bucket',
      kind: 'check',
      title: 'Find the bucket and its region',
      does: "Asks s3:GetBucketLocation for the bucket's region (the later steps run there); refuses an unknown bucket or one the account does not own.",
      operation: 's3.find-bucket',
      runsAs: { account: '{{account}}', role: '{{access-role}}', region: 'us-east-1' },
    },
    {
      id: 'capture-exposure',
      kind: 'check',
      title: 'Capture how the bucket is exposed',
      does: 'Records the bucket policy (and which statements allow anyone), whether S3 calls the policy public, the ACL grants to everyone or to any AWS account, and the public-access block.',
      operation: 's3.capture-public-exposure',
      runsAs: IN_BUCKET_REGION,
    },
    {
      id: 'block-public-access',
      kind: 'action',
      title: 'Turn on all four public-access blocks',
      does: 'Sets BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets on the bucket with s3:PutPublicAccessBlock; the policy and ACL stay as they are, but stop granting public access.',
      operation: 's3.block-public-access',
      runsAs: IN_BUCKET_REGION,
    },
    {
      id: 'verify-blocked',
      kind: 'verify',
      title: 'Verify the blocks are on',
      does: 'Polls the bucket until all four public-access blocks read true.',
      operation: 's3.verify-public-access-blocked',
      runsAs: IN_BUCKET_REGION,
      timeoutSeconds: 60,
    },
  ],
  followUps: [
    'Find out what was read or written while it was public: S3 server access logs, or CloudTrail data events for the bucket if they were on (management events do not record object reads).',
    'Fix the cause: remove the statements that allow Principal "*" and set Object Ownership to BucketOwnerEnforced, which turns ACLs off; a rollback would otherwise expose the bucket again.',
    'Turn on the account-wide block (`aws s3control put-public-access-block --account-id {{account}} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`) and deny s3:PutBucketPublicAccessBlock and s3:PutAccountPublicAccessBlock with an SCP, so the next bucket cannot go public.',
    'If private data was exposed, start the data-breach process: the data owner, legal and any notification duties.',
  ],
};
