/**
 * Errors as values. `undeliverable` is not a failure of a call but a fact about the person or the
 * tenant: no connected system can carry this action out for them (no record in any connected CRM,
 * channel not connected, step kind not supported). It is never retried; the step ends `undeliverable`
 * and the playbook's `onUndeliverable` says what happens next (skip, fail, or a fallback step).
 * A port (action, decider) reports an expected failure as a `PortError`,
 * classified by the connector where it happened; the run engine is the only layer that retries.
 */
export const ERROR_CATEGORIES = ['rate_limited', 'transient', 'auth', 'permanent', 'undeliverable'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export interface PortError {
  readonly category: ErrorCategory;
  /** Stable machine code, e.g. "hubspot.contact_not_found" or "http_503". Matched by nonRetryableErrorCodes. */
  readonly code: string;
  readonly message: string;
  /** For rate_limited: how long the vendor asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
}

/** The error recorded on a step execution or a run; visible through the API. */
export interface StepError {
  readonly code: string;
  readonly message: string;
  readonly category: ErrorCategory | 'engine';
}

/** Engine-originated error codes (not from a port). */
export const ENGINE_ERROR_CODES = {
  attemptAbandoned: 'attempt_abandoned',
  rateLimitBudgetExhausted: 'rate_limit_budget_exhausted',
  expressionFailed: 'expression_failed',
} as const;

export const rateLimited = (retryAfterMs: number, message = 'rate limited'): PortError => ({
  category: 'rate_limited',
  code: 'rate_limited',
  message,
  retryAfterMs,
});
export const transientError = (code: string, message: string): PortError => ({ category: 'transient', code, message });
export const permanentError = (code: string, message: string): PortError => ({ category: 'permanent', code, message });
export const authError = (code: string, message: string): PortError => ({ category: 'auth', code, message });
/** Nothing was sent: no connected system can deliver this action for this person (see the file comment). */
export const undeliverableError = (code: string, message: string): PortError => ({ category: 'undeliverable', code, message });
export const isUndeliverable = (error: { readonly category: string }): boolean => error.category === 'undeliverable';

/**
 * True when the error proves the effect was NOT applied (the vendor refused the request), so a
 * deliberate re-run may use a fresh idempotency key. Transient errors and abandoned attempts are
 * ambiguous: the effect may have landed, so the same key must be reused.
 */
export const errorProvesNoEffect = (error: StepError): boolean =>
  error.category === 'permanent' || error.category === 'auth' || error.category === 'undeliverable';

/** A bug in the engine or its caller: a state change the transition tables do not allow. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly entity: 'run' | 'step' | 'playbook',
    readonly from: string,
    readonly to: string,
    readonly subject: string,
  ) {
    super(`illegal ${entity} transition ${from} → ${to} (${subject})`);
    this.name = 'IllegalTransitionError';
  }
}

export const isIllegalTransitionError = (error: unknown): error is IllegalTransitionError => error instanceof IllegalTransitionError;
