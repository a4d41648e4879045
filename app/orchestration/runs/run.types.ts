import type { StepError } from '../errors';
import type { JsonObject, JsonValue } from '../json';
import type { StepKind } from '../playbook/playbook.schema';

export const RUN_STATUSES = ['pending', 'running', 'waiting', 'failed', 'completed', 'exited', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Statuses that hold the (profile, playbook) concurrency slot. `failed` is parked, not finished:
 * it keeps the slot until someone resumes or cancels it, so a new start returns the parked run.
 */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'waiting', 'failed'];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'exited', 'cancelled'];
export const isRunTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(status);
export const isRunActive = (status: RunStatus): boolean => ACTIVE_RUN_STATUSES.includes(status);

/**
 * `undeliverable`: the step's port call reached no system that could carry it out for this person
 * (nothing was sent); the step's `onUndeliverable` decided whether the run skipped it, failed, or
 * went to a fallback step.
 */
export const STEP_STATUSES = ['scheduled', 'running', 'retrying', 'waiting', 'succeeded', 'failed', 'cancelled', 'undeliverable'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Why a waiting run is waiting (for display and for the sweeper's sanity checks). */
export type WaitReason = 'retry' | 'rate_limit' | 'duration' | 'time_window' | 'event' | 'approval' | 'lease';

export interface RunEnd {
  readonly kind: 'completed' | 'exit_step' | 'exit_criteria' | 'cancelled';
  /** Exit step reason, exit criterion id, or cancellation reason. */
  readonly detail: string | null;
}

export interface Run {
  readonly tenantId: string;
  readonly id: string;
  readonly playbookId: string;
  /** Pinned at start: publishing a newer version never changes this run. */
  readonly playbookVersion: number;
  readonly profileId: string;
  /** `${playbookId}:${profileId}` for one_per_profile playbooks, null otherwise. */
  readonly concurrencyKey: string | null;
  status: RunStatus;
  /** The run's input; read by expressions as `context.*`. Changed only by `updateRunContext`. */
  context: JsonObject;
  /** The step being executed or waited on; null once the run has ended. */
  cursor: string | null;
  waitingFor: WaitReason | null;
  /** When the engine next needs to look at this run (the instant of the last wake-up recorded for it). */
  wakeAt: number | null;
  /** The error that parked the run as failed (also kept on the step). */
  error: (StepError & { readonly stepId: string }) | null;
  end: RunEnd | null;
  /**
   * Single-flight claim of the advance invocation currently working on the run. Another invocation
   * finding a live lease backs off until it expires; an expired lease means its owner died and may
   * be taken over (a step it left `running` then counts as an abandoned attempt).
   */
  lease: Lease | null;
  /** Number of times the run was resumed after failing. */
  resumeCount: number;
  /** Ids of events already consumed by waits or exit criteria (bounded), so redelivered events are ignored. */
  consumedEventIds: string[];
  /** Optimistic-concurrency version, incremented by every successful RunStore.commit. */
  version: number;
  readonly createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcome: 'succeeded' | 'failed' | 'rate_limited' | 'abandoned' | 'undeliverable';
  readonly error: StepError | null;
  /** The idempotency key the call carried. */
  readonly idempotencyKey: string | null;
}

export interface Lease {
  /** Id of the advance invocation holding the run. */
  readonly owner: string;
  readonly expiresAt: number;
}

export interface StepExecution {
  readonly stepId: string;
  readonly kind: StepKind;
  status: StepStatus;
  /** What the step acted on: resolved action params, the wait deadline, the branch scope summary… */
  input: JsonValue;
  /** Available to later steps as `steps.<id>.output`. */
  output: JsonValue;
  /** Counted attempts used so far (rate-limited calls are refunded). */
  attempt: number;
  rateLimitWaits: number;
  error: StepError | null;
  /** The key passed to the port for this logical send (stable across retries; see idempotency.ts). */
  idempotencyKey: string | null;
  /** Bumped by resume only when the last error proves the effect was not applied. */
  keyGeneration: number;
  /** `decide` steps: the decision, kept so a retry or resume does not decide again. */
  decision: JsonObject | null;
  /** Retrying: next attempt time. Waiting: deadline (timeout / duration end / window opening). */
  dueAt: number | null;
  attempts: AttemptRecord[];
  readonly scheduledAt: number;
  startedAt: number | null;
  /** When the current (or last) attempt started. */
  attemptStartedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** A run and its step executions (in the order the steps were entered). */
export interface RunSnapshot {
  readonly run: Run;
  readonly steps: StepExecution[];
}

export const findExecution = (snapshot: RunSnapshot, stepId: string): StepExecution | undefined =>
  snapshot.steps.find((s) => s.stepId === stepId);
