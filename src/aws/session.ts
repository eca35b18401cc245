/**
 * The AWS client factory. Every AWS call in awsorg goes through `AwsSession.send`, which
 * - creates SDK clients lazily (a command that needs only STS never loads the others),
 * - honours the standard configuration chain (env keys, AWS_PROFILE, ~/.aws/config, AWS_REGION,
 *   AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>),
 * - retries throttling, ConcurrentModificationException, 5xx and dropped connections with
 *   jittered backoff (the SDK's own retries are turned off so there is one policy, and so the
 *   progress display can show each retry),
 * - turns a final failure into `service:Action failed in account X as ARN: message`.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, CommandIO, MetadataBearer } from '@smithy/types';
import { AwsCallError, CredentialsError } from '../core/errors.js';
import {
  backoffDelay,
  classifyFailure,
  DEFAULT_BACKOFF,
  errorCode,
  type BackoffPolicy,
  type FailureKind,
} from './retry.js';

export type ServiceName =
  | 'organizations'
  | 'sts'
  | 's3'
  | 'dynamodb'
  | 'iam'
  | 'cloudtrail'
  | 'events'
  | 'sso'
  | 'sso-oidc';

/** The env var suffix the SDKs use for a service-specific endpoint (AWS_ENDPOINT_URL_<ID>). */
const ENDPOINT_ENV_ID: Record<ServiceName, string> = {
  organizations: 'ORGANIZATIONS',
  sts: 'STS',
  s3: 'S3',
  dynamodb: 'DYNAMODB',
  iam: 'IAM',
  cloudtrail: 'CLOUDTRAIL',
  events: 'EVENTBRIDGE',
  sso: 'SSO',
  'sso-oidc': 'SSO_OIDC',
};

/**
 * IAM Identity Center's portal and OIDC APIs authenticate with a bearer token (or nothing), not
 * with the session's AWS credentials, so a failure there says nothing about who the caller is.
 */
const BEARER_TOKEN_SERVICES: ReadonlySet<ServiceName> = new Set(['sso', 'sso-oidc']);

/** Organizations and IAM are global services whose control plane lives in us-east-1. */
const GLOBAL_SERVICE_REGION: Partial<Record<ServiceName, string>> = {
  organizations: 'us-east-1',
  iam: 'us-east-1',
};

interface SdkClient {
  send(command: unknown): Promise<unknown>;
  destroy(): void;
}

type ClientConfig = Record<string, unknown>;

// Dynamic imports keep each SDK client out of the module graph until a command really uses it.
const CLIENT_LOADERS: Record<ServiceName, (config: ClientConfig) => Promise<SdkClient>> = {
  organizations: async (c) => new (await import('@aws-sdk/client-organizations')).OrganizationsClient(c),
  sts: async (c) => new (await import('@aws-sdk/client-sts')).STSClient(c),
  s3: async (c) => new (await import('@aws-sdk/client-s3')).S3Client(c),
  dynamodb: async (c) => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(c),
  iam: async (c) => new (await import('@aws-sdk/client-iam')).IAMClient(c),
  cloudtrail: async (c) => new (await import('@aws-sdk/client-cloudtrail')).CloudTrailClient(c),
  events: async (c) => new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient(c),
  sso: async (c) => new (await import('@aws-sdk/client-sso')).SSOClient(c),
  'sso-oidc': async (c) => new (await import('@aws-sdk/client-sso-oidc')).SSOOIDCClient(c),
};

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export type AwsEvent =
  | { type: 'call'; service: ServiceName; action: string; write: boolean; account: string | undefined }
  | {
      type: 'retry';
      service: ServiceName;
      action: string;
      attempt: number;
      delayMs: number;
      code: string;
      kind: FailureKind;
    }
  | { type: 'reconciled'; service: ServiceName; action: string; code: string };

export interface AwsEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  sleep(ms: number): Promise<void>;
  random(): number;
  onEvent?(event: AwsEvent): void;
  backoff?: BackoffPolicy;
}

export interface SendOptions<O> {
  /** Send to this region instead of the session's. */
  region?: string;
  /**
   * For calls that are not idempotent (CreateAccount, CreateOrganizationalUnit, CreatePolicy, ...):
   * after an ambiguous failure, look up whether the first attempt took effect before sending again.
   * Return the existing result to finish, or undefined to send again.
   */
  reconcile?: () => Promise<O | undefined>;
}

const READ_ACTION = /^(Get|List|Describe|Head|Lookup|Select|AssumeRole)/;
export function isWriteAction(action: string): boolean {
  return !READ_ACTION.test(action);
}

export function actionName(command: object): string {
  return command.constructor.name.replace(/Command$/, '');
}

export class AwsSession {
  readonly region: string;
  /** Account and ARN this session acts as, when known without a call (assumed roles). */
  private known: Partial<CallerIdentity>;
  private identityPromise: Promise<CallerIdentity> | undefined;
  private readonly clients = new Map<string, Promise<SdkClient>>();

  constructor(
    private readonly environment: AwsEnvironment,
    opts: { region: string; credentials?: AwsCredentialIdentityProvider; known?: Partial<CallerIdentity> },
  ) {
    this.region = opts.region;
    this.credentials = opts.credentials;
    this.known = opts.known ?? {};
  }

  private readonly credentials: AwsCredentialIdentityProvider | undefined;

  /** Account id and ARN of the caller (one GetCallerIdentity per session). */
  identity(): Promise<CallerIdentity> {
    this.identityPromise ??= (async () => {
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const out = await this.send('sts', new GetCallerIdentityCommand({}));
      const identity = { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
      this.known = identity;
      return identity;
    })();
    this.identityPromise.catch(() => (this.identityPromise = undefined));
    return this.identityPromise;
  }

  /**
   * The session's credentials, for handing to a child process (terraform) through its
   * environment. Never log or persist the result.
   */
  async resolveCredentials(): Promise<AwsCredentialIdentity | undefined> {
    return this.credentials ? this.credentials() : undefined;
  }

  get knownAccount(): string | undefined {
    return this.known.account;
  }

  async client(service: ServiceName, region?: string): Promise<SdkClient> {
    const resolvedRegion = region ?? GLOBAL_SERVICE_REGION[service] ?? this.region;
    const key = `${service}@${resolvedRegion}`;
    let client = this.clients.get(key);
    if (!client) {
      client = (async () => {
        const { NodeHttpHandler } = await import('@smithy/node-http-handler');
        return CLIENT_LOADERS[service](
          this.clientConfig(
            service,
            resolvedRegion,
            new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 60_000 }),
          ),
        );
      })();
      this.clients.set(key, client);
    }
    return client;
  }

  private clientConfig(service: ServiceName, region: string, requestHandler: unknown): ClientConfig {
    const env = this.environment.env;
    const config: ClientConfig = { region, maxAttempts: 1, requestHandler };
    if (this.credentials) config.credentials = this.credentials;
    if (!/^(true|1)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) {
      const endpoint = env[`AWS_ENDPOINT_URL_${ENDPOINT_ENV_ID[service]}`] ?? env.AWS_ENDPOINT_URL;
      if (endpoint) {
        config.endpoint = endpoint;
        // S3-compatible endpoints (emulators, on-premises gateways) rarely resolve
        // bucket.host names, so use path-style addressing whenever an endpoint is configured.
        if (service === 's3') config.forcePathStyle = true;
      }
    }
    return config;
  }

  /** Send one command with retries. The output type comes from the command. */
  async send<I extends object, O extends MetadataBearer>(
    service: ServiceName,
    command: CommandIO<I, O>,
    opts: SendOptions<O> = {},
  ): Promise<O> {
    const action = actionName(command);
    const policy = this.environment.backoff ?? DEFAULT_BACKOFF;
    const client = await this.client(service, opts.region);
    let unreachable = 0;
    for (let attempt = 1; ; attempt++) {
      this.environment.onEvent?.({
        type: 'call',
        service,
        action,
        write: isWriteAction(action),
        account: this.known.account,
      });
      try {
        return (await client.send(command)) as O;
      } catch (err) {
        const kind = classifyFailure(err);
        const code = errorCode(err);
        if (kind === 'unreachable') unreachable++;
        // A streamed request body is consumed by the first attempt and cannot be sent again.
        const resendable = !hasStreamBody(command);
        const retryable = resendable && kind !== 'fatal' && attempt < policy.maxAttempts && unreachable < 4;
        if (!retryable) {
          // Even when no attempt is left, an ambiguous failure may hide a success.
          if (kind === 'ambiguous' && opts.reconcile) {
            const existing = await opts.reconcile();
            if (existing !== undefined) return this.reconciled(service, action, code, existing);
          }
          // Name the account and principal in the error even when nothing asked who we are yet.
          // Not for the bearer-token services: a device-flow poll fails by design every few seconds.
          if (!this.known.account && action !== 'GetCallerIdentity' && !BEARER_TOKEN_SERVICES.has(service))
            await this.identity().catch(() => undefined);
          throw this.describeFailure(service, action, err);
        }
        const delayMs = backoffDelay(attempt, this.environment.random, policy);
        this.environment.onEvent?.({ type: 'retry', service, action, attempt, delayMs, code, kind });
        await this.environment.sleep(delayMs);
        if (kind === 'ambiguous' && opts.reconcile) {
          const existing = await opts.reconcile();
          if (existing !== undefined) return this.reconciled(service, action, code, existing);
        }
      }
    }
  }

  private reconciled<O>(service: ServiceName, action: string, code: string, existing: O): O {
    this.environment.onEvent?.({ type: 'reconciled', service, action, code });
    return existing;
  }

  private describeFailure(service: ServiceName, action: string, err: unknown): Error {
    const code = readableCode(err);
    const message = (err as Error)?.message ?? String(err);
    if ((err as Error)?.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
      return new CredentialsError(
        `No AWS credentials were found for ${service}:${action}: ${message}`,
        'Export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, set AWS_PROFILE to a profile in ~/.aws/config, or run `aws sso login`.',
        { cause: err },
      );
    }
    if (/Region is missing/i.test(message)) {
      return new CredentialsError(
        `${service}:${action} has no region configured`,
        'Set AWS_REGION (or `region` in your AWS profile).',
        { cause: err },
      );
    }
    const hint = nextStepFor(code, service, action, this.known.arn);
    return new AwsCallError({
      service,
      action,
      account: this.known.account,
      principalArn: this.known.arn,
      code,
      message,
      nextStep: hint.nextStep,
      credentials: hint.credentials,
      cause: err,
    });
  }

  /**
   * A session acting as `roleArn`. The role is assumed on first use and again shortly before the
   * credentials expire, so long runs do not fail half-way.
   */
  assumeRole(
    roleArn: string,
    sessionName: string,
    opts: { region?: string; retryAccessDeniedForMs?: number; sourceIdentity?: string } = {},
  ): AwsSession {
    const account = roleArn.split(':')[4];
    let cached: AwsCredentialIdentity | undefined;
    const provider: AwsCredentialIdentityProvider = async () => {
      const expiresSoon = cached?.expiration && cached.expiration.getTime() - Date.now() < 5 * 60_000;
      if (!cached || expiresSoon)
        cached = await this.assumeRoleOnce(roleArn, sessionName, opts.retryAccessDeniedForMs ?? 0, opts.sourceIdentity);
      return cached;
    };
    return new AwsSession(this.environment, {
      region: opts.region ?? this.region,
      credentials: provider,
      known: { account, arn: roleArn },
    });
  }

  private async assumeRoleOnce(
    roleArn: string,
    sessionName: string,
    retryAccessDeniedForMs: number,
    sourceIdentity?: string,
  ): Promise<AwsCredentialIdentity> {
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    // A freshly created account's OrganizationAccountAccessRole takes a while to become
    // assumable; AccessDenied during that window is expected, so retry it for a bounded time.
    let waited = 0;
    let source = sourceIdentity;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.send(
          'sts',
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            ...(source ? { SourceIdentity: source } : {}),
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new CredentialsError(`sts:AssumeRole into ${roleArn} returned no credentials`);
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        };
      } catch (err) {
        // A trust policy without sts:SetSourceIdentity refuses the tag; the session name still names who acted.
        if (
          source &&
          err instanceof AwsCallError &&
          /AccessDenied/.test(err.code) &&
          /SetSourceIdentity/i.test(err.awsMessage)
        ) {
          source = undefined;
          continue;
        }
        if (!(err instanceof AwsCallError) || err.code !== 'AccessDenied' || waited >= retryAccessDeniedForMs)
          throw err;
        const delay = Math.min(10_000, 1_000 * attempt);
        waited += delay;
        await this.environment.sleep(delay);
      }
    }
  }

  /** A session with the same environment (endpoints, retries, events) acting with other credentials (an MFA session's). */
  withCredentials(credentials: AwsCredentialIdentity, region?: string): AwsSession {
    return new AwsSession(this.environment, { region: region ?? this.region, credentials: async () => credentials });
  }

  destroy(): void {
    for (const c of this.clients.values())
      c.then(
        (client) => client.destroy(),
        () => undefined,
      );
    this.clients.clear();
  }
}

function nextStepFor(
  code: string,
  service: string,
  action: string,
  arn: string | undefined,
): { nextStep?: string; credentials?: boolean } {
  switch (code) {
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'RequestExpired':
      return {
        credentials: true,
        nextStep: 'Your session has expired: sign in again (`aws sso login`, or refresh your profile) and rerun.',
      };
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'SignatureDoesNotMatch':
    case 'InvalidAccessKeyId':
      return {
        credentials: true,
        nextStep:
          'AWS does not recognise these credentials: check AWS_PROFILE and the access keys in use (`awsorg whoami`).',
      };
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
      return {
        credentials: true,
        nextStep: `Grant ${arn ?? 'the caller'} permission for ${service}:${action}, or check whether an SCP or permissions boundary denies it.`,
      };
    case 'AWSOrganizationsNotInUseException':
      return { nextStep: 'This account is not in an organization; `awsorg bootstrap` creates one.' };
    case 'TooManyRequestsException':
    case 'ThrottlingException':
    case 'Throttling':
      return {
        nextStep: 'AWS kept throttling the request; wait a minute and run the command again (progress is kept).',
      };
    case 'ECONNREFUSED':
      return { nextStep: 'Nothing answered at the AWS endpoint: check AWS_ENDPOINT_URL, proxies and your network.' };
    default:
      return {};
  }
}

/** The error code, or a name for the HTTP status when AWS sent no body (HEAD requests, some 403s). */
function readableCode(err: unknown): string {
  const code = errorCode(err);
  if (code !== 'Unknown' && code !== 'UnknownError') return code;
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status === 403) return 'AccessDenied';
  if (status === 404) return 'NotFound';
  return status ? `HTTP${status}` : code;
}

function hasStreamBody(command: unknown): boolean {
  const body = (command as { input?: { Body?: unknown } }).input?.Body;
  return (
    typeof (body as { pipe?: unknown } | undefined)?.pipe === 'function' ||
    typeof (body as { getReader?: unknown } | undefined)?.getReader === 'function'
  );
}
