import { mergePatch } from '../../shared/json-merge-patch';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { evaluateCondition } from '../playbook/expression';
import type { Playbook } from '../playbook/playbook.schema';
import { isRunActive, type RunSnapshot } from '../runs/run.types';
import type { EngineDeps } from './engine-deps';
import { mutateRun, type Mutation } from './mutate-run';
import { buildScope, type RunEvent } from './scope';
import { cloneSnapshot, endRun } from './snapshot-ops';

export type ContextChangeResult =
  | { readonly ok: true; readonly effect: 'updated' | 'unchanged'; readonly snapshot: RunSnapshot }
  | { readonly ok: true; readonly effect: 'exited'; readonly criterionId: string; readonly snapshot: RunSnapshot }
  | { readonly ok: false; readonly code: 'run_not_found' | 'run_already_ended'; readonly message: string; readonly snapshot?: RunSnapshot };

type Verdict =
  { readonly effect: 'updated' | 'unchanged' } | { readonly effect: 'exited'; readonly criterionId: string } | { readonly effect: 'ended' };

/** A condition that cannot be evaluated does not match. */
export function safeCondition(expression: JsonValue, scope: JsonValue): boolean {
  try {
    return evaluateCondition(expression, scope);
  } catch {
    return false;
  }
}

/** The first exit criterion that holds for the run (with the event in scope when there is one), if any. */
export function matchingExitCriterion(snapshot: RunSnapshot, playbook: Playbook, event?: RunEvent): string | null {
  const scope = buildScope(snapshot, event);
  return playbook.exitCriteria.find((c) => safeCondition(c.when, scope))?.id ?? null;
}

/** Applies a context patch to an unfinished run; ends it (`exited`) when an exit criterion now holds. */
export function contextMutation(snapshot: RunSnapshot, playbook: Playbook, patch: JsonObject, now: number): Mutation<Verdict> {
  const { run } = snapshot;
  if (!isRunActive(run.status)) return { kind: 'skip', result: { effect: 'ended' } };
  const merged = mergePatch(run.context, patch);
  const context = isJsonObject(merged) ? merged : {};
  const changed = JSON.stringify(context) !== JSON.stringify(run.context);
  const next = cloneSnapshot(snapshot);
  next.run.context = context;
  const criterionId = matchingExitCriterion(next, playbook);
  if (criterionId !== null) {
    endRun(next, 'exited', { kind: 'exit_criteria', detail: criterionId }, now);
    return { kind: 'commit', next, wake: null, result: { effect: 'exited', criterionId } };
  }
  if (!changed) return { kind: 'skip', result: { effect: 'unchanged' } };
  next.run.updatedAt = now;
  return { kind: 'commit', next, wake: null, result: { effect: 'updated' } };
}

/**
 * "Exit criteria and cancellation when context changes": merges `patch` (JSON Merge Patch) into the
 * run's context — what later steps read as `context.*` — and re-evaluates the playbook's exit
 * criteria against it. A criterion that now holds ends the run as `exited` (an in-flight port
 * answer is then dropped; a pending wake-up finds the run ended and does nothing). Completed steps,
 * their outputs and the pinned playbook version are untouched. A run that has ended is refused.
 * `preloaded`: a committed snapshot of the run the caller already read, planned on first (mutateRun).
 */
export async function updateRunContext(
  deps: EngineDeps,
  tenantId: string,
  runId: string,
  patch: JsonObject,
  preloaded?: RunSnapshot,
): Promise<ContextChangeResult> {
  const outcome = await mutateRun<Verdict>(
    deps,
    tenantId,
    runId,
    (snapshot, playbook, now) => contextMutation(snapshot, playbook, patch, now),
    preloaded,
  );
  if (outcome === null) return { ok: false, code: 'run_not_found', message: `no run ${runId}` };
  const { result, snapshot } = outcome;
  switch (result.effect) {
    case 'ended':
      return {
        ok: false,
        code: 'run_already_ended',
        message: `run ${runId} already ${snapshot.run.status}; its context can no longer change`,
        snapshot,
      };
    case 'exited':
      return { ok: true, effect: 'exited', criterionId: result.criterionId, snapshot };
    default:
      return { ok: true, effect: result.effect, snapshot };
  }
}

/**
 * Applies a context patch to every unfinished run of a profile (e.g. its CRM record changed),
 * planning on the listed snapshots (a run changed since is read afresh: mutateRun).
 */
export async function updateProfileRunsContext(
  deps: EngineDeps,
  tenantId: string,
  profileId: string,
  patch: JsonObject,
): Promise<ContextChangeResult[]> {
  const runs = await deps.runs.listActiveForProfile(tenantId, profileId);
  const results: ContextChangeResult[] = [];
  for (const listed of runs) results.push(await updateRunContext(deps, tenantId, listed.run.id, patch, listed));
  return results;
}
