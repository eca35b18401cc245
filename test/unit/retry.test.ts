import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, classifyFailure, DEFAULT_BACKOFF, errorCode, type BackoffPolicy } from '../../src/aws/retry.js';

/** What an SDK v3 service exception looks like to the retry policy. */
function awsError(name: string, status: number | undefined, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status && status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

function networkError(code: string, message = `read ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('errorCode', () => {
  it('prefers the AWS Code field, then the exception name', () => {
    assert.equal(errorCode(awsError('NoSuchBucket', 404, { Code: 'NoSuchBucket' })), 'NoSuchBucket');
    assert.equal(errorCode(awsError('TooManyRequestsException', 400)), 'TooManyRequestsException');
    assert.equal(errorCode(Object.assign(awsError('Unknown', 400), { Code: 'Throttling' })), 'Throttling');
  });

  it('finds a Node network code on the error or up to its third cause', () => {
    assert.equal(errorCode(networkError('ECONNRESET')), 'ECONNRESET');
    const wrapped = new Error('outer', { cause: new Error('middle', { cause: networkError('EPIPE', 'write EPIPE') }) });
    assert.equal(errorCode(wrapped), 'EPIPE');
    assert.equal(errorCode(networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')), 'ECONNREFUSED');
  });

  it('reads "socket hang up" without a code as ECONNRESET', () => {
    assert.equal(errorCode(new Error('socket hang up')), 'ECONNRESET');
  });

  it('has a fallback for things that are not errors', () => {
    assert.equal(errorCode(undefined), 'UnknownError');
    assert.equal(errorCode({}), 'UnknownError');
  });
});

describe('classifyFailure', () => {
  const throttled = [
    ['Throttling', 400],
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 400],
    ['SlowDown', 503],
    ['RequestLimitExceeded', 400],
    ['ProvisionedThroughputExceededException', 400],
    ['ConcurrentModificationException', 400],
    ['PriorRequestNotComplete', 400],
  ] as const;
  for (const [code, status] of throttled) {
    it(`throttled: ${code} (${status})`, () => assert.equal(classifyFailure(awsError(code, status)), 'throttled'));
  }

  it('throttled: any 429, and anything the SDK marks as throttling', () => {
    assert.equal(classifyFailure(awsError('SomethingNew', 429)), 'throttled');
    assert.equal(classifyFailure(awsError('SomethingNew', 400, { $retryable: { throttling: true } })), 'throttled');
  });

  it('throttling codes win over a 5xx status (S3 SlowDown is a 503 that was never executed)', () => {
    assert.equal(classifyFailure(awsError('SlowDown', 503)), 'throttled');
  });

  const ambiguous = [
    ['InternalFailure', 500],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['ServiceUnavailableException', 503],
    ['InternalServerError', 500],
    ['SomethingUnmodelled', 502],
    ['SomethingUnmodelled', 504],
  ] as const;
  for (const [code, status] of ambiguous) {
    it(`ambiguous: ${code} (${status})`, () => assert.equal(classifyFailure(awsError(code, status)), 'ambiguous'));
  }

  it('ambiguous: dropped connections, since the request may have been executed', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED'])
      assert.equal(classifyFailure(networkError(code)), 'ambiguous', code);
    assert.equal(classifyFailure(new Error('socket hang up')), 'ambiguous');
    assert.equal(classifyFailure(new Error('wrapper', { cause: networkError('ECONNRESET') })), 'ambiguous');
  });

  it('ambiguous: a response cut short (no HTTP status, a parse error) and timeouts', () => {
    assert.equal(
      classifyFailure(
        new Error('Deserialization error: to see the raw response, inspect the hidden field {error}.$response'),
      ),
      'ambiguous',
    );
    assert.equal(classifyFailure(new Error('premature close')), 'ambiguous');
    assert.equal(
      classifyFailure(Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' })),
      'ambiguous',
    );
  });

  it('unreachable: nothing listening, so the request never arrived', () => {
    assert.equal(classifyFailure(networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')), 'unreachable');
  });

  const fatal = [
    ['AccessDenied', 403],
    ['AccessDeniedException', 400],
    ['ValidationException', 400],
    ['NoSuchBucket', 404],
    ['AWSOrganizationsNotInUseException', 400],
    ['DuplicateOrganizationalUnitException', 400],
    ['EntityAlreadyExists', 409],
    ['ExpiredToken', 400],
  ] as const;
  for (const [code, status] of fatal) {
    it(`fatal: ${code} (${status})`, () => assert.equal(classifyFailure(awsError(code, status)), 'fatal'));
  }

  it('fatal: a plain programming error', () => {
    assert.equal(classifyFailure(new TypeError('x is not a function')), 'fatal');
    assert.equal(classifyFailure(undefined), 'fatal');
  });
});

describe('backoffDelay', () => {
  const policy: BackoffPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 8_000 };

  it('is full jitter: random 0 waits nothing, random just under 1 waits the ceiling', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      assert.equal(
        backoffDelay(attempt, () => 0, policy),
        0,
      );
      assert.equal(
        backoffDelay(attempt, () => 0.999999, policy),
        ceiling,
        `attempt ${attempt}`,
      );
      assert.equal(
        backoffDelay(attempt, () => 0.5, policy),
        Math.round(ceiling / 2),
      );
    }
  });

  it('doubles the ceiling per attempt from base * 2 on the first retry', () => {
    assert.equal(
      backoffDelay(1, () => 0.999999, policy),
      200,
    );
    assert.equal(
      backoffDelay(2, () => 0.999999, policy),
      400,
    );
    assert.equal(
      backoffDelay(3, () => 0.999999, policy),
      800,
    );
  });

  it('never exceeds maxDelayMs, even for very late attempts', () => {
    for (const attempt of [6, 7, 20, 60, 2000]) {
      const delay = backoffDelay(attempt, () => 0.999999, policy);
      assert.ok(delay <= policy.maxDelayMs && delay >= 0, `attempt ${attempt}: ${delay}`);
    }
  });

  it('stays inside [0, ceiling] for many random draws', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 1000; i++) {
      const attempt = (i % 10) + 1;
      const delay = backoffDelay(attempt, random, { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 50 });
      assert.ok(delay >= 0 && delay <= Math.min(50, 5 * 2 ** attempt), `attempt ${attempt}: ${delay}`);
    }
  });

  it('uses the default policy when none is given', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 8_000 });
    assert.equal(
      backoffDelay(1, () => 0.999999),
      200,
    );
    assert.equal(
      backoffDelay(30, () => 0.999999),
      8_000,
    );
  });
});
