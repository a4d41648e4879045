import { IllegalTransitionError } from '../errors';
import type { PlaybookStatus } from '../playbook/playbook.schema';
import type { RunStatus, StepStatus } from './run.types';

/**
 * The state machines, declared as data (Nango's `validTaskStateTransitions` idea).
 * Every status change in the engine goes through `transitionRun` / `transitionStep`, which throw
 * IllegalTransitionError for anything not listed here: an illegal transition is a bug, not a value.
 */
export const RUN_TRANSITIONS = [
  { from: 'pending', to: 'running', why: 'first advance' },
  { from: 'pending', to: 'cancelled', why: 'cancel before start' },
  { from: 'pending', to: 'exited', why: 'exit criterion matched before start' },
  { from: 'running', to: 'waiting', why: 'step waits for time, an event, an approval or a retry' },
  { from: 'running', to: 'completed', why: 'last step or exit step done' },
  { from: 'running', to: 'failed', why: 'step exhausted its retries or hit a non-retryable error' },
  { from: 'running', to: 'cancelled', why: 'cancel' },
  { from: 'running', to: 'exited', why: 'exit criterion matched' },
  { from: 'waiting', to: 'running', why: 'wake-up, event or approval' },
  { from: 'waiting', to: 'cancelled', why: 'cancel' },
  { from: 'waiting', to: 'exited', why: 'exit criterion matched' },
  { from: 'failed', to: 'running', why: 'resume from the failed step' },
  { from: 'failed', to: 'cancelled', why: 'cancel a parked run' },
  { from: 'failed', to: 'exited', why: 'exit criterion matched while parked' },
] as const satisfies readonly { from: RunStatus; to: RunStatus; why: string }[];

export const STEP_TRANSITIONS = [
  { from: 'scheduled', to: 'running', why: 'port call (action/decide) starts' },
  { from: 'scheduled', to: 'waiting', why: 'wait step starts' },
  { from: 'scheduled', to: 'succeeded', why: 'branch/exit evaluated, or wait already satisfied' },
  { from: 'scheduled', to: 'failed', why: 'could not evaluate (e.g. expression error)' },
  { from: 'scheduled', to: 'cancelled', why: 'run ended before the step started' },
  { from: 'running', to: 'succeeded', why: 'port call succeeded' },
  { from: 'running', to: 'retrying', why: 'retryable error, rate limit or abandoned attempt' },
  { from: 'running', to: 'failed', why: 'retries exhausted or non-retryable error' },
  { from: 'running', to: 'undeliverable', why: 'no connected system can deliver the action for this person' },
  { from: 'running', to: 'cancelled', why: 'run ended while the call was in flight' },
  { from: 'retrying', to: 'running', why: 'next attempt starts' },
  { from: 'retrying', to: 'failed', why: 'cannot continue' },
  { from: 'retrying', to: 'cancelled', why: 'run ended during backoff' },
  { from: 'waiting', to: 'succeeded', why: 'event, approval, timeout, elapsed duration or open window' },
  { from: 'waiting', to: 'waiting', why: 'time window re-armed after an early wake-up' },
  { from: 'waiting', to: 'cancelled', why: 'run ended while waiting' },
  { from: 'failed', to: 'scheduled', why: 'resume re-runs the failed step' },
  { from: 'failed', to: 'cancelled', why: 'parked run cancelled' },
  { from: 'undeliverable', to: 'scheduled', why: 'resume re-runs a step whose undeliverable outcome failed the run' },
] as const satisfies readonly { from: StepStatus; to: StepStatus; why: string }[];

export const PLAYBOOK_TRANSITIONS = [
  { from: 'draft', to: 'published', why: 'publish' },
  { from: 'draft', to: 'archived', why: 'discard a draft' },
  { from: 'published', to: 'archived', why: 'retire (new runs can no longer start on it)' },
] as const satisfies readonly { from: PlaybookStatus; to: PlaybookStatus; why: string }[];

type Table<S extends string> = readonly { readonly from: S; readonly to: S }[];
const allows = <S extends string>(table: Table<S>, from: S, to: S): boolean => table.some((t) => t.from === from && t.to === to);

export const canTransitionRun = (from: RunStatus, to: RunStatus): boolean => allows<RunStatus>(RUN_TRANSITIONS, from, to);
export const canTransitionStep = (from: StepStatus, to: StepStatus): boolean => allows<StepStatus>(STEP_TRANSITIONS, from, to);
export const canTransitionPlaybook = (from: PlaybookStatus, to: PlaybookStatus): boolean =>
  allows<PlaybookStatus>(PLAYBOOK_TRANSITIONS, from, to);

export function assertRunTransition(from: RunStatus, to: RunStatus, subject: string): void {
  if (!canTransitionRun(from, to)) throw new IllegalTransitionError('run', from, to, subject);
}
export function assertStepTransition(from: StepStatus, to: StepStatus, subject: string): void {
  if (!canTransitionStep(from, to)) throw new IllegalTransitionError('step', from, to, subject);
}
export function assertPlaybookTransition(from: PlaybookStatus, to: PlaybookStatus, subject: string): void {
  if (!canTransitionPlaybook(from, to)) throw new IllegalTransitionError('playbook', from, to, subject);
}

/** Sets `target.status` after checking the run table. */
export function transitionRun(target: { id: string; status: RunStatus }, to: RunStatus): void {
  assertRunTransition(target.status, to, `run ${target.id}`);
  target.status = to;
}

/** Sets `target.status` after checking the step table. */
export function transitionStep(target: { stepId: string; status: StepStatus }, to: StepStatus): void {
  assertStepTransition(target.status, to, `step ${target.stepId}`);
  target.status = to;
}
