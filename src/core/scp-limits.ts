/**
 * SCP limits, names and the documents whose size grows with the blueprint's lists. Both the
 * blueprint validation (sizes after minification) and the guardrails step (the documents it
 * applies) use them, so they live in core; src/steps/guardrail-policies.ts re-exports them.
 */

/** SCP content limit once minified (it was 5,120 until 2026). */
export const SCP_MAX_CHARS = 10_240;
/** SCPs attached to one root, OU or account, `FullAWSAccess` included (it was 5). */
export const SCP_MAX_PER_TARGET = 10;
/** awsorg leaves `FullAWSAccess` attached: guardrails deny, they never replace the allow. */
export const FULL_AWS_ACCESS = 'FullAWSAccess';

/** Every awsorg-owned SCP name starts with this, so the step never touches anyone else's. */
export const GUARDRAIL_NAME_PREFIX = 'awsorg-';

export const POLICY_VERSION = '2012-10-17';

/**
 * Actions the Region lock never denies. Global services answer from one Region (mostly
 * us-east-1) whatever Region the caller works in, so denying them outside the allow list would
 * break IAM, billing and DNS everywhere. Based on AWS's example SCP "Deny access to AWS based on
 * the requested AWS Region" (AWS Organizations User Guide), plus Identity Center and account
 * services. `wafv2` is regional (only its CLOUDFRONT scope lives in us-east-1), so it stays
 * locked. `acm` and `kms` are exempt, as in AWS's example, because CloudFront needs certificates
 * and keys in us-east-1 even when that Region is not allowed.
 */
export const GLOBAL_SERVICE_ACTIONS: readonly string[] = [
  'a4b:*',
  'account:*',
  'acm:*',
  'artifact:*',
  'aws-marketplace-management:*',
  'aws-marketplace:*',
  'aws-portal:*',
  'billing:*',
  'budgets:*',
  'ce:*',
  'chime:*',
  'cloudfront:*',
  'config:*',
  'cur:*',
  'directconnect:*',
  'ec2:DescribeRegions',
  'ec2:DescribeTransitGateways',
  'ec2:DescribeVpnGateways',
  'fms:*',
  'globalaccelerator:*',
  'health:*',
  'iam:*',
  'identitystore:*',
  'importexport:*',
  'iq:*',
  'kms:*',
  'mobileanalytics:*',
  'networkmanager:*',
  'organizations:*',
  'pricing:*',
  'route53-recovery-cluster:*',
  'route53-recovery-control-config:*',
  'route53-recovery-readiness:*',
  'route53:*',
  'route53domains:*',
  's3:GetAccountPublicAccessBlock',
  's3:GetBucketLocation',
  's3:ListAllMyBuckets',
  's3:ListMultiRegionAccessPoints',
  's3:PutAccountPublicAccessBlock',
  'shield:*',
  'sso:*',
  'sts:*',
  'support:*',
  'trustedadvisor:*',
  'waf-regional:*',
  'waf:*',
  'wellarchitected:*',
];

export function customPolicyName(name: string): string {
  return `${GUARDRAIL_NAME_PREFIX}custom-${name}`;
}

/** The policy text as AWS counts it against the size limit: JSON with no whitespace. */
export function minifyPolicy(doc: unknown): string {
  return JSON.stringify(doc);
}

export function denyRegionsDocument(allow: readonly string[]): Record<string, unknown> {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AwsorgDenyUnapprovedRegions',
        Effect: 'Deny',
        NotAction: [...GLOBAL_SERVICE_ACTIONS],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': sortedUnique(allow) } },
      },
    ],
  };
}

/**
 * BoolIfExists also matches sessions that carry no MFA key at all (access keys, most assumed
 * roles), which is the point: only a person who signed in with MFA may run these actions.
 */
export function requireMfaDocument(actions: readonly string[]): Record<string, unknown> {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AwsorgDenyWithoutMfa',
        Effect: 'Deny',
        Action: sortedUnique(actions),
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  };
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
