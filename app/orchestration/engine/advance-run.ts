import type { Playbook } from '../playbook/playbook.schema';
import type { WakeRequest } from '../ports';
import { findExecution, type Run, type RunSnapshot } from '../runs/run.types';
import type { Wake } from './attempts';
import { applyActionResult, applyDecision } from './call-outcomes';
import { planClaim } from './claim';
import { engineOptions, RunContentionError, type EngineDeps } from './engine-deps';
import { pinnedPlaybook } from './pinned-playbooks';
import type { AdvanceOutcome, Plan } from './plan.types';

type CommitPlan = Extract<Plan, { kind: 'commit' }>;
import { planNext } from './planner';
import { cloneSnapshot } from './snapshot-ops';

export interface AdvanceResult {
  readonly outcome: AdvanceOutcome;
  readonly run: Run | null;
}

/** The (immutable) playbook version the run is pinned to, read once per process (pinned-playbooks.ts). */
export function loadPinnedPlaybook(deps: EngineDeps, run: Run): Promise<Playbook> {
  return pinnedPlaybook(deps.playbooks, run);
}

/** The port-level wake-up for an engine `Wake` (undefined when there is none). */
export const wakeRequest = (tenantId: string, runId: string, wake: Wake | null): WakeRequest | undefined =>
  wake === null ? undefined : { tenantId, runId, at: wake.at, reason: wake.reason };

/** The current step is `running`: an attempt was begun (and committed) whose call has not been answered yet. */
const attemptBegun = (snapshot: RunSnapshot): boolean =>
  snapshot.run.cursor !== null && findExecution(snapshot, snapshot.run.cursor)?.status === 'running';

const outcomeOf = (run: Run): AdvanceOutcome =>
  run.status === 'completed' || run.status === 'exited' || run.status === 'cancelled' || run.status === 'failed' ? run.status : 'idle';

/**
 * "Advance run R": the one entry point the dispatcher calls (on a wake-up, after an event, after a
 * start or resume). Safe to call any number of times, concurrently, and after a crash at any line:
 * - a lease gives one invocation the run at a time; others back off until it expires;
 * - every change is an optimistic-concurrency commit; a lost race reloads and re-plans;
 * - a wake-up a change needs is recorded atomically with that change (never before it is durable);
 *   only re-arms for already-committed state (busy, early delivery) go to the Scheduler directly;
 * - port calls carry idempotency keys, so re-executing a call after a crash has no second effect.
 * Throws only for bugs, store failures and crashes; the dispatcher retries the invocation.
 */
export async function advanceRun(
  deps: EngineDeps,
  tenantId: string,
  runId: string,
  preloaded?: RunSnapshot | null,
): Promise<AdvanceResult> {
  const options = engineOptions(deps);
  const me = deps.ids.newId('adv');
  const began = deps.clock.now();
  // `preloaded`: the run as a batch read it just before (null: it does not exist); a stale one only costs a lost race and a reload.
  const loaded = preloaded === undefined ? await deps.runs.load(tenantId, runId) : preloaded;
  if (loaded === null) return { outcome: 'not_found', run: null };
  let snapshot: RunSnapshot = loaded;
  const playbook = await loadPinnedPlaybook(deps, snapshot.run);
  let conflicts = 0;

  const reload = async (): Promise<boolean> => {
    conflicts += 1;
    if (conflicts > options.maxConflicts) throw new RunContentionError(runId, conflicts);
    const fresh = await deps.runs.load(tenantId, runId);
    if (fresh === null) return false;
    snapshot = fresh;
    return true;
  };

  /**
   * Commits `next` with the wake-up it needs, atomically (RunStore contract item 6): the wake-up is
   * recorded in the commit's transaction and delivered only once the state it wakes for is durable.
   * Returns false on a lost race (then nothing, not even the wake-up, was recorded).
   */
  const commit = async (next: RunSnapshot, wake: Wake | null, release: boolean): Promise<boolean> => {
    if (release) {
      next.run.lease = null;
      next.run.wakeAt = wake?.at ?? null;
    } else if (wake !== null) {
      next.run.wakeAt = wake.at;
    }
    // `snapshot` is the committed state `next` was planned from: the store writes only what changed.
    const result = await deps.runs.commit(next, snapshot.run.version, wakeRequest(tenantId, runId, wake), snapshot);
    if (!result.ok) return false;
    next.run.version = result.version;
    snapshot = next;
    return true;
  };

  /**
   * Folds the state changes that follow `plan` without any I/O — entering the next step, leaving
   * `pending`, evaluating a branch, starting the next attempt — into the same commit, at most
   * `budget` of them. Stops before a port call and after a plan that releases the run or needs a
   * wake-up. Safe for exactly-once because only the final state is persisted and the commit that
   * precedes every port call still records the step `running` with its idempotency key.
   */
  const fold = (plan: CommitPlan, budget: number): { plan: CommitPlan; folded: number } => {
    let current = plan;
    let folded = 0;
    while (!current.release && current.wake === null && folded < budget) {
      // `current.next` is this fold's own uncommitted copy: planned on in place, not cloned again.
      const following = planNext(current.next, playbook, { now: deps.clock.now(), me, leaseMs: options.leaseMs, owned: true });
      if (following.kind !== 'commit') break;
      current = following;
      folded += 1;
    }
    return { plan: current, folded };
  };

  /** State changes still allowed to fold into a commit: none once the time bound is reached (the next step then starts in a new invocation). */
  const budget = (used: number): number =>
    deps.clock.now() - began >= options.maxInvocationMs ? 0 : Math.max(0, options.maxTransitionsPerInvocation - used);

  // 1. Claim the run (with the state changes that follow the claim at once).
  let transitions: number;
  for (;;) {
    const claim = planClaim(snapshot, playbook, deps.clock.now(), me, options.leaseMs);
    if (claim.kind === 'stop') return { outcome: claim.outcome, run: snapshot.run };
    if (claim.kind === 'busy' || claim.kind === 'idle') {
      if (claim.wake !== null) await deps.scheduler.wakeAt({ tenantId, runId, at: claim.wake.at, reason: claim.wake.reason });
      return { outcome: claim.kind === 'busy' ? 'busy' : 'idle', run: snapshot.run };
    }
    const { plan: claimed, folded } = fold(
      { kind: 'commit', next: claim.next, wake: null, release: false },
      options.maxTransitionsPerInvocation,
    );
    if (await commit(claimed.next, claimed.wake, claimed.release)) {
      if (claimed.release) return { outcome: outcomeOf(snapshot.run), run: snapshot.run };
      transitions = folded;
      break;
    }
    if (!(await reload())) return { outcome: 'not_found', run: null };
  }

  // 2. Step through the run while this invocation holds it.
  for (; ; transitions += 1) {
    if (snapshot.run.lease?.owner !== me)
      return { outcome: outcomeOf(snapshot.run) === 'idle' ? 'busy' : outcomeOf(snapshot.run), run: snapshot.run };
    const now = deps.clock.now();
    // Run until blocked, but bounded: past maxTransitionsPerInvocation state changes or
    // maxInvocationMs, the run is handed back to the queue (released with an immediate wake-up), so
    // one long run cannot hold a worker slot while others wait. An attempt this invocation has
    // already begun (committed `running`, not yet called) is called first: released, it would be
    // taken for an abandoned attempt.
    const yielding =
      (transitions >= options.maxTransitionsPerInvocation || now - began >= options.maxInvocationMs) && !attemptBegun(snapshot);
    let plan: Plan | null = yielding
      ? { kind: 'commit', next: cloneSnapshot(snapshot), wake: { at: now, reason: 'yield' }, release: true }
      : planNext(snapshot, playbook, { now, me, leaseMs: options.leaseMs });

    if (plan.kind === 'stop') return { outcome: plan.outcome, run: snapshot.run };

    if (plan.kind === 'call_action' || plan.kind === 'call_decider') {
      const stepId = plan.kind === 'call_action' ? plan.request.stepId : plan.meta.stepId;
      const apply =
        plan.kind === 'call_action'
          ? await deps.actions
              .execute(plan.request)
              .then((result) => (s: RunSnapshot) => applyActionResult(s, playbook, stepId, me, result, deps.clock.now()))
          : await deps.decider
              .decide(plan.profileId, plan.context, plan.meta)
              .then((result) => (s: RunSnapshot) => applyDecision(s, playbook, stepId, me, result, deps.clock.now()));
      // Apply the answer to the latest state (with what follows it at once); after a lost race, reload and try again.
      for (;;) {
        plan = apply(snapshot);
        if (plan === null || plan.kind !== 'commit') break;
        const { plan: folded, folded: count } = fold(plan, budget(transitions));
        plan = folded;
        if (await commit(plan.next, plan.wake, plan.release)) {
          transitions += count;
          break;
        }
        if (!(await reload())) return { outcome: 'not_found', run: null };
      }
      if (plan === null) return { outcome: outcomeOf(snapshot.run) === 'idle' ? 'busy' : outcomeOf(snapshot.run), run: snapshot.run };
      if (plan.kind === 'commit' && plan.release) return { outcome: outcomeOf(snapshot.run), run: snapshot.run };
      continue;
    }

    const { plan: folded, folded: count } = yielding ? { plan, folded: 0 } : fold(plan, budget(transitions + 1));
    if (await commit(folded.next, folded.wake, folded.release)) {
      transitions += count;
      if (folded.release) return { outcome: yielding ? 'yielded' : outcomeOf(snapshot.run), run: snapshot.run };
    } else if (!(await reload())) {
      return { outcome: 'not_found', run: null };
    }
  }
}
