import fc from 'fast-check';
import {
  backoffDelayMs,
  decideRetry,
  permanentError,
  rateLimited,
  resolveRetryPolicy,
  transientError,
  authError,
} from '../../../app/orchestration';

describe('retry policy', () => {
  const policy = resolveRetryPolicy({ maxAttempts: 5, initialInterval: 1_000, backoffCoefficient: 2, maxInterval: 5_000 });

  it('backs off exponentially from the initial interval up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('defaults like Temporal: 1 s, ×2, max 100 × initial, 3 attempts here', () => {
    expect(resolveRetryPolicy()).toMatchObject({ initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 100_000, maxAttempts: 3 });
    expect(resolveRetryPolicy({ initialInterval: 500 }).maxIntervalMs).toBe(50_000);
    expect(resolveRetryPolicy({ maxAttempts: 9 }, { initialInterval: 10 })).toMatchObject({ maxAttempts: 9, initialIntervalMs: 10 });
  });

  it('never shrinks and never exceeds the maximum interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        (initial, coefficient, attempt) => {
          const p = resolveRetryPolicy({ initialInterval: initial, backoffCoefficient: coefficient, maxInterval: initial * 20 });
          const now = backoffDelayMs(p, attempt);
          expect(now).toBeGreaterThanOrEqual(backoffDelayMs(p, Math.max(1, attempt - 1)));
          expect(now).toBeLessThanOrEqual(p.maxIntervalMs);
          expect(now).toBeGreaterThanOrEqual(initial);
        },
      ),
    );
  });

  it('retries transient errors until maxAttempts, then fails with the error', () => {
    expect(decideRetry(policy, 1, 0, transientError('http_503', 'unavailable'))).toEqual({
      kind: 'retry',
      delayMs: 1_000,
      reason: 'retry',
      consumesAttempt: true,
    });
    const last = decideRetry(policy, 5, 0, transientError('http_503', 'unavailable'));
    expect(last).toEqual({
      kind: 'fail',
      error: { code: 'http_503', category: 'transient', message: 'unavailable (gave up after 5 attempts)' },
    });
    expect(decideRetry(resolveRetryPolicy({ maxAttempts: 0 }), 1_000, 0, transientError('x', 'y')).kind).toBe('retry');
  });

  it('waits Retry-After for rate limits without using up an attempt, within a budget', () => {
    expect(decideRetry(policy, 5, 0, rateLimited(42_000))).toEqual({
      kind: 'retry',
      delayMs: 42_000,
      reason: 'rate_limit',
      consumesAttempt: false,
    });
    const exhausted = decideRetry(resolveRetryPolicy({ maxRateLimitWaits: 2 }), 1, 2, rateLimited(1_000));
    expect(exhausted).toMatchObject({ kind: 'fail', error: { code: 'rate_limit_budget_exhausted', category: 'rate_limited' } });
  });

  it('fails at once on permanent, auth and non-retryable codes', () => {
    expect(decideRetry(policy, 1, 0, permanentError('invalid_email', 'bad address')).kind).toBe('fail');
    expect(decideRetry(policy, 1, 0, authError('token_revoked', 'reconnect')).kind).toBe('fail');
    const p = resolveRetryPolicy({ nonRetryableErrorCodes: ['contact_deleted'] });
    expect(decideRetry(p, 1, 0, transientError('contact_deleted', 'gone'))).toMatchObject({
      kind: 'fail',
      error: { code: 'contact_deleted' },
    });
  });
});
