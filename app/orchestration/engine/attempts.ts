import { ENGINE_ERROR_CODES } from '../errors';
import type { JsonObject, JsonValue } from '../json';
import { resolveRetryPolicy, type RetryPolicy } from '../playbook/retry-policy';
import type { ActionStep, DecideStep, Playbook } from '../playbook/playbook.schema';
import { idempotencyKey } from '../runs/idempotency';
import type { AttemptRecord, RunSnapshot, StepExecution } from '../runs/run.types';
import { transitionStep } from '../runs/transitions';
import { decideRetry, type FailedCall } from './retry-decision';
import { enterStep, failStep, setRunStatus, succeedStep } from './snapshot-ops';
import type { StepError } from '../errors';

export interface Wake {
  readonly at: number;
  readonly reason: string;
}

export const policyFor = (playbook: Playbook, step: ActionStep | DecideStep): RetryPolicy =>
  resolveRetryPolicy(playbook.defaults.retry, step.retry);

/**
 * Starts an attempt: the step becomes `running` under the run's lease, with its idempotency key.
 * The key is fixed the first time and only changed by resume (see idempotency.ts).
 */
export function beginAttempt(snapshot: RunSnapshot, exec: StepExecution, now: number): void {
  const { run } = snapshot;
  transitionStep(exec, 'running');
  if (run.status === 'waiting') setRunStatus(snapshot, 'running', now);
  exec.attempt += 1;
  exec.idempotencyKey ??= idempotencyKey(run.tenantId, run.id, exec.stepId, exec.keyGeneration);
  exec.startedAt ??= now;
  exec.attemptStartedAt = now;
  exec.dueAt = null;
  exec.updatedAt = now;
}

const record = (exec: StepExecution, now: number, outcome: AttemptRecord['outcome'], error: AttemptRecord['error']): void => {
  exec.attempts.push({
    attempt: exec.attempt,
    startedAt: exec.attemptStartedAt ?? now,
    finishedAt: now,
    outcome,
    error,
    idempotencyKey: exec.idempotencyKey,
  });
};

/** The call succeeded: keep the output and move on. */
export function completeAttempt(
  snapshot: RunSnapshot,
  playbook: Playbook,
  exec: StepExecution,
  output: JsonValue,
  nextId: string | null,
  now: number,
): void {
  record(exec, now, 'succeeded', null);
  succeedStep(snapshot, playbook, exec, output, nextId, now);
}

/**
 * The call failed (or was abandoned by a dead invocation): retry later or park the run as failed.
 * Returns the wake-up the retry needs, or null when the run is now failed.
 */
export function failAttempt(
  snapshot: RunSnapshot,
  exec: StepExecution,
  policy: RetryPolicy,
  failure: FailedCall,
  now: number,
  abandoned = false,
): Wake | null {
  const decision = decideRetry(policy, exec.attempt, exec.rateLimitWaits, failure);
  const error = { code: failure.code, message: failure.message, category: failure.category };
  record(exec, now, abandoned ? 'abandoned' : failure.category === 'rate_limited' ? 'rate_limited' : 'failed', error);
  if (decision.kind === 'fail') {
    failStep(snapshot, exec, decision.error, now);
    return null;
  }
  if (!decision.consumesAttempt) {
    exec.attempt -= 1;
    exec.rateLimitWaits += 1;
  }
  transitionStep(exec, 'retrying');
  exec.error = error;
  exec.dueAt = now + decision.delayMs;
  exec.updatedAt = now;
  setRunStatus(snapshot, 'waiting', now, decision.reason);
  return { at: exec.dueAt, reason: decision.reason === 'rate_limit' ? 'rate limit (Retry-After)' : `retry attempt ${exec.attempt + 1}` };
}

/** A previous invocation died (its lease expired) while this step's call was in flight. */
export function abandonAttempt(snapshot: RunSnapshot, exec: StepExecution, policy: RetryPolicy, now: number): Wake | null {
  return failAttempt(
    snapshot,
    exec,
    policy,
    {
      category: 'engine',
      code: ENGINE_ERROR_CODES.attemptAbandoned,
      message: `attempt ${exec.attempt} was abandoned: the invocation running it stopped before recording a result`,
    },
    now,
    true,
  );
}

/**
 * The call reached no system that could carry the action out for this person: nothing was sent, so
 * the step ends `undeliverable` (never retried; a resume uses a fresh key) with the reason, and the
 * step's policy decides what the run does next: go on (`skip`), park as failed (`fail`), or continue
 * at a fallback step. The output says `delivered: false` so later steps and the card can tell.
 */
export function undeliverableAttempt(
  snapshot: RunSnapshot,
  playbook: Playbook,
  exec: StepExecution,
  error: StepError,
  policy: 'skip' | 'fail' | { readonly fallback: string },
  nextId: string | null,
  now: number,
  base?: JsonObject,
): void {
  record(exec, now, 'undeliverable', error);
  const then = policy === 'skip' ? 'skipped' : policy === 'fail' ? 'failed' : `fell back to step "${policy.fallback}"`;
  transitionStep(exec, 'undeliverable');
  exec.error = error;
  exec.output = { ...(base ?? {}), delivered: false, undeliverable: { code: error.code, reason: error.message, then } };
  exec.dueAt = null;
  exec.startedAt ??= now;
  exec.finishedAt = now;
  exec.updatedAt = now;
  const { run } = snapshot;
  if (run.status === 'waiting') setRunStatus(snapshot, 'running', now);
  if (policy === 'fail') {
    setRunStatus(snapshot, 'failed', now);
    run.error = { ...error, stepId: exec.stepId };
    run.lease = null;
    run.wakeAt = null;
    return;
  }
  enterStep(snapshot, playbook, policy === 'skip' ? nextId : policy.fallback, now);
}
