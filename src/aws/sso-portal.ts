/**
 * IAM Identity Center portal API (sso:GetRoleCredentials, ListAccounts, ListAccountRoles)
 * with the cached SSO token. OWNED BY THE SSO WORK: replace this file's body.
 */
import type { CachedCredentials } from '../core/credential-cache.js';
import type { Deps } from '../core/deps.js';
import type { ProfileSso } from './aws-config-file.js';

export async function ssoRoleCredentials(deps: Deps, sso: ProfileSso, accountId: string, roleName: string): Promise<CachedCredentials> {
  void deps;
  throw new Error(`Identity Center role credentials are not wired up yet (${sso.startUrl} ${accountId} ${roleName})`);
}
