/** Pieces several built-in runbooks share. */
import type { ParamSpec, RunsAs } from '../types.js';

/** The operator's own sign-in in the management account (Organizations and the org-wide reads live there). */
export const AS_MANAGEMENT: RunsAs = { account: '{{management}}', role: 'signed-in', region: 'us-east-1' };

/** `--access-role`: the role a runbook acts through in the account it works on. */
export function accessRoleParam(inWhat: string): ParamSpec {
  return {
    name: 'access-role',
    kind: 'role-name',
    required: false,
    default: 'OrganizationAccountAccessRole',
    description: `the role to act through in ${inWhat}; "signed-in" uses your own sign-in, which must then be in that account (the management account has no OrganizationAccountAccessRole)`,
  };
}
