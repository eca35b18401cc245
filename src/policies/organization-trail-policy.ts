/**
 * The organization trail's ARN and the bucket policy statements CloudTrail needs, as plain data.
 * Free of SDK imports, so the Terraform hand-off generator can use them without loading CloudTrail.
 */
import type { LoadedBlueprint } from '../core/blueprint.js';
import type { PolicyStatement } from './bucket-policy.js';

export function trailArn(loaded: LoadedBlueprint, partition: string, managementAccountId: string | undefined): string {
  return `arn:${partition}:cloudtrail:${loaded.blueprint.region}:${managementAccountId ?? '<management account>'}:trail/${loaded.blueprint.organizationTrail!.name}`;
}

export const CLOUDTRAIL_SIDS = ['AWSCloudTrailAclCheck', 'AWSCloudTrailWrite'];

/** AWS's documented bucket policy for an organization trail, scoped to this trail by aws:SourceArn. */
export function cloudTrailStatements(
  loaded: LoadedBlueprint,
  ids: { partition: string; managementAccountId?: string; organizationId?: string },
): PolicyStatement[] {
  const bucket = loaded.blueprint.organizationTrail!.bucket;
  const arn = trailArn(loaded, ids.partition, ids.managementAccountId);
  const bucketArn = `arn:${ids.partition}:s3:::${bucket}`;
  return [
    {
      Sid: 'AWSCloudTrailAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: bucketArn,
      Condition: { StringEquals: { 'aws:SourceArn': arn } },
    },
    {
      Sid: 'AWSCloudTrailWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: [
        `${bucketArn}/AWSLogs/${ids.managementAccountId ?? '<management account>'}/*`,
        `${bucketArn}/AWSLogs/${ids.organizationId ?? '<organization id>'}/*`,
      ],
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': arn } },
    },
  ];
}
