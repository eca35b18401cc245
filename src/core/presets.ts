/**
 * Blueprints drawn from common practice, as typed data and as commented YAML an operator can
 * edit. Presets carry every default explicitly, so `presetYaml(name)` loads back to exactly
 * `preset(name)`.
 *
 * Emails, bucket names and the repository are placeholders: S3 bucket names are global and AWS
 * needs a real mailbox per account, so the YAML header says to change them before applying.
 */
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import { schemaComment } from './schema-url.js';
import type { Blueprint } from './blueprint.js';
import { UsageError } from './errors.js';

export const PRESET_NAMES = ['standard', 'three-accounts', 'regulated'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const email = (name: string) => `aws+${name}@example.com`;

/**
 * The tag that marks an account production (src/inventory/production.ts, default rules), so
 * `awsorg assume` asks before opening it and the console marks it PROD from the first day, in
 * whichever OU it sits.
 */
const PRODUCTION_TAGS = (): Record<string, string> => ({ environment: 'production' });

/** Destructive IAM actions that should need a person who signed in with MFA. */
const MFA_IAM_ACTIONS = [
  'iam:DeleteRole',
  'iam:DeletePolicy',
  'iam:AttachRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteUser',
];

/** A deploy role trusted only by one repository's main branch (a fresh copy per preset). */
const exampleCiOidc = (): NonNullable<Blueprint['ciOidc']> => ({
  provider: 'github',
  repository: 'example/infrastructure',
  ref: 'refs/heads/main',
  roleName: 'github-deploy',
  policyArns: [],
  account: 'management',
});

const terraform: Blueprint['terraform'] = {
  dir: './bootstrap',
  key: 'bootstrap/terraform.tfstate',
  tool: 'auto',
  handoff: true,
};

const standard: Blueprint = {
  version: 1,
  region: 'us-east-1',
  organization: {
    trustedServices: ['cloudtrail.amazonaws.com', 'config.amazonaws.com', 'sso.amazonaws.com'],
    policyTypes: ['SERVICE_CONTROL_POLICY', 'TAG_POLICY'],
  },
  organizationalUnits: ['Security', 'Infrastructure', 'Workloads', 'Sandbox'],
  accounts: [
    { name: 'log-archive', email: email('log-archive'), ou: 'Security' },
    { name: 'audit', email: email('audit'), ou: 'Security' },
    { name: 'shared-services', email: email('shared-services'), ou: 'Infrastructure' },
    { name: 'development', email: email('development'), ou: 'Workloads' },
    { name: 'staging', email: email('staging'), ou: 'Workloads' },
    { name: 'production', email: email('production'), ou: 'Workloads', tags: PRODUCTION_TAGS() },
  ],
  guardrails: {
    denyRegions: { allow: ['us-east-1', 'us-west-2'], targets: ['Workloads', 'Sandbox'] },
    denyRoot: { targets: ['Workloads', 'Sandbox'] },
    requireMfa: { actions: MFA_IAM_ACTIONS, targets: ['Workloads'] },
    denyLeaveOrganization: { targets: ['Root'] },
  },
  stateBackend: {
    account: 'management',
    bucket: 'example-tfstate-change-me',
    lock: 'dynamodb',
    table: 'example-tf-locks',
    encryption: 'aws:kms',
    enforceTls: true,
    noncurrentVersionDays: 90,
  },
  ciOidc: exampleCiOidc(),
  organizationTrail: { name: 'org-trail', bucket: 'example-org-trail-change-me', account: 'log-archive' },
  terraform,
};

/** The smallest useful split: DNS apart from the workload, the management account kept empty. */
const threeAccounts: Blueprint = {
  version: 1,
  region: 'us-east-1',
  organization: {
    trustedServices: ['cloudtrail.amazonaws.com'],
    policyTypes: ['SERVICE_CONTROL_POLICY'],
  },
  organizationalUnits: ['Infrastructure', 'Workloads'],
  accounts: [
    { name: 'dns', email: email('dns'), ou: 'Infrastructure' },
    { name: 'website-production', email: email('website-production'), ou: 'Workloads', tags: PRODUCTION_TAGS() },
  ],
  guardrails: {
    denyRoot: { targets: ['Infrastructure', 'Workloads'] },
    denyLeaveOrganization: { targets: ['Root'] },
  },
  stateBackend: {
    account: 'management',
    bucket: 'example-tfstate-change-me',
    lock: 'lockfile',
    encryption: 'aws:kms',
    enforceTls: true,
    noncurrentVersionDays: 90,
  },
  ciOidc: exampleCiOidc(),
  organizationTrail: { name: 'org-trail', bucket: 'example-org-trail-change-me', account: 'management' },
  terraform,
};

/**
 * For workloads bound to GovCloud: the organization lives in the aws-us-gov partition, so the
 * Region lock allows the two GovCloud Regions (an SCP there cannot allow commercial Regions).
 */
const regulated: Blueprint = {
  version: 1,
  region: 'us-gov-west-1',
  organization: {
    trustedServices: ['cloudtrail.amazonaws.com', 'config.amazonaws.com', 'sso.amazonaws.com'],
    policyTypes: ['SERVICE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY'],
  },
  organizationalUnits: ['Security', 'Infrastructure', 'Workloads', 'Workloads/Production', 'Workloads/NonProduction'],
  accounts: [
    { name: 'log-archive', email: email('log-archive'), ou: 'Security' },
    { name: 'audit', email: email('audit'), ou: 'Security' },
    { name: 'shared-services', email: email('shared-services'), ou: 'Infrastructure' },
    { name: 'production', email: email('production'), ou: 'Workloads/Production', tags: PRODUCTION_TAGS() },
    { name: 'development', email: email('development'), ou: 'Workloads/NonProduction' },
  ],
  guardrails: {
    denyRegions: { allow: ['us-gov-west-1', 'us-gov-east-1'], targets: ['Root'] },
    denyRoot: { targets: ['Root'] },
    requireMfa: { actions: MFA_IAM_ACTIONS, targets: ['Workloads', 'Security'] },
    denyLeaveOrganization: { targets: ['Root'] },
  },
  stateBackend: {
    account: 'management',
    bucket: 'example-regulated-tfstate-change-me',
    lock: 'both',
    table: 'example-tf-locks',
    encryption: 'aws:kms',
    enforceTls: true,
    noncurrentVersionDays: 365,
  },
  ciOidc: {
    provider: 'github',
    repository: 'example/infrastructure',
    // A GitHub environment can require reviewers before a job gets the deploy role.
    environment: 'production',
    roleName: 'github-deploy',
    policyArns: [],
    account: 'management',
  },
  organizationTrail: { name: 'org-trail', bucket: 'example-regulated-org-trail-change-me', account: 'log-archive' },
  terraform,
};

const PRESETS: Record<PresetName, Blueprint> = { standard, 'three-accounts': threeAccounts, regulated };

const SUMMARIES: Record<PresetName, string> = {
  standard:
    'Security OU (log-archive, audit), Infrastructure OU (shared-services), Workloads OU (development, staging, production), Sandbox OU.',
  'three-accounts': 'The management account plus dns and website-production.',
  regulated:
    'A GovCloud organization with every guardrail, a Region lock on the GovCloud Regions and state locked twice.',
};

/** Comments placed above each top-level field in the YAML. */
const FIELD_COMMENTS: Record<string, string> = {
  organization: ' Service access and policy types awsorg turns on in AWS Organizations.',
  organizationalUnits:
    ' OU paths from the root; a nested path such as Workloads/Production needs its parent listed too.',
  accounts:
    ' Each email must be a real mailbox that no other AWS account uses. The tag environment: production\n makes awsorg assume ask before opening an account and the console mark it PROD.',
  guardrails: ' Service control policies awsorg owns (named awsorg-*). Targets: Root, an OU path or an account name.',
  stateBackend: ' Remote state for Terraform/OpenTofu. Bucket names are global: change this one.',
  ciOidc: ' OIDC deploy role for CI, trusted only for this repository and branch (or environment).',
  organizationTrail: ' One CloudTrail trail for every account, logging into a bucket in the named account.',
  terraform:
    ' The Terraform/OpenTofu directory. With handoff: true awsorg writes code for everything it built there,\n imports it, and moves that state into the state bucket, so CI manages the organization from then on.',
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** A fresh copy of the preset, safe to modify. */
export function preset(name: string): Blueprint {
  if (!isPresetName(name)) {
    throw new UsageError(`Unknown preset '${name}'.`, `Use one of: ${PRESET_NAMES.join(', ')}.`);
  }
  return structuredClone(PRESETS[name]);
}

export function presetSummary(name: PresetName): string {
  return SUMMARIES[name];
}

/** The preset as a commented YAML document that loads back to exactly `preset(name)`. */
export function presetYaml(name: string): string {
  return blueprintYaml(preset(name), [
    ` awsorg blueprint: the ${name} preset.`,
    ` ${SUMMARIES[name as PresetName]}`,
    '',
    ' Before applying, replace the example emails, bucket names and repository with your own.',
    ' Then review the plan and apply it from the management account:',
    '   awsorg bootstrap --config awsorg.yaml --plan',
    '   awsorg bootstrap --config awsorg.yaml',
  ]);
}

/** A blueprint as commented YAML (`header` lines first), in the layout of the documentation. */
export function blueprintYaml(blueprint: Blueprint, header: string[]): string {
  const document = new Document(blueprint);
  // The first line lets YAML-language-server editors (VS Code) check and complete the file.
  document.commentBefore = [schemaComment(), ...header].join('\n');
  if (isMap(document.contents)) {
    for (const pair of document.contents.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const comment = FIELD_COMMENTS[key];
      if (comment !== undefined && isScalar(pair.key)) {
        pair.key.commentBefore = comment;
        pair.key.spaceBefore = true;
      }
    }
  }
  // Short lists and account entries read best on one line each, as in the documentation.
  visit(document, {
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
    Map(_, map, path) {
      const parent = path[path.length - 1];
      if (isSeq(parent)) map.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: true });
}
