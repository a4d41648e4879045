import { findStep, nextStepId } from '../playbook/playbook.graph';
import type { Playbook } from '../playbook/playbook.schema';
import { toJson } from '../json';
import type { RunSnapshot } from '../runs/run.types';
import { matchingExitCriterion, safeCondition } from './context-change';
import { engineOptions, type EngineDeps } from './engine-deps';
import { mutateRun, type Mutation } from './mutate-run';
import { buildScope, type RunEvent } from './scope';
import { cloneSnapshot, currentExecution, endRun, rememberEvent, succeedStep } from './snapshot-ops';

export type EventEffect =
  | { readonly runId: string; readonly effect: 'exited'; readonly criterionId: string }
  | { readonly runId: string; readonly effect: 'resumed'; readonly stepId: string }
  | { readonly runId: string; readonly effect: 'ignored'; readonly reason: string };

/** What one event does to one run: exit criteria first, then a matching wait-for-event step. */
export function eventMutation(
  snapshot: RunSnapshot,
  playbook: Playbook,
  event: RunEvent,
  now: number,
  memory: number,
): Mutation<EventEffect> {
  const { run } = snapshot;
  const ignore = (reason: string): Mutation<EventEffect> => ({ kind: 'skip', result: { runId: run.id, effect: 'ignored', reason } });
  if (run.profileId !== event.profileId) return ignore('other profile');
  if (run.status !== 'pending' && run.status !== 'running' && run.status !== 'waiting' && run.status !== 'failed')
    return ignore(`run is ${run.status}`);
  if (run.consumedEventIds.includes(event.id)) return ignore('event already consumed');
  const scope = buildScope(snapshot, event);

  const criterionId = matchingExitCriterion(snapshot, playbook, event);
  if (criterionId !== null) {
    const next = cloneSnapshot(snapshot);
    rememberEvent(next, event.id, memory);
    endRun(next, 'exited', { kind: 'exit_criteria', detail: criterionId }, now);
    return { kind: 'commit', next, wake: null, result: { runId: run.id, effect: 'exited', criterionId } };
  }

  if (run.cursor === null) return ignore('no current step');
  const step = findStep(playbook, run.cursor);
  const exec = currentExecution(snapshot);
  if (step?.kind !== 'wait' || step.wait.type !== 'event' || exec.status !== 'waiting') return ignore('not waiting for an event');
  if (!safeCondition(step.wait.match, scope)) return ignore('does not match the wait');

  const next = cloneSnapshot(snapshot);
  rememberEvent(next, event.id, memory);
  succeedStep(next, playbook, currentExecution(next), { timedOut: false, event: toJson(event) }, nextStepId(playbook, step.id), now);
  return {
    kind: 'commit',
    next,
    wake: { at: now, reason: `event ${event.type}` },
    result: { runId: run.id, effect: 'resumed', stepId: step.id },
  };
}

/**
 * Delivers an event to the profile's active runs: an exit criterion match ends a run (`exited`),
 * a wait-for-event match resumes it (its advance is scheduled). Redelivering the same event id is
 * a no-op. Events are not buffered: a wait only sees events that arrive while it is waiting.
 *
 * The list's snapshots are planned on as they were read (no second read of each run): a run that
 * changed since loses its commit's version check and is read afresh (mutateRun), so an event to a
 * run that ignores it costs the list alone.
 */
export async function deliverEvent(deps: EngineDeps, tenantId: string, event: RunEvent): Promise<EventEffect[]> {
  const runs = await deps.runs.listActiveForProfile(tenantId, event.profileId);
  return (await deliverEventToRuns(deps, tenantId, event, runs)).effects;
}

/**
 * deliverEvent to runs the caller has read already: the profile's active runs as committed snapshots
 * (e.g. read for many people in one statement, server/runs/runs.stage.ts), read AFTER the event was
 * stored — a run that began waiting after that read began after the event arrived, so, events not
 * being buffered, it has nothing to receive from it. A snapshot that is stale (the run changed since)
 * is caught by the commit's version check and the run read afresh; an event the stale snapshot
 * ignores writes nothing. An event to runs that ignore it costs no statement.
 *
 * The snapshots given are not modified. Answers the effects and, for each run, its snapshot as this
 * delivery left it (committed or read), in the same order, to hand to the person's next event; a run
 * found gone is left out.
 */
export async function deliverEventToRuns(
  deps: EngineDeps,
  tenantId: string,
  event: RunEvent,
  runs: readonly RunSnapshot[],
): Promise<{ readonly effects: EventEffect[]; readonly runs: RunSnapshot[] }> {
  const memory = engineOptions(deps).consumedEventMemory;
  const effects: EventEffect[] = [];
  const after: RunSnapshot[] = [];
  for (const listed of runs) {
    const outcome = await mutateRun(
      deps,
      tenantId,
      listed.run.id,
      (snapshot, playbook, now) => eventMutation(snapshot, playbook, event, now, memory),
      listed,
    );
    if (outcome === null) continue;
    effects.push(outcome.result);
    after.push(outcome.snapshot);
  }
  return { effects, runs: after };
}
