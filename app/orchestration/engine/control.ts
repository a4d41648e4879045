import { errorProvesNoEffect } from '../errors';
import { findStep, nextStepId } from '../playbook/playbook.graph';
import type { RunSnapshot } from '../runs/run.types';
import { transitionStep } from '../runs/transitions';
import type { EngineDeps } from './engine-deps';
import { mutateRun, type Mutation } from './mutate-run';
import { cloneSnapshot, currentExecution, endRun, setRunStatus, succeedStep } from './snapshot-ops';

export type ControlResult =
  | { readonly ok: true; readonly snapshot: RunSnapshot; readonly alreadyApplied: boolean }
  | {
      readonly ok: false;
      readonly code: 'run_not_found' | 'run_not_failed' | 'run_already_ended' | 'not_awaiting_approval';
      readonly message: string;
      readonly snapshot?: RunSnapshot;
    };

type Verdict =
  | { readonly ok: true; readonly alreadyApplied: boolean }
  | { readonly ok: false; readonly code: Exclude<ControlResult, { ok: true }>['code']; readonly message: string };

async function control(
  deps: EngineDeps,
  tenantId: string,
  runId: string,
  mutate: Parameters<typeof mutateRun<Verdict>>[3],
): Promise<ControlResult> {
  const outcome = await mutateRun<Verdict>(deps, tenantId, runId, mutate);
  if (outcome === null) return { ok: false, code: 'run_not_found', message: `no run ${runId}` };
  const { result, snapshot } = outcome;
  return result.ok ? { ok: true, snapshot, alreadyApplied: result.alreadyApplied } : { ...result, snapshot };
}

/**
 * Re-runs a failed run from its failed step. Completed steps are not re-executed and keep their
 * outputs; the failed step starts again with a fresh attempt budget. Its idempotency key changes
 * only if the last error proves the effect was not applied (see runs/idempotency.ts).
 */
export function resumeRun(deps: EngineDeps, tenantId: string, runId: string): Promise<ControlResult> {
  return control(deps, tenantId, runId, (snapshot, _playbook, now): Mutation<Verdict> => {
    if (snapshot.run.status !== 'failed') {
      return {
        kind: 'skip',
        result: { ok: false, code: 'run_not_failed', message: `run ${runId} is ${snapshot.run.status}; only failed runs can be resumed` },
      };
    }
    const next = cloneSnapshot(snapshot);
    const exec = currentExecution(next);
    // The failed step, or an undeliverable one whose policy was `fail`: either is tried again.
    const bumpKey = exec.error !== null && errorProvesNoEffect(exec.error);
    // An undeliverable step's output only said why nothing was sent; the retried step writes its own.
    if (exec.status === 'undeliverable') exec.output = null;
    transitionStep(exec, 'scheduled');
    exec.attempt = 0;
    exec.rateLimitWaits = 0;
    exec.error = null;
    exec.dueAt = null;
    exec.finishedAt = null;
    exec.updatedAt = now;
    if (bumpKey) {
      exec.keyGeneration += 1;
      exec.idempotencyKey = null;
    }
    setRunStatus(next, 'running', now);
    next.run.error = null;
    next.run.resumeCount += 1;
    return { kind: 'commit', next, wake: { at: now, reason: 'resume' }, result: { ok: true, alreadyApplied: false } };
  });
}

/** Cancels a run that has not ended. Cancelling a cancelled run is a no-op success. */
export function cancelRun(deps: EngineDeps, tenantId: string, runId: string, reason = 'cancelled'): Promise<ControlResult> {
  return control(deps, tenantId, runId, (snapshot, _playbook, now): Mutation<Verdict> => {
    const { status } = snapshot.run;
    if (status === 'cancelled') return { kind: 'skip', result: { ok: true, alreadyApplied: true } };
    if (status === 'completed' || status === 'exited') {
      return { kind: 'skip', result: { ok: false, code: 'run_already_ended', message: `run ${runId} already ${status}` } };
    }
    const next = cloneSnapshot(snapshot);
    endRun(next, 'cancelled', { kind: 'cancelled', detail: reason }, now);
    return { kind: 'commit', next, wake: null, result: { ok: true, alreadyApplied: false } };
  });
}

export interface ApprovalInput {
  readonly stepId: string;
  readonly decision: 'approved' | 'rejected';
  readonly actor?: string;
  readonly comment?: string;
}

/** Records a human decision on a wait-for-approval step; rejected goes to `onRejected` if set. */
export function submitApproval(deps: EngineDeps, tenantId: string, runId: string, input: ApprovalInput): Promise<ControlResult> {
  return control(deps, tenantId, runId, (snapshot, playbook, now): Mutation<Verdict> => {
    const { run } = snapshot;
    const step = findStep(playbook, input.stepId);
    const exec = snapshot.steps.find((s) => s.stepId === input.stepId);
    if (step?.kind !== 'wait' || step.wait.type !== 'approval') {
      return {
        kind: 'skip',
        result: { ok: false, code: 'not_awaiting_approval', message: `step "${input.stepId}" is not an approval step` },
      };
    }
    if (exec?.status === 'succeeded') {
      const output = exec.output;
      const same = typeof output === 'object' && output !== null && !Array.isArray(output) && output['decision'] === input.decision;
      return same
        ? { kind: 'skip', result: { ok: true, alreadyApplied: true } }
        : {
            kind: 'skip',
            result: { ok: false, code: 'not_awaiting_approval', message: `step "${input.stepId}" was already decided or timed out` },
          };
    }
    if (run.cursor !== input.stepId || exec?.status !== 'waiting') {
      return {
        kind: 'skip',
        result: { ok: false, code: 'not_awaiting_approval', message: `run ${runId} is not waiting for approval at "${input.stepId}"` },
      };
    }
    const next = cloneSnapshot(snapshot);
    const target = input.decision === 'rejected' ? (step.wait.onRejected ?? nextStepId(playbook, step.id)) : nextStepId(playbook, step.id);
    const output = { timedOut: false, decision: input.decision, actor: input.actor ?? null, comment: input.comment ?? null };
    succeedStep(next, playbook, currentExecution(next), output, target, now);
    return { kind: 'commit', next, wake: { at: now, reason: `approval ${input.decision}` }, result: { ok: true, alreadyApplied: false } };
  });
}
