import type { StepError } from '../errors';
import type { JsonValue } from '../json';
import { findStep } from '../playbook/playbook.graph';
import type { Playbook } from '../playbook/playbook.schema';
import { findExecution, type RunEnd, type RunSnapshot, type RunStatus, type StepExecution, type WaitReason } from '../runs/run.types';
import { transitionRun, transitionStep } from '../runs/transitions';

/**
 * Pure building blocks for state changes. Each mutates the snapshot it is given, so callers work on
 * a clone (`cloneSnapshot`) and commit it; every status change goes through the transition tables.
 */
export const cloneSnapshot = (snapshot: RunSnapshot): RunSnapshot => clonePlain(snapshot);

/**
 * A deep copy of plain data (what run snapshots are made of: strings, numbers, booleans, null,
 * arrays and plain objects), several times faster than `structuredClone` for the small objects of
 * a run step, which matters because every state change clones its snapshot. Anything else (a Date,
 * a Map…) is handed to `structuredClone`, so the copy is never shallower than before.
 */
export function clonePlain<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clonePlain(value[i] as unknown);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const copy = clonePlain((value as Record<string, unknown>)[key]);
    // An own "__proto__" key (JSON.parse makes one) must stay a key, not become the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out as T;
}

/** The step execution the run's cursor points at; throws if the snapshot is inconsistent (a bug). */
export function currentExecution(snapshot: RunSnapshot): StepExecution {
  const { run } = snapshot;
  if (run.cursor === null) throw new Error(`run ${run.id} (${run.status}) has no current step`);
  const exec = findExecution(snapshot, run.cursor);
  if (exec === undefined) throw new Error(`run ${run.id}: no execution for current step "${run.cursor}"`);
  return exec;
}

export function newExecution(playbook: Playbook, stepId: string, now: number): StepExecution {
  const step = findStep(playbook, stepId);
  if (step === undefined) throw new Error(`playbook ${playbook.id} v${playbook.version} has no step "${stepId}"`);
  return {
    stepId,
    kind: step.kind,
    status: 'scheduled',
    input: null,
    output: null,
    attempt: 0,
    rateLimitWaits: 0,
    error: null,
    idempotencyKey: null,
    keyGeneration: 0,
    decision: null,
    dueAt: null,
    attempts: [],
    scheduledAt: now,
    startedAt: null,
    attemptStartedAt: null,
    finishedAt: null,
    updatedAt: now,
  };
}

/** Sets the run status (checked) and bookkeeping. */
export function setRunStatus(snapshot: RunSnapshot, to: RunStatus, now: number, waitingFor: WaitReason | null = null): void {
  const { run } = snapshot;
  if (run.status !== to) transitionRun(run, to);
  run.waitingFor = to === 'waiting' ? waitingFor : null;
  run.updatedAt = now;
  if (to === 'running' && run.startedAt === null) run.startedAt = now;
}

/** Moves the cursor to `stepId` (a fresh scheduled execution), or completes the run when null. */
export function enterStep(snapshot: RunSnapshot, playbook: Playbook, stepId: string | null, now: number): void {
  const { run } = snapshot;
  if (stepId === null) {
    endRun(snapshot, 'completed', { kind: 'completed', detail: null }, now);
    return;
  }
  if (findExecution(snapshot, stepId) !== undefined) {
    throw new Error(`run ${run.id}: step "${stepId}" was already entered (playbooks are acyclic)`);
  }
  snapshot.steps.push(newExecution(playbook, stepId, now));
  run.cursor = stepId;
  run.updatedAt = now;
}

/** Marks the current step succeeded with its output and enters `nextId`. */
export function succeedStep(
  snapshot: RunSnapshot,
  playbook: Playbook,
  exec: StepExecution,
  output: JsonValue,
  nextId: string | null,
  now: number,
): void {
  transitionStep(exec, 'succeeded');
  exec.output = output;
  exec.error = null;
  exec.dueAt = null;
  exec.startedAt ??= now;
  exec.finishedAt = now;
  exec.updatedAt = now;
  if (snapshot.run.status === 'waiting') setRunStatus(snapshot, 'running', now);
  enterStep(snapshot, playbook, nextId, now);
}

/** Ends the run (completed, exited or cancelled); an unfinished current step is cancelled. */
export function endRun(snapshot: RunSnapshot, to: 'completed' | 'exited' | 'cancelled', end: RunEnd, now: number): void {
  const { run } = snapshot;
  if (run.cursor !== null) {
    const exec = findExecution(snapshot, run.cursor);
    // An unfinished step is cancelled; a failed one keeps its status and error for the record.
    if (
      exec !== undefined &&
      (exec.status === 'scheduled' || exec.status === 'running' || exec.status === 'retrying' || exec.status === 'waiting')
    ) {
      transitionStep(exec, 'cancelled');
      exec.dueAt = null;
      exec.finishedAt = now;
      exec.updatedAt = now;
    }
  }
  setRunStatus(snapshot, to, now);
  run.cursor = to === 'completed' ? null : run.cursor;
  run.end = end;
  run.lease = null;
  run.wakeAt = null;
  run.endedAt = now;
}

/** Parks the run as failed on its current step, with the error visible on both. */
export function failStep(snapshot: RunSnapshot, exec: StepExecution, error: StepError, now: number): void {
  transitionStep(exec, 'failed');
  exec.error = error;
  exec.dueAt = null;
  exec.finishedAt = now;
  exec.updatedAt = now;
  const { run } = snapshot;
  if (run.status === 'waiting') setRunStatus(snapshot, 'running', now);
  setRunStatus(snapshot, 'failed', now);
  run.error = { ...error, stepId: exec.stepId };
  run.lease = null;
  run.wakeAt = null;
}

/** Remembers an event id so a redelivery is ignored; keeps the most recent `limit` ids. */
export function rememberEvent(snapshot: RunSnapshot, eventId: string, limit: number): void {
  const ids = snapshot.run.consumedEventIds;
  ids.push(eventId);
  if (ids.length > limit) ids.splice(0, ids.length - limit);
}
