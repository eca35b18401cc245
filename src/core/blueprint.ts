/**
 * The blueprint: the desired organization, read from `awsorg.yaml` or built by the wizard.
 * Field names are a public contract (see issue 2); add fields, never rename them.
 */

import type { z } from 'zod';
import type {
  BlueprintAccountSchema,
  BlueprintSchema,
  CiOidcSchema,
  GuardrailsSchema,
  OrganizationTrailSchema,
  POLICY_TYPES,
  StateBackendSchema,
  TerraformSettingsSchema,
} from './blueprint-schema.js';

// The types are inferred from the schema (blueprint-schema.ts), the one declaration of the blueprint.
export type PolicyType = (typeof POLICY_TYPES)[number];
export type BlueprintAccount = z.output<typeof BlueprintAccountSchema>;
/** Targets are OU paths, `Root`, or account names from the blueprint. */
export interface GuardrailTargets {
  targets: string[];
}
export type Guardrails = z.output<typeof GuardrailsSchema>;
/** Fields the loader defaults that a blueprint built in code (presets, tests) may leave out. */
type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type StateBackend = Defaulted<z.output<typeof StateBackendSchema>, 'noncurrentVersionDays'>;
export type LockKind = StateBackend['lock'];
export type CiOidc = Defaulted<z.output<typeof CiOidcSchema>, 'policyArns' | 'account'>;
export type OrganizationTrail = z.output<typeof OrganizationTrailSchema>;
export type TerraformSettings = z.output<typeof TerraformSettingsSchema>;
export type Blueprint = Omit<z.output<typeof BlueprintSchema>, 'stateBackend' | 'ciOidc'> & {
  stateBackend?: StateBackend;
  ciOidc?: CiOidc;
};

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
