import { ENGINE_ERROR_CODES } from '../errors';
import { isJsonObject, type JsonObject } from '../json';
import { CHANNEL_TO_ACTION_KIND, isDecisionChannel } from '../playbook/action-kinds';
import { localizeParams, scopeLanguage } from '../playbook/localize';
import { resolveParams } from '../playbook/params';
import { findStep } from '../playbook/playbook.graph';
import type { Playbook, Step } from '../playbook/playbook.schema';
import { isRunTerminal, type RunSnapshot, type StepExecution } from '../runs/run.types';
import { beginAttempt } from './attempts';
import { planBranch, planExit } from './instant-steps';
import type { Plan, PlanContext } from './plan.types';
import { buildScope } from './scope';
import { cloneSnapshot, currentExecution, failStep, setRunStatus } from './snapshot-ops';
import { planWaitElapsed, planWaitStart } from './wait-steps';

/**
 * The pure heart of the engine: given the committed state of a run whose lease this invocation
 * holds, decide the single next thing to do. No I/O, no clock reads: `ctx.now` is passed in.
 */
export function planNext(snapshot: RunSnapshot, playbook: Playbook, ctx: PlanContext): Plan {
  const { run } = snapshot;
  if (isRunTerminal(run.status)) return { kind: 'stop', outcome: run.status as 'completed' | 'exited' | 'cancelled' };
  if (run.status === 'failed') return { kind: 'stop', outcome: 'failed' };
  const exec = currentExecution(snapshot);
  const step = findStep(playbook, exec.stepId);
  if (step === undefined) throw new Error(`run ${run.id}: step "${exec.stepId}" is not in playbook ${playbook.id} v${playbook.version}`);

  if (run.status === 'pending') {
    const next = ctx.owned === true ? snapshot : cloneSnapshot(snapshot);
    setRunStatus(next, 'running', ctx.now);
    return { kind: 'commit', next, wake: null, release: false };
  }

  switch (exec.status) {
    case 'scheduled':
      return planStart(snapshot, playbook, step, ctx);
    case 'retrying':
      if (exec.dueAt !== null && exec.dueAt > ctx.now) return idleUntil(snapshot, exec.dueAt, 'retry backoff');
      return planAttempt(snapshot, ctx, exec.stepId);
    case 'running':
      return planCall(snapshot, step, exec);
    case 'waiting':
      if (exec.dueAt !== null && exec.dueAt > ctx.now) return idleUntil(snapshot, exec.dueAt, `wait "${exec.stepId}"`);
      return planWaitElapsed(snapshot, playbook, step, ctx.now);
    case 'succeeded':
    case 'failed':
    case 'cancelled':
    case 'undeliverable':
      throw new Error(`run ${run.id} is ${run.status} but its current step "${exec.stepId}" is ${exec.status}`);
  }
}

/** Nothing to do before `at`: drop the lease and (re-)arm the wake-up. */
function idleUntil(snapshot: RunSnapshot, at: number, reason: string): Plan {
  return { kind: 'commit', next: cloneSnapshot(snapshot), wake: { at, reason }, release: true };
}

function planStart(snapshot: RunSnapshot, playbook: Playbook, step: Step, ctx: PlanContext): Plan {
  switch (step.kind) {
    case 'action':
    case 'decide': {
      const next = ctx.owned === true ? snapshot : cloneSnapshot(snapshot);
      const exec = currentExecution(next);
      try {
        const scope = buildScope(snapshot);
        const params =
          step.kind === 'action' ? localizeParams(step.action.params, step.action.localized, scopeLanguage(scope)).params : step.context;
        const resolved = resolveParams(params, scope);
        exec.input = step.kind === 'action' ? resolved : { context: resolved };
      } catch (error) {
        failStep(
          next,
          exec,
          { code: ENGINE_ERROR_CODES.expressionFailed, message: `could not resolve parameters: ${String(error)}`, category: 'engine' },
          ctx.now,
        );
        return { kind: 'commit', next, wake: null, release: false };
      }
      return planAttempt(next, ctx, exec.stepId, true);
    }
    case 'wait':
      return planWaitStart(snapshot, playbook, step, ctx.now);
    case 'branch':
      return planBranch(snapshot, playbook, step, ctx.now);
    case 'exit':
      return planExit(snapshot, step, ctx.now);
  }
}

/**
 * How much of a lease may already have run when an attempt begins under it without renewing it: a
 * twentieth (3 s of the default 60 s). The consecutive steps of a run that advances until blocked
 * then usually begin under the lease their invocation's claim took, so their commits leave the
 * run's lease (an indexed column) as it is and PostgreSQL can write them as HOT updates. A port call
 * still has at least 95% of `leaseMs` (ports must time out well within it).
 */
export const leaseRenewSlackMs = (leaseMs: number): number => Math.floor(leaseMs / 20);

/** Start an attempt and renew the lease so it covers the port call (unless this invocation's lease nearly does: leaseRenewSlackMs). */
function planAttempt(snapshot: RunSnapshot, ctx: PlanContext, stepId: string, alreadyCloned = false): Plan {
  const next = alreadyCloned || ctx.owned === true ? snapshot : cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  if (exec.stepId !== stepId) throw new Error(`cursor moved from "${stepId}" to "${exec.stepId}"`);
  beginAttempt(next, exec, ctx.now);
  const held = next.run.lease;
  if (held === null || held.owner !== ctx.me || held.expiresAt < ctx.now + ctx.leaseMs - leaseRenewSlackMs(ctx.leaseMs))
    next.run.lease = { owner: ctx.me, expiresAt: ctx.now + ctx.leaseMs };
  return { kind: 'commit', next, wake: null, release: false };
}

/** The step is running under this invocation's lease: make (or finish) its port call. */
function planCall(snapshot: RunSnapshot, step: Step, exec: StepExecution): Plan {
  const { run } = snapshot;
  const key = exec.idempotencyKey;
  if (key === null) throw new Error(`run ${run.id}: running step "${exec.stepId}" has no idempotency key`);
  if (step.kind === 'action') {
    const params = isJsonObject(exec.input) ? exec.input : {};
    return {
      kind: 'call_action',
      request: {
        tenantId: run.tenantId,
        runId: run.id,
        stepId: exec.stepId,
        profileId: run.profileId,
        kind: step.action.type,
        params,
        idempotencyKey: key,
        attempt: exec.attempt,
      },
    };
  }
  if (step.kind !== 'decide') throw new Error(`run ${run.id}: a ${step.kind} step cannot be running`);
  if (exec.decision === null) {
    const input = isJsonObject(exec.input) && isJsonObject(exec.input['context']) ? exec.input['context'] : {};
    return {
      kind: 'call_decider',
      profileId: run.profileId,
      context: { ...run.context, ...input },
      meta: { tenantId: run.tenantId, runId: run.id, stepId: exec.stepId, idempotencyKey: key },
    };
  }
  const action = exec.decision['action'];
  const channel = isJsonObject(action) ? action['channel'] : null;
  const kind = typeof channel === 'string' && isDecisionChannel(channel) ? CHANNEL_TO_ACTION_KIND[channel] : null;
  // A decision without an executable action completes the step in the same commit that records it.
  if (kind === null) throw new Error(`run ${run.id}: step "${exec.stepId}" is running with a decision that has nothing to execute`);
  return {
    kind: 'call_action',
    request: {
      tenantId: run.tenantId,
      runId: run.id,
      stepId: exec.stepId,
      profileId: run.profileId,
      kind,
      params: decidedParams(exec.decision),
      idempotencyKey: key,
      attempt: exec.attempt,
    },
  };
}

/** Params for the action a decide step runs: the catalog action's params plus its identity. */
export function decidedParams(decision: JsonObject): JsonObject {
  const action = decision['action'];
  if (!isJsonObject(action)) return {};
  const params = isJsonObject(action['params']) ? action['params'] : {};
  return { ...params, actionId: action['id'] ?? null, actionLabel: action['label'] ?? null, decisionId: decision['decisionId'] ?? null };
}
