/**
 * The parts of bucket hardening that are plain data: the TLS-only statement, awsorg's Sid and
 * lifecycle rule id. Free of SDK imports, so the Terraform hand-off generator can use them
 * without loading S3.
 */

export interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

export const LIFECYCLE_RULE_ID = 'awsorg-expire-noncurrent-versions';
export const TLS_SID = 'AwsorgDenyInsecureTransport';

export function tlsDenyStatement(bucket: string, partition = 'aws'): PolicyStatement {
  return {
    Sid: TLS_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
