/**
 * The service control policies awsorg owns, generated from the blueprint's `guardrails`.
 *
 * Pure: the guardrails step diffs these documents against the content AWS has stored, so the
 * output must be byte-for-byte stable for the same blueprint. Lists the order of which carries no
 * meaning (Regions, actions) are sorted and de-duplicated, so reordering the YAML is not a change.
 */
import type { Blueprint, LoadedBlueprint } from '../core/blueprint.js';
import { partitionOf } from '../core/regions.js';

/** SCP content limit once minified (it was 5,120 until 2026). */
export const SCP_MAX_CHARS = 10_240;
/** SCPs attached to one root, OU or account, `FullAWSAccess` included (it was 5). */
export const SCP_MAX_PER_TARGET = 10;
/** awsorg leaves `FullAWSAccess` attached: guardrails deny, they never replace the allow. */
export const FULL_AWS_ACCESS = 'FullAWSAccess';

/** Every awsorg-owned SCP name starts with this, so the step never touches anyone else's. */
export const GUARDRAIL_NAME_PREFIX = 'awsorg-';

export type BuiltInGuardrail = 'denyRegions' | 'denyRoot' | 'requireMfa' | 'denyLeaveOrganization';

export interface GuardrailPolicy {
  /** `denyRegions`, `denyRoot`, `requireMfa`, `denyLeaveOrganization` or `custom:<name>`. */
  guardrail: BuiltInGuardrail | `custom:${string}`;
  /** SCP name in AWS, e.g. `awsorg-deny-regions` or `awsorg-custom-deny-public-s3`. */
  name: string;
  description: string;
  document: Record<string, unknown>;
  /** `Root`, OU paths or blueprint account names, de-duplicated, in blueprint order. */
  targets: string[];
}

const POLICY_VERSION = '2012-10-17';

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

/** The SCPs awsorg owns for this blueprint, in a fixed order: built-ins first, then custom. */
export function guardrailPolicies(loaded: LoadedBlueprint): GuardrailPolicy[] {
  const { blueprint } = loaded;
  const guardrails = blueprint.guardrails ?? {};
  const policies: GuardrailPolicy[] = [];

  if (guardrails.denyRegions) {
    policies.push({
      guardrail: 'denyRegions',
      name: 'awsorg-deny-regions',
      description:
        'Managed by awsorg (guardrails.denyRegions): denies actions outside the allowed Regions; global services are exempt.',
      document: denyRegionsDocument(guardrails.denyRegions.allow),
      targets: unique(guardrails.denyRegions.targets),
    });
  }
  if (guardrails.denyRoot) {
    policies.push({
      guardrail: 'denyRoot',
      name: 'awsorg-deny-root',
      description: 'Managed by awsorg (guardrails.denyRoot): denies every action to the root user of member accounts.',
      document: denyRootDocument(blueprint),
      targets: unique(guardrails.denyRoot.targets),
    });
  }
  if (guardrails.requireMfa) {
    policies.push({
      guardrail: 'requireMfa',
      name: 'awsorg-require-mfa',
      description: 'Managed by awsorg (guardrails.requireMfa): denies the listed actions to sessions without MFA.',
      document: requireMfaDocument(guardrails.requireMfa.actions),
      targets: unique(guardrails.requireMfa.targets),
    });
  }
  if (guardrails.denyLeaveOrganization) {
    policies.push({
      guardrail: 'denyLeaveOrganization',
      name: 'awsorg-deny-leave-organization',
      description:
        'Managed by awsorg (guardrails.denyLeaveOrganization): member accounts cannot leave the organization.',
      document: denyLeaveOrganizationDocument(),
      targets: unique(guardrails.denyLeaveOrganization.targets),
    });
  }
  for (const custom of guardrails.custom ?? []) {
    const document = loaded.customPolicies[custom.name];
    if (!isPlainObject(document)) {
      // Loading and validation guarantee the document; reaching this is a programming error.
      throw new Error(`custom guardrail ${custom.name}: its policy document (${custom.file}) was not loaded`);
    }
    policies.push({
      guardrail: `custom:${custom.name}`,
      name: customPolicyName(custom.name),
      description: `Managed by awsorg (guardrails.custom ${custom.name}, ${custom.file}).`,
      document,
      targets: unique(custom.targets),
    });
  }
  return policies;
}

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

export function denyRootDocument(blueprint: Pick<Blueprint, 'region'>): Record<string, unknown> {
  // The root user's ARN carries the organization's partition (arn:aws-us-gov:... in GovCloud).
  const partition = partitionOf(blueprint.region) ?? 'aws';
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AwsorgDenyRootUser',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { ArnLike: { 'aws:PrincipalArn': `arn:${partition}:iam::*:root` } },
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

export function denyLeaveOrganizationDocument(): Record<string, unknown> {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AwsorgDenyLeaveOrganization',
        Effect: 'Deny',
        Action: 'organizations:LeaveOrganization',
        Resource: '*',
      },
    ],
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function sortedUnique(values: readonly string[]): string[] {
  return unique(values).sort();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
