import { z } from 'zod';
import { durationSchema } from './duration';

/**
 * Per-step retry policy, shaped like Temporal's RetryPolicy:
 * delay before attempt n+1 = min(initialInterval × backoffCoefficient^(n−1), maxInterval).
 * maxAttempts 0 means unlimited; 1 means no retry.
 * Rate-limited errors wait for the vendor's Retry-After and do not use up an attempt;
 * `maxRateLimitWaits` bounds how many such waits one step may take before it fails.
 */
export const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int().nonnegative().optional(),
    initialInterval: durationSchema.optional(),
    backoffCoefficient: z.number().min(1, 'backoffCoefficient must be at least 1').optional(),
    maxInterval: durationSchema.optional(),
    nonRetryableErrorCodes: z.array(z.string().min(1)).optional(),
    maxRateLimitWaits: z.number().int().nonnegative().optional(),
  })
  .strict();

export type RetryPolicyInput = z.output<typeof retryPolicySchema>;

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maxIntervalMs: number;
  readonly nonRetryableErrorCodes: readonly string[];
  readonly maxRateLimitWaits: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maxIntervalMs: 100_000,
  nonRetryableErrorCodes: [],
  maxRateLimitWaits: 20,
};

/** Step policy over playbook defaults over engine defaults; maxInterval defaults to 100 × initialInterval. */
export function resolveRetryPolicy(...layers: readonly (RetryPolicyInput | undefined)[]): RetryPolicy {
  const merged: RetryPolicyInput = {};
  for (const layer of layers) if (layer !== undefined) Object.assign(merged, layer);
  const initialIntervalMs = merged.initialInterval ?? DEFAULT_RETRY_POLICY.initialIntervalMs;
  return {
    maxAttempts: merged.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    initialIntervalMs,
    backoffCoefficient: merged.backoffCoefficient ?? DEFAULT_RETRY_POLICY.backoffCoefficient,
    maxIntervalMs: Math.max(initialIntervalMs, merged.maxInterval ?? initialIntervalMs * 100),
    nonRetryableErrorCodes: merged.nonRetryableErrorCodes ?? DEFAULT_RETRY_POLICY.nonRetryableErrorCodes,
    maxRateLimitWaits: merged.maxRateLimitWaits ?? DEFAULT_RETRY_POLICY.maxRateLimitWaits,
  };
}

/** Delay before the attempt that follows failed attempt number `attempt` (1-based). */
export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  const raw = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.min(raw, policy.maxIntervalMs);
}
