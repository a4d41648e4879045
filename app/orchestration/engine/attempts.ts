import { ENGINE_ERROR_CODES } from '../errors';
import type { JsonValue } from '../json';
import { resolveRetryPolicy, type RetryPolicy } from '../playbook/retry-policy';
import type { ActionStep, DecideStep, Playbook } from '../playbook/playbook.schema';
import { idempotencyKey } from '../runs/idempotency';
import type { AttemptRecord, RunSnapshot, StepExecution } from '../runs/run.types';
import { transitionStep } from '../runs/transitions';
import { decideRetry, type FailedCall } from './retry-decision';
import { failStep, setRunStatus, succeedStep } from './snapshot-ops';

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
export function completeAttempt(snapshot: RunSnapshot, playbook: Playbook, exec: StepExecution, output: JsonValue, nextId: string | null, now: number): void {
  record(exec, now, 'succeeded', null);
  succeedStep(snapshot, playbook, exec, output, nextId, now);
}

/**
 * The call failed (or was abandoned by a dead invocation): retry later or park the run as failed.
 * Returns the wake-up the retry needs, or null when the run is now failed.
 */
export function failAttempt(snapshot: RunSnapshot, exec: StepExecution, policy: RetryPolicy, failure: FailedCall, now: number, abandoned = false): Wake | null {
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
