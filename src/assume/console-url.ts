/**
 * An AWS console sign-in URL for a role session, through the federation endpoint
 * (getSigninToken, then Action=login). The session's keys go to the endpoint over HTTPS and
 * never into the URL; the URL carries only a short-lived sign-in token.
 */
import type { Deps } from '../aws/deps.js';
import { AwsorgError, CredentialsError, UsageError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import { signinUrlProblem } from '../core/settings-schema.js';
import type { RoleSession } from './types.js';

const PARTITION_HOSTS: Record<string, { signin: string; console: string }> = {
  aws: { signin: 'https://signin.aws.amazon.com/federation', console: 'https://console.aws.amazon.com/' },
  'aws-us-gov': {
    signin: 'https://signin.amazonaws-us-gov.com/federation',
    console: 'https://console.amazonaws-us-gov.com/',
  },
  'aws-cn': { signin: 'https://signin.amazonaws.cn/federation', console: 'https://console.amazonaws.cn/' },
};

export function partitionOfRegion(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/**
 * Where the session goes to be exchanged for a sign-in token: the partition's AWS endpoint, or
 * the `federationUrl` setting (checked on read to be https on an AWS sign-in host). The one
 * way to send it anywhere else, such as a local fake in tests, is the environment variable
 * AWSORG_FEDERATION_URL, set explicitly for the command; awsorg then says so on stderr.
 */
export function federationEndpoint(deps: Deps, settings: Settings, region: string): string {
  const override = deps.env.AWSORG_FEDERATION_URL;
  if (override) {
    let protocol: string;
    try {
      protocol = new URL(override).protocol;
    } catch {
      throw new UsageError(
        `AWSORG_FEDERATION_URL "${override}" is not a URL`,
        'Unset AWSORG_FEDERATION_URL to use the AWS sign-in endpoint.',
      );
    }
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new UsageError(
        `AWSORG_FEDERATION_URL "${override}" is not an http(s) URL`,
        'Unset AWSORG_FEDERATION_URL to use the AWS sign-in endpoint.',
      );
    }
    const problem = signinUrlProblem(override);
    if (problem)
      deps.stderr.write(
        `awsorg: sending the session to ${override} (AWSORG_FEDERATION_URL ${problem}); unset it to use the AWS sign-in endpoint\n`,
      );
    return override;
  }
  return settings.federationUrl || PARTITION_HOSTS[partitionOfRegion(region)]!.signin;
}

/**
 * `exportsInstead` is how to get the exports instead, in the words of the caller: the
 * `--export` flag for `assume --console`, a key inside the console.
 */
export async function consoleSignInUrl(
  deps: Deps,
  session: RoleSession,
  settings: Settings,
  exportsInstead = 'print the exports with --export instead',
): Promise<string> {
  const endpoint = federationEndpoint(deps, settings, session.region);
  const hosts = PARTITION_HOSTS[partitionOfRegion(session.region)]!;
  const sessionJson = JSON.stringify({
    sessionId: session.credentials.accessKeyId,
    sessionKey: session.credentials.secretAccessKey,
    sessionToken: session.credentials.sessionToken,
  });
  let response: Response;
  try {
    // POST keeps the credentials out of URLs (and so out of proxy and server logs).
    response = await deps.fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'getSigninToken', Session: sessionJson }).toString(),
      signal: AbortSignal.any([deps.signal, AbortSignal.timeout(15_000)]),
    });
  } catch (err) {
    throw new AwsorgError(
      `could not reach the federation endpoint ${endpoint}: ${(err as Error).message}`,
      `Check your network or proxy, or ${exportsInstead}.`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new CredentialsError(
      `the federation endpoint ${endpoint} refused the session (HTTP ${response.status})`,
      'Console sign-in needs role credentials (not an IAM user or root session); try again with --refresh for a new session.',
    );
  }
  let token: string | undefined;
  try {
    token = (JSON.parse(text) as { SigninToken?: string }).SigninToken;
  } catch {
    token = undefined;
  }
  if (!token) throw new AwsorgError(`the federation endpoint ${endpoint} returned no SigninToken`);
  const destination = `${hosts.console}?region=${encodeURIComponent(session.region)}`;
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    Action: 'login',
    Issuer: 'awsorg',
    Destination: destination,
    SigninToken: token,
  }).toString();
  return url.toString();
}
