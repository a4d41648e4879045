import { ENGINE_ERROR_CODES, type ErrorCategory, type StepError } from '../errors';
import { backoffDelayMs, type RetryPolicy } from '../playbook/retry-policy';

export interface FailedCall {
  readonly category: ErrorCategory | 'engine';
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: 'retry' | 'rate_limit'; readonly consumesAttempt: boolean }
  | { readonly kind: 'fail'; readonly error: StepError };

/**
 * What to do after a failed call that used attempt number `attempt` (pure; Temporal semantics):
 * - rate_limited: wait Retry-After (or the initial interval if none was given) without using up an
 *   attempt, up to `maxRateLimitWaits` times;
 * - permanent / auth, or a code listed in nonRetryableErrorCodes: fail now;
 * - otherwise retry after the backoff delay until maxAttempts (0 = unlimited) is reached.
 */
export function decideRetry(policy: RetryPolicy, attempt: number, rateLimitWaits: number, failure: FailedCall): RetryDecision {
  const error: StepError = { code: failure.code, message: failure.message, category: failure.category };
  if (failure.category === 'rate_limited') {
    if (rateLimitWaits >= policy.maxRateLimitWaits) {
      return {
        kind: 'fail',
        error: {
          code: ENGINE_ERROR_CODES.rateLimitBudgetExhausted,
          message: `still rate limited after ${rateLimitWaits} waits: ${failure.message}`,
          category: 'rate_limited',
        },
      };
    }
    const delayMs = Math.max(0, failure.retryAfterMs ?? policy.initialIntervalMs);
    return { kind: 'retry', delayMs, reason: 'rate_limit', consumesAttempt: false };
  }
  if (failure.category === 'permanent' || failure.category === 'auth') return { kind: 'fail', error };
  if (policy.nonRetryableErrorCodes.includes(failure.code)) return { kind: 'fail', error };
  if (policy.maxAttempts !== 0 && attempt >= policy.maxAttempts) {
    return { kind: 'fail', error: { ...error, message: `${error.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})` } };
  }
  return { kind: 'retry', delayMs: backoffDelayMs(policy, attempt), reason: 'retry', consumesAttempt: true };
}
