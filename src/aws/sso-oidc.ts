/**
 * IAM Identity Center sign-in through the OAuth 2.0 device authorization grant (RFC 8628), as
 * `aws sso login` does it: register a public client (cached), start a device authorization,
 * show the operator the verification URL and code, and poll CreateToken at the interval the
 * service asks for. Also the silent renewal of a token with its refresh token.
 */
import {
  CreateTokenCommand,
  RegisterClientCommand,
  StartDeviceAuthorizationCommand,
  type CreateTokenCommandOutput,
} from '@aws-sdk/client-sso-oidc';
import type { Deps } from './deps.js';
import { AwsCallError, AwsorgError, CancelledError, CredentialsError } from '../core/errors.js';
import {
  formatUtc,
  parseCacheTime,
  readRegistration,
  SSO_ACCOUNT_ACCESS_SCOPE,
  SSO_EXPIRY_WINDOW_MS,
  writeRegistration,
  writeSsoToken,
  type SsoClientRegistration,
  type SsoSessionRef,
  type SsoToken,
} from './sso-token-cache.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const REFRESH_TOKEN_GRANT = 'refresh_token';
/** RFC 8628 §3.2: poll every 5 s unless told otherwise, and 5 s slower after each slow_down. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_STEP_S = 5;
const SCOPES = [SSO_ACCOUNT_ACCESS_SCOPE];

export interface DevicePrompt {
  verificationUri: string;
  verificationUriComplete: string;
  userCode: string;
  expiresAt: number;
}

export interface DeviceFlowOptions {
  /** Show the operator where to approve the sign-in. */
  onPrompt(prompt: DevicePrompt): void;
}

/** The full device flow; the token is written to the shared cache and returned. */
export async function deviceFlowSignIn(deps: Deps, sso: SsoSessionRef, opts: DeviceFlowOptions): Promise<SsoToken> {
  const session = deps.aws(sso.region);
  const registration = await clientRegistration(deps, sso);
  const authorization = await call(
    () =>
      session.send(
        'sso-oidc',
        new StartDeviceAuthorizationCommand({
          clientId: registration.clientId,
          clientSecret: registration.clientSecret,
          startUrl: sso.startUrl,
        }),
      ),
    sso,
  );
  if (!authorization.deviceCode || !authorization.userCode) {
    throw new CredentialsError(
      `sso-oidc:StartDeviceAuthorization for ${sso.startUrl} returned no device code`,
      'Run `awsorg login --sso` again.',
    );
  }
  const expiresAt = deps.clock.now() + (authorization.expiresIn ?? 600) * 1000;
  const verificationUri = authorization.verificationUri ?? '';
  opts.onPrompt({
    verificationUri,
    verificationUriComplete: authorization.verificationUriComplete ?? verificationUri,
    userCode: authorization.userCode,
    expiresAt,
  });
  let intervalS = authorization.interval ?? DEFAULT_INTERVAL_S;
  for (;;) {
    await deps.clock.sleep(intervalS * 1000, deps.signal);
    if (deps.signal.aborted)
      throw new CancelledError(
        'IAM Identity Center sign-in was cancelled before it was approved',
        'Run `awsorg login --sso` again when you are ready.',
      );
    let out: CreateTokenCommandOutput;
    try {
      out = await session.send(
        'sso-oidc',
        new CreateTokenCommand({
          grantType: DEVICE_CODE_GRANT,
          clientId: registration.clientId,
          clientSecret: registration.clientSecret,
          deviceCode: authorization.deviceCode,
        }),
      );
    } catch (err) {
      const code = err instanceof AwsCallError ? err.code : undefined;
      if (code === 'AuthorizationPendingException') {
        if (deps.clock.now() > expiresAt + 60_000) throw expiredDeviceCode(sso);
        continue;
      }
      if (code === 'SlowDownException') {
        intervalS += SLOW_DOWN_STEP_S;
        continue;
      }
      if (code === 'ExpiredTokenException') throw expiredDeviceCode(sso);
      if (code === 'AccessDeniedException') {
        throw new CredentialsError(
          `the sign-in to ${sso.startUrl} was denied in the browser`,
          'Run `awsorg login --sso` again and choose Allow, or ask your Identity Center administrator for access.',
          { cause: err },
        );
      }
      throw describe(err, sso);
    }
    const token = tokenFrom(out, sso, registration, deps.clock.now());
    writeSsoToken(deps.env, sso, token);
    return token;
  }
}

/**
 * Renew a token with its refresh token (grant type refresh_token). Returns undefined when the
 * service refuses the refresh (revoked or expired session), so the caller can ask for a sign-in.
 */
export async function refreshSsoToken(deps: Deps, sso: SsoSessionRef, token: SsoToken): Promise<SsoToken | undefined> {
  if (!token.refreshToken || !token.clientId || !token.clientSecret || !token.registrationExpiresAt) return undefined;
  const registration: SsoClientRegistration = {
    clientId: token.clientId,
    clientSecret: token.clientSecret,
    expiresAt: token.registrationExpiresAt,
  };
  let out: CreateTokenCommandOutput;
  try {
    out = await deps.aws(sso.region).send(
      'sso-oidc',
      new CreateTokenCommand({
        grantType: REFRESH_TOKEN_GRANT,
        clientId: token.clientId,
        clientSecret: token.clientSecret,
        refreshToken: token.refreshToken,
      }),
    );
  } catch (err) {
    if (
      err instanceof AwsCallError &&
      /^(InvalidGrant|ExpiredToken|InvalidClient|UnauthorizedClient|AccessDenied|InvalidRequest)/.test(err.code)
    )
      return undefined;
    throw describe(err, sso);
  }
  const renewed = tokenFrom(out, sso, registration, deps.clock.now());
  // Identity Center may not rotate the refresh token; keep the one we have then.
  if (!renewed.refreshToken) renewed.refreshToken = token.refreshToken;
  writeSsoToken(deps.env, sso, renewed);
  return renewed;
}

function tokenFrom(
  out: CreateTokenCommandOutput,
  sso: SsoSessionRef,
  registration: SsoClientRegistration,
  now: number,
): SsoToken {
  if (!out.accessToken)
    throw new CredentialsError(
      `sso-oidc:CreateToken for ${sso.startUrl} returned no access token`,
      'Run `awsorg login --sso` again.',
    );
  return {
    startUrl: sso.startUrl,
    region: sso.region,
    accessToken: out.accessToken,
    expiresAt: formatUtc(now + (out.expiresIn ?? 3600) * 1000),
    receivedAt: formatUtc(now),
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: registration.expiresAt,
    ...(out.refreshToken ? { refreshToken: out.refreshToken } : {}),
  };
}

/** A cached registration (shared with the AWS CLI v2), or a new one. */
async function clientRegistration(deps: Deps, sso: SsoSessionRef): Promise<SsoClientRegistration> {
  const now = deps.clock.now();
  const cached = readRegistration(deps.env, sso, SCOPES);
  if (cached && parseCacheTime(cached.expiresAt) - now > SSO_EXPIRY_WINDOW_MS) return cached;
  const clientName = `awsorg-${sso.sessionName ?? `anonymous-${Math.floor(now / 1000)}`}`;
  const out = await call(
    () =>
      deps
        .aws(sso.region)
        .send('sso-oidc', new RegisterClientCommand({ clientName, clientType: 'public', scopes: SCOPES })),
    sso,
  );
  if (!out.clientId || !out.clientSecret) {
    throw new CredentialsError(
      `sso-oidc:RegisterClient for ${sso.startUrl} returned no client`,
      'Run `awsorg login --sso` again.',
    );
  }
  const registration: SsoClientRegistration = {
    clientId: out.clientId,
    clientSecret: out.clientSecret,
    // clientSecretExpiresAt is in seconds since the epoch; registrations last 90 days.
    expiresAt: formatUtc(out.clientSecretExpiresAt ? out.clientSecretExpiresAt * 1000 : now + 90 * 86_400_000),
    receivedAt: formatUtc(now),
    scopes: SCOPES,
  };
  writeRegistration(deps.env, sso, SCOPES, registration);
  return registration;
}

function expiredDeviceCode(sso: SsoSessionRef): CredentialsError {
  return new CredentialsError(
    `the sign-in code for ${sso.startUrl} expired before it was approved`,
    'Run `awsorg login --sso` again and approve the new code in your browser within its time limit.',
  );
}

async function call<T>(fn: () => Promise<T>, sso: SsoSessionRef): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw describe(err, sso);
  }
}

/** OIDC failures name the start URL and region instead of an account and principal. */
function describe(err: unknown, sso: SsoSessionRef): unknown {
  if (!(err instanceof AwsCallError)) return err;
  const where = `at ${sso.startUrl} (Identity Center region ${sso.region})`;
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new AwsorgError(
      `cannot reach IAM Identity Center ${where}: ${err.code}`,
      'Check --sso-region, AWS_ENDPOINT_URL_SSO_OIDC, proxies and your network.',
      { cause: err },
    );
  }
  if (/^(InvalidRequest|InvalidClient|UnauthorizedClient|InvalidScope|InvalidRequestRegion)/.test(err.code)) {
    return new CredentialsError(
      `IAM Identity Center refused the sign-in ${where}: ${err.code}: ${err.awsMessage}`,
      'Check the start URL and --sso-region (the region where Identity Center is enabled), then run `awsorg login --sso --force`.',
      { cause: err },
    );
  }
  return new AwsorgError(
    `sso-oidc:${err.action} failed ${where}: ${err.code}: ${err.awsMessage}`,
    'Run `awsorg login --sso` again; if it keeps failing, check your network.',
    { cause: err },
  );
}
