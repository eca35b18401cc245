/**
 * Why an S3 object call may be refused on the emulator path, and what to do about it.
 *
 * awsorg's own bucket-policy statement (`AwsorgDenyInsecureTransport`) denies every request not
 * sent over TLS. moto serves plain HTTP and enforces that deny on object calls (bucket-level
 * calls still pass), so after an apply that set the statement, reading or writing the state
 * object is refused. `--omit-tls-deny` takes the statement out. The endpoint in the environment
 * only chooses the words of the message here; it never changes what awsorg does.
 */
import { GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { AwsSession } from '../aws/session.js';
import { AwsCallError } from '../core/errors.js';
import { TLS_SID } from './bucket-hardening.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A plain-HTTP S3 endpoint set in the environment (read the way the session reads it), or undefined. */
export function plainHttpS3Endpoint(env: Env): string | undefined {
  if (/^(true|1)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  return endpoint && /^http:\/\//i.test(endpoint) ? endpoint : undefined;
}

/** An S3 call on an object (not on the bucket) that was refused. */
export function isRefusedObjectCall(err: unknown): err is AwsCallError {
  return (
    err instanceof AwsCallError &&
    err.service === 's3' &&
    /^(Get|Put|Head|Delete|Copy)Object/.test(err.action) &&
    /^AccessDenied/.test(err.code)
  );
}

/** Whether the bucket policy holds awsorg's TLS-only statement. A policy that cannot be read counts as no. */
export async function holdsOwnTlsDeny(session: AwsSession, bucket: string, region?: string): Promise<boolean> {
  try {
    const out = await session.send('s3', new GetBucketPolicyCommand({ Bucket: bucket }), region ? { region } : {});
    const statements = (JSON.parse(out.Policy ?? '{}') as { Statement?: unknown }).Statement;
    return Array.isArray(statements) && statements.some((s) => (s as { Sid?: unknown })?.Sid === TLS_SID);
  } catch {
    return false;
  }
}

/** Pure: the next step for an object call refused through `endpoint` while awsorg's statement is on `bucket`. */
export function omitTlsDenyNextStep(bucket: string, endpoint: string): string {
  return (
    `The policy of bucket ${bucket} holds awsorg's statement ${TLS_SID}, which denies every request not sent over TLS, and ${endpoint} ` +
    '(AWS_ENDPOINT_URL) is plain HTTP: an emulator such as moto enforces that deny on object calls. ' +
    'Run bootstrap again with --omit-tls-deny (`awsorg bootstrap --config FILE --plan --omit-tls-deny` to preview, then `--yes --omit-tls-deny`) ' +
    'to take the statement out; never use that flag against AWS.'
  );
}

/**
 * Why the object call failed, when it is the case above: `err` with a next step naming
 * `--omit-tls-deny`, or undefined when it is not (any other error, a TLS endpoint, no endpoint
 * set, or a bucket without awsorg's statement).
 */
export async function tlsDenyExplanation(
  err: unknown,
  session: AwsSession,
  bucket: string,
  env: Env,
  region?: string,
): Promise<AwsCallError | undefined> {
  if (!isRefusedObjectCall(err)) return undefined;
  const endpoint = plainHttpS3Endpoint(env);
  if (!endpoint || !(await holdsOwnTlsDeny(session, bucket, region))) return undefined;
  return err.withNextStep(omitTlsDenyNextStep(bucket, endpoint));
}

/** `err`, explained as above when it is that case; rethrow the result. */
export async function explainRefusedObjectCall(
  err: unknown,
  session: AwsSession,
  bucket: string,
  env: Env,
  region?: string,
): Promise<unknown> {
  return (await tlsDenyExplanation(err, session, bucket, env, region)) ?? err;
}

/**
 * For a plan: why the state object could not be read, in words for a note. `omitting` says
 * whether this run leaves the statement out (then the plan's bucket-policy change lifts the refusal).
 */
export async function refusedReadReason(
  err: AwsCallError,
  session: AwsSession,
  bucket: string,
  env: Env,
  omitting: boolean,
  region?: string,
): Promise<string> {
  const refused = `s3:${err.action} was refused (${err.code})`;
  const endpoint = plainHttpS3Endpoint(env);
  if (!endpoint || !(await holdsOwnTlsDeny(session, bucket, region))) return refused;
  return omitting
    ? `${refused} by awsorg's statement ${TLS_SID} over plain HTTP (${endpoint}); the bucket-policy change in this plan (--omit-tls-deny) takes it out`
    : `${refused}, most likely by awsorg's statement ${TLS_SID}, which an emulator at ${endpoint} enforces over plain HTTP; plan and apply with --omit-tls-deny to take it out (never against AWS)`;
}
