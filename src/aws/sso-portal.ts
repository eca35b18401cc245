/**
 * IAM Identity Center's portal API with the cached sign-in token: which accounts and roles the
 * operator may use (sso:ListAccounts, sso:ListAccountRoles) and a role's credentials
 * (sso:GetRoleCredentials). The token comes from the shared cache (`awsorg login --sso` or
 * `aws sso login`); one that is about to expire is renewed with its refresh token when it has
 * one.
 */
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand } from '@aws-sdk/client-sso';
import type { CachedCredentials } from '../core/credential-cache.js';
import type { Deps } from './deps.js';
import { AwsCallError, AwsorgError, CredentialsError, UsageError } from '../core/errors.js';
import type { ProfileSso } from './aws-config-file.js';
import {
  isRefreshable,
  readSsoToken,
  SSO_EXPIRY_WINDOW_MS,
  type SsoSessionRef,
  type SsoToken,
} from './sso-token-cache.js';

/** An unrefreshable token is still used when this much of it is left. */
const LAST_USE_MARGIN_MS = 60_000;

export interface SsoAccount {
  accountId: string;
  accountName: string;
  emailAddress: string;
}

/** Called before each portal request; the inventory passes its rate limiter here. */
export type BeforeCall = () => Promise<void>;

export function signInAgain(sso: SsoSessionRef): string {
  const cli = sso.sessionName ? ` (or \`aws sso login --sso-session ${sso.sessionName}\`)` : '';
  return `Run \`awsorg login --sso\`${cli} to sign in to ${sso.startUrl} again, then rerun this command.`;
}

/** A usable access token for the Identity Center session, renewed if it needs to be and can be. */
export async function ssoAccessToken(deps: Deps, sso: ProfileSso): Promise<SsoToken> {
  const lookup = readSsoToken(deps.env, sso);
  if (lookup.kind === 'absent') {
    throw new CredentialsError(
      `you are not signed in to IAM Identity Center at ${sso.startUrl} (no token in ${lookup.file})`,
      signInAgain(sso),
    );
  }
  if (lookup.kind === 'invalid') {
    throw new CredentialsError(
      `the cached IAM Identity Center token ${lookup.file} cannot be used: ${lookup.reason}`,
      signInAgain(sso),
    );
  }
  const now = deps.clock.now();
  const remaining = lookup.expiresAtMs - now;
  if (remaining > SSO_EXPIRY_WINDOW_MS) return lookup.token;
  if (isRefreshable(lookup.token, now)) {
    const { refreshSsoToken } = await import('./sso-oidc.js');
    const renewed = await refreshSsoToken(deps, sso, lookup.token);
    if (renewed) return renewed;
  }
  if (remaining > LAST_USE_MARGIN_MS) return lookup.token;
  throw new CredentialsError(
    `your IAM Identity Center sign-in to ${sso.startUrl} expired at ${lookup.token.expiresAt}`,
    signInAgain(sso),
  );
}

/** Role credentials for one account (sso:GetRoleCredentials), in the credential cache's shape. */
export async function ssoRoleCredentials(
  deps: Deps,
  sso: ProfileSso,
  accountId: string,
  roleName: string,
): Promise<CachedCredentials> {
  const token = await ssoAccessToken(deps, sso);
  let out;
  try {
    out = await deps
      .aws(sso.region)
      .send('sso', new GetRoleCredentialsCommand({ accessToken: token.accessToken, accountId, roleName }));
  } catch (err) {
    if (err instanceof AwsCallError && /^(Forbidden|ResourceNotFound|AccessDenied|NotFound)/.test(err.code)) {
      const roles = await listSsoAccountRoles(deps, sso, token, accountId).catch(() => undefined);
      throw new UsageError(
        `IAM Identity Center offers you no role "${roleName}" in account ${accountId}`,
        roles?.length
          ? `Choose one of: ${roles.join(', ')} (--role).`
          : roles
            ? 'You have no permission set in this account; ask your Identity Center administrator for one.'
            : 'Check the account id and the role (permission set) name; `awsorg accounts --refresh` lists what you may use.',
        { cause: err },
      );
    }
    throw describePortalFailure(err, sso);
  }
  const c = out.roleCredentials;
  if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) {
    throw new CredentialsError(
      `sso:GetRoleCredentials for ${roleName} in ${accountId} returned no credentials`,
      signInAgain(sso),
    );
  }
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    // The portal gives the expiration in milliseconds since the epoch.
    expiration: new Date(c.expiration).toISOString(),
    accountId,
    role: roleName,
  };
}

/** Every account the operator has a permission set in (sso:ListAccounts, all pages). */
export async function listSsoAccounts(
  deps: Deps,
  sso: SsoSessionRef,
  token: SsoToken,
  beforeCall?: BeforeCall,
): Promise<SsoAccount[]> {
  const accounts: SsoAccount[] = [];
  let nextToken: string | undefined;
  do {
    await beforeCall?.();
    const page = await portalCall(sso, () =>
      deps.aws(sso.region).send(
        'sso',
        new ListAccountsCommand({
          accessToken: token.accessToken,
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    for (const a of page.accountList ?? []) {
      if (a.accountId)
        accounts.push({
          accountId: a.accountId,
          accountName: a.accountName ?? a.accountId,
          emailAddress: a.emailAddress ?? '',
        });
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return accounts;
}

/** The role (permission set) names the operator may use in one account, sorted. */
export async function listSsoAccountRoles(
  deps: Deps,
  sso: SsoSessionRef,
  token: SsoToken,
  accountId: string,
  beforeCall?: BeforeCall,
): Promise<string[]> {
  const roles = new Set<string>();
  let nextToken: string | undefined;
  do {
    await beforeCall?.();
    const page = await portalCall(sso, () =>
      deps.aws(sso.region).send(
        'sso',
        new ListAccountRolesCommand({
          accessToken: token.accessToken,
          accountId,
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    for (const r of page.roleList ?? []) if (r.roleName) roles.add(r.roleName);
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return [...roles].sort();
}

async function portalCall<T>(sso: SsoSessionRef, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw describePortalFailure(err, sso);
  }
}

/** Portal failures name the start URL: they carry no account or principal of their own. */
export function describePortalFailure(err: unknown, sso: SsoSessionRef): unknown {
  if (!(err instanceof AwsCallError)) return err;
  if (
    err.code === 'UnauthorizedException' ||
    err.code === 'ExpiredTokenException' ||
    err.code === 'InvalidRequestException'
  ) {
    return new CredentialsError(
      `IAM Identity Center at ${sso.startUrl} no longer accepts your sign-in (sso:${err.action}: ${err.code}: ${err.awsMessage})`,
      signInAgain(sso).replace('`awsorg login --sso`', '`awsorg login --sso --force`'),
      { cause: err },
    );
  }
  return new SsoPortalError(
    `sso:${err.action} failed at ${sso.startUrl} (Identity Center region ${sso.region}): ${err.code}: ${err.awsMessage}`,
    err.code,
    err.code === 'TooManyRequestsException'
      ? 'Identity Center kept throttling the request; wait a minute and run the command again.'
      : err.code === 'ECONNREFUSED'
        ? 'Nothing answered at the Identity Center endpoint: check the SSO region, AWS_ENDPOINT_URL_SSO, proxies and your network.'
        : err.nextStep,
    err,
  );
}

/** A portal call failed after the session's retries; `code` is the service's error code. */
export class SsoPortalError extends AwsorgError {
  readonly code: string;
  constructor(message: string, code: string, nextStep: string | undefined, cause: unknown) {
    super(message, nextStep, { cause });
    this.code = code;
  }
}
