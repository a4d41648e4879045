import { toJson, type JsonObject } from '../json';
import { findStep, nextStepId, undeliverablePolicy } from '../playbook/playbook.graph';
import type { Playbook } from '../playbook/playbook.schema';
import type { ActionResult, DecideResult } from '../ports';
import type { RunSnapshot, StepExecution } from '../runs/run.types';
import { isUndeliverable } from '../errors';
import { completeAttempt, failAttempt, policyFor, undeliverableAttempt } from './attempts';
import { completeDecideWithoutAction, decisionOutput } from './instant-steps';
import type { Plan } from './plan.types';
import { transitionStep } from '../runs/transitions';
import { cloneSnapshot, currentExecution, setRunStatus } from './snapshot-ops';

/**
 * Applying a port's answer to the latest committed state. Returns null when the answer no longer
 * applies (the run was cancelled or exited meanwhile, or another invocation took the run over):
 * the answer is then dropped — the idempotency key makes any effect it reports unrepeatable.
 */
function runningStepHeldBy(snapshot: RunSnapshot, stepId: string, me: string): StepExecution | null {
  const { run } = snapshot;
  if (run.lease?.owner !== me || run.cursor !== stepId) return null;
  const exec = currentExecution(snapshot);
  return exec.status === 'running' ? exec : null;
}

export function applyActionResult(
  snapshot: RunSnapshot,
  playbook: Playbook,
  stepId: string,
  me: string,
  result: ActionResult,
  now: number,
): Plan | null {
  if (runningStepHeldBy(snapshot, stepId, me) === null) return null;
  const step = findStep(playbook, stepId);
  if (step === undefined || (step.kind !== 'action' && step.kind !== 'decide')) throw new Error(`step "${stepId}" does not call an action`);
  const next = cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  if (result.ok) {
    const output = step.kind === 'decide' ? decisionOutput(exec.decision ?? {}, true, result.output) : result.output;
    completeAttempt(next, playbook, exec, output, nextStepId(playbook, stepId), now);
    return { kind: 'commit', next, wake: null, release: false };
  }
  if (isUndeliverable(result.error)) {
    const error = { code: result.error.code, message: result.error.message, category: result.error.category };
    undeliverableAttempt(
      next,
      playbook,
      exec,
      error,
      undeliverablePolicy(playbook, step),
      nextStepId(playbook, stepId),
      now,
      step.kind === 'decide' ? decisionOutput(exec.decision ?? {}, false, null) : undefined,
    );
    return { kind: 'commit', next, wake: null, release: false };
  }
  const wake = failAttempt(next, exec, policyFor(playbook, step), result.error, now);
  return { kind: 'commit', next, wake, release: wake !== null };
}

export function applyDecision(
  snapshot: RunSnapshot,
  playbook: Playbook,
  stepId: string,
  me: string,
  result: DecideResult,
  now: number,
): Plan | null {
  if (runningStepHeldBy(snapshot, stepId, me) === null) return null;
  const step = findStep(playbook, stepId);
  if (step?.kind !== 'decide') throw new Error(`step "${stepId}" is not a decide step`);
  const next = cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  const decision = toJson({
    decisionId: result.decisionId,
    action: result.action,
    reason: result.reason ?? null,
    ...(result.explanation === undefined ? {} : { explanation: result.explanation }),
  }) as JsonObject;
  exec.decision = decision;
  exec.updatedAt = now;
  if (result.action === null || result.action.channel === 'none') {
    completeDecideWithoutAction(next, playbook, step, exec, now);
  } else {
    const input = exec.input !== null && typeof exec.input === 'object' && !Array.isArray(exec.input) ? exec.input : {};
    exec.input = { ...input, action: toJson(result.action) };
    if (result.notBefore !== undefined && result.notBefore > now) {
      // Not yet (quiet hours): park the step until the window opens. The wait is not an attempt —
      // the attempt that performs the action starts at the wake-up, with the step's same key.
      transitionStep(exec, 'retrying');
      exec.attempt -= 1;
      exec.dueAt = result.notBefore;
      exec.input = { ...exec.input, notBefore: result.notBefore };
      setRunStatus(next, 'waiting', now, 'time_window');
      return {
        kind: 'commit',
        next,
        wake: { at: result.notBefore, reason: `step "${stepId}" deferred until its delivery window opens` },
        release: true,
      };
    }
  }
  return { kind: 'commit', next, wake: null, release: false };
}
