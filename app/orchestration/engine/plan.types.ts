import type { JsonObject } from '../json';
import type { ActionRequest, DecideMeta } from '../ports';
import type { RunSnapshot } from '../runs/run.types';
import type { Wake } from './attempts';

/** What an advance invocation ended with. */
export type AdvanceOutcome =
  | 'not_found'
  | 'busy' // another live invocation holds the run; re-armed for its lease expiry
  | 'idle' // waiting for time, an event or an approval; wake-up scheduled if timed
  | 'yielded' // hit maxTransitionsPerInvocation; an immediate wake-up was scheduled
  | 'completed'
  | 'exited'
  | 'cancelled'
  | 'failed';

/** One decision of the pure planner; the interpreter (advance-run.ts) carries it out. */
export type Plan =
  /** Commit `next`. With `release`, the lease is dropped and the invocation ends after the commit. */
  | { readonly kind: 'commit'; readonly next: RunSnapshot; readonly wake: Wake | null; readonly release: boolean }
  | { readonly kind: 'call_action'; readonly request: ActionRequest }
  | { readonly kind: 'call_decider'; readonly profileId: string; readonly context: JsonObject; readonly meta: DecideMeta }
  | { readonly kind: 'stop'; readonly outcome: AdvanceOutcome };

export interface PlanContext {
  readonly now: number;
  readonly me: string;
  readonly leaseMs: number;
  /**
   * The snapshot is the caller's own uncommitted copy (advance-run's fold): the planner may change it
   * in place instead of cloning it first. Never set for a committed snapshot.
   */
  readonly owned?: boolean;
}
