import { findStep } from '../playbook/playbook.graph';
import type { Playbook } from '../playbook/playbook.schema';
import { isRunTerminal, type RunSnapshot } from '../runs/run.types';
import { abandonAttempt, policyFor, type Wake } from './attempts';
import type { AdvanceOutcome } from './plan.types';
import { cloneSnapshot, currentExecution } from './snapshot-ops';

export type ClaimPlan =
  | { readonly kind: 'stop'; readonly outcome: AdvanceOutcome }
  /** Another invocation holds a live lease: come back when it expires. */
  | { readonly kind: 'busy'; readonly wake: Wake }
  /** Nothing is due yet: re-arm the wake-up (cheap insurance against early deliveries) and leave. */
  | { readonly kind: 'idle'; readonly wake: Wake | null }
  | { readonly kind: 'claim'; readonly next: RunSnapshot };

/**
 * Whether this invocation should take the run. A claim sets the lease; if the previous holder died
 * while a step's port call was in flight (step still `running`, lease expired), that attempt is
 * recorded as abandoned and goes through the retry policy — its idempotency key is reused, so an
 * effect that did land is not repeated.
 */
export function planClaim(snapshot: RunSnapshot, playbook: Playbook, now: number, me: string, leaseMs: number): ClaimPlan {
  const { run } = snapshot;
  if (isRunTerminal(run.status)) return { kind: 'stop', outcome: run.status as AdvanceOutcome };
  if (run.status === 'failed') return { kind: 'stop', outcome: 'failed' };
  if (run.lease !== null && run.lease.owner !== me && run.lease.expiresAt > now) {
    return { kind: 'busy', wake: { at: run.lease.expiresAt, reason: 'lease expiry' } };
  }
  const exec = currentExecution(snapshot);
  const notDue = (exec.status === 'waiting' || exec.status === 'retrying') && exec.dueAt !== null && exec.dueAt > now;
  if (run.status !== 'pending' && notDue) return { kind: 'idle', wake: exec.dueAt === null ? null : { at: exec.dueAt, reason: 're-arm' } };
  if (run.status !== 'pending' && exec.status === 'waiting' && exec.dueAt === null) return { kind: 'idle', wake: null };

  const next = cloneSnapshot(snapshot);
  next.run.lease = { owner: me, expiresAt: now + leaseMs };
  next.run.wakeAt = null;
  next.run.updatedAt = now;
  const current = currentExecution(next);
  if (current.status === 'running') {
    const step = findStep(playbook, current.stepId);
    if (step === undefined || (step.kind !== 'action' && step.kind !== 'decide')) {
      throw new Error(`run ${run.id}: step "${current.stepId}" is running but does not call a port`);
    }
    abandonAttempt(next, current, policyFor(playbook, step), now);
  }
  return { kind: 'claim', next };
}
