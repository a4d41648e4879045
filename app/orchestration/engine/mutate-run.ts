import type { Playbook } from '../playbook/playbook.schema';
import type { RunSnapshot } from '../runs/run.types';
import type { Wake } from './attempts';
import { loadPinnedPlaybook, wakeRequest } from './advance-run';
import { engineOptions, RunContentionError, type EngineDeps } from './engine-deps';

export type Mutation<R> =
  | { readonly kind: 'skip'; readonly result: R }
  | { readonly kind: 'commit'; readonly next: RunSnapshot; readonly wake: Wake | null; readonly result: R };

/**
 * Read-modify-write of one run outside an advance invocation (events, approvals, resume, cancel).
 * `mutate` is pure and re-run after every lost optimistic-concurrency race. A needed wake-up is
 * recorded atomically with the commit (delivered only once it is durable). Returns null if the run
 * does not exist.
 *
 * `preloaded`, when given, is a committed snapshot of this run the caller already read (e.g. the
 * list of a profile's active runs): the first try plans on it instead of loading the run again. It
 * may be stale; the commit's version check then loses and the run is loaded afresh, as after any
 * lost race. `mutate` must not modify it (it clones what it changes, as every mutation here does).
 */
export async function mutateRun<R>(
  deps: EngineDeps,
  tenantId: string,
  runId: string,
  mutate: (snapshot: RunSnapshot, playbook: Playbook, now: number) => Mutation<R>,
  preloaded?: RunSnapshot,
): Promise<{ readonly result: R; readonly snapshot: RunSnapshot } | null> {
  const options = engineOptions(deps);
  let playbook: Playbook | null = null;
  for (let conflicts = 0; conflicts <= options.maxConflicts; conflicts += 1) {
    const snapshot = conflicts === 0 && preloaded !== undefined ? preloaded : await deps.runs.load(tenantId, runId);
    if (snapshot === null) return null;
    playbook ??= await loadPinnedPlaybook(deps, snapshot.run);
    const mutation = mutate(snapshot, playbook, deps.clock.now());
    if (mutation.kind === 'skip') return { result: mutation.result, snapshot };
    if (mutation.wake !== null) mutation.next.run.wakeAt = mutation.wake.at;
    const committed = await deps.runs.commit(mutation.next, snapshot.run.version, wakeRequest(tenantId, runId, mutation.wake), snapshot);
    if (committed.ok) {
      mutation.next.run.version = committed.version;
      return { result: mutation.result, snapshot: mutation.next };
    }
    if (committed.reason === 'not_found') return null;
  }
  throw new RunContentionError(runId, options.maxConflicts + 1);
}
