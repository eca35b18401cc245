/**
 * The blueprint: the desired organization, read from `awsorg.yaml` or built by the wizard.
 * Field names are a public contract (see issue 2); add fields, never rename them.
 */

export type PolicyType =
  | 'SERVICE_CONTROL_POLICY'
  | 'TAG_POLICY'
  | 'BACKUP_POLICY'
  | 'AISERVICES_OPT_OUT_POLICY'
  | 'RESOURCE_CONTROL_POLICY'
  | 'DECLARATIVE_POLICY_EC2'
  | 'CHATBOT_POLICY';

export interface BlueprintAccount {
  name: string;
  email: string;
  /** OU path from the root, e.g. `Workloads/Production`, or `Root` for the root itself. */
  ou: string;
  /**
   * Tags awsorg sets on the account (and adds when missing or different; tags not named here are
   * left alone). `environment: production` is what marks an account production for `assume`
   * and the console.
   */
  tags?: Record<string, string>;
}

/** Targets are OU paths, `Root`, or account names from the blueprint. */
export interface GuardrailTargets {
  targets: string[];
}

export interface Guardrails {
  denyRegions?: GuardrailTargets & { allow: string[] };
  denyRoot?: GuardrailTargets;
  requireMfa?: GuardrailTargets & { actions: string[] };
  denyLeaveOrganization?: GuardrailTargets;
  custom?: Array<GuardrailTargets & { name: string; file: string }>;
}

export type LockKind = 'dynamodb' | 'lockfile' | 'both';

export interface StateBackend {
  /** `management` or an account name from `accounts`. */
  account: string;
  bucket: string;
  lock: LockKind;
  /** Required when lock is `dynamodb` or `both`. */
  table?: string;
  /** `aws:kms`, `AES256`, or a KMS key ARN. */
  encryption: string;
  enforceTls: boolean;
  /** Days a noncurrent state version is kept before it expires (default 90). */
  noncurrentVersionDays?: number;
}

export interface CiOidc {
  provider: 'github' | 'gitlab';
  /** GitHub `owner/repo`; GitLab project path `group/project`. */
  repository: string;
  /** A full ref such as `refs/heads/main` (exactly one of ref / environment). */
  ref?: string;
  environment?: string;
  roleName: string;
  policyArns?: string[];
  /** Path, relative to the blueprint, of an inline policy JSON document. */
  inlinePolicy?: string;
  /** GitLab only: the instance URL (default https://gitlab.com). */
  url?: string;
  /** Account that holds the provider and role: `management` (default) or an account name. */
  account?: string;
}

export interface OrganizationTrail {
  name: string;
  bucket: string;
  /** `management` or an account name that holds the log bucket. */
  account: string;
}

export interface TerraformSettings {
  dir: string;
  key: string;
  tool: 'auto' | 'terraform' | 'tofu';
  /**
   * Hand the organization to Terraform/OpenTofu: write code for everything the blueprint owns
   * into `dir`, import it, then migrate that state into the bucket. Absent means false (issue 13).
   */
  handoff?: boolean;
}

export interface Blueprint {
  version: 1;
  region: string;
  organization: {
    trustedServices: string[];
    policyTypes: PolicyType[];
  };
  organizationalUnits: string[];
  accounts: BlueprintAccount[];
  guardrails?: Guardrails;
  stateBackend?: StateBackend;
  ciOidc?: CiOidc;
  organizationTrail?: OrganizationTrail;
  terraform?: TerraformSettings;
}

/**
 * A blueprint after loading: custom SCP files and the inline deploy policy are read, and paths
 * are resolved against the blueprint's directory, so steps never touch the file system.
 */
export interface LoadedBlueprint {
  blueprint: Blueprint;
  /** Absolute path of the blueprint file, or undefined for a preset that was never written. */
  file: string | undefined;
  /** Directory that relative paths in the blueprint are resolved against. */
  baseDir: string;
  /** Custom guardrail name -> parsed policy document. */
  customPolicies: Record<string, unknown>;
  /** The parsed inline deploy-role policy, when `ciOidc.inlinePolicy` is set. */
  deployInlinePolicy: unknown | undefined;
}

export const ROOT_TARGET = 'Root';
export const MANAGEMENT_ACCOUNT = 'management';
