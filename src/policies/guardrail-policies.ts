/**
 * The service control policies awsorg owns, generated from the blueprint's `guardrails`.
 *
 * Pure: the guardrails step diffs these documents against the content AWS has stored, so the
 * output must be byte-for-byte stable for the same blueprint. Lists the order of which carries no
 * meaning (Regions, actions) are sorted and de-duplicated, so reordering the YAML is not a change.
 */
import type { Blueprint, LoadedBlueprint } from '../core/blueprint.js';
import { partitionOf } from '../core/regions.js';
import { POLICY_VERSION, customPolicyName, denyRegionsDocument, requireMfaDocument } from '../core/scp-limits.js';

export {
  FULL_AWS_ACCESS,
  GLOBAL_SERVICE_ACTIONS,
  GUARDRAIL_NAME_PREFIX,
  SCP_MAX_CHARS,
  SCP_MAX_PER_TARGET,
  customPolicyName,
  denyRegionsDocument,
  minifyPolicy,
  requireMfaDocument,
} from '../core/scp-limits.js';

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
