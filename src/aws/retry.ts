/**
 * Pure retry policy: which AWS errors are worth another attempt, and how long to wait.
 * Kept free of I/O so it can be unit-tested and shared by every caller.
 */

export type FailureKind =
  /** AWS refused the request before doing anything (throttling, concurrent modification). Safe to resend. */
  | 'throttled'
  /** The outcome is unknown: a 5xx or a broken connection may hide a request that was executed. */
  | 'ambiguous'
  /** The request never reached the server. Safe to resend. */
  | 'unreachable'
  /** Retrying will not help. */
  | 'fatal';

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  // Organizations answers this while another change to the same entity is under way.
  'ConcurrentModificationException',
  'OperationAbortedException',
]);

const TRANSIENT_CODES = new Set([
  'InternalFailure',
  'InternalError',
  'InternalErrorException',
  'InternalServerError',
  'ServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);
// The request never left this machine: a refused connection or a failed DNS lookup.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND']);

export interface ErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

/** The AWS error code, or the Node network error code, of an SDK error. */
export function errorCode(err: unknown): string {
  const e = (err ?? {}) as ErrorShape;
  const netCode = networkCode(e);
  if (netCode) return netCode;
  return e.Code ?? e.name ?? e.code ?? 'UnknownError';
}

function networkCode(e: ErrorShape): string | undefined {
  for (let cur: ErrorShape | undefined = e, depth = 0; cur && depth < 4; cur = cur.cause as ErrorShape, depth++) {
    if (typeof cur.code === 'string' && (NETWORK_CODES.has(cur.code) || UNREACHABLE_CODES.has(cur.code))) {
      return cur.code;
    }
  }
  if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return 'ECONNRESET';
  return undefined;
}

export function classifyFailure(err: unknown): FailureKind {
  const e = (err ?? {}) as ErrorShape;
  const code = errorCode(err);
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (NETWORK_CODES.has(code)) return 'ambiguous';
  if (THROTTLING_CODES.has(code) || e.$retryable?.throttling) return 'throttled';
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return 'throttled';
  if (TRANSIENT_CODES.has(code)) return 'ambiguous';
  if (status !== undefined && status >= 500) return 'ambiguous';
  // The SDK raises an error with no HTTP status when a response could not be parsed, which is
  // what a truncated body from a dropped connection looks like.
  if (
    status === undefined &&
    (e.name === 'TimeoutError' || /Deserialization error|premature close|aborted/i.test(e.message ?? ''))
  ) {
    return 'ambiguous';
  }
  return 'fatal';
}

export interface BackoffPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 8_000 };

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(cap, base * 2^attempt)].
 * `attempt` counts from 1 for the first retry.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}
