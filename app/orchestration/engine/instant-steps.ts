import { ENGINE_ERROR_CODES } from '../errors';
import type { JsonObject, JsonValue } from '../json';
import { evaluateCondition } from '../playbook/expression';
import { nextStepId } from '../playbook/playbook.graph';
import type { BranchStep, DecideStep, ExitStep, Playbook } from '../playbook/playbook.schema';
import type { RunSnapshot, StepExecution } from '../runs/run.types';
import { transitionStep } from '../runs/transitions';
import { completeAttempt } from './attempts';
import type { Plan } from './plan.types';
import { buildScope } from './scope';
import { cloneSnapshot, currentExecution, endRun, failStep, succeedStep } from './snapshot-ops';

/** The step after a branch when no case matches: `otherwise`, else the following step, else the end. */
function branchFallthrough(playbook: Playbook, step: BranchStep): string | null {
  if (step.otherwise !== undefined) return step.otherwise;
  const index = playbook.steps.findIndex((s) => s.id === step.id);
  return playbook.steps[index + 1]?.id ?? null;
}

/** Evaluates the cases in order; the first truthy one wins. */
export function planBranch(snapshot: RunSnapshot, playbook: Playbook, step: BranchStep, now: number): Plan {
  const next = cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  const scope = buildScope(snapshot);
  try {
    const index = step.branches.findIndex((b) => evaluateCondition(b.when, scope));
    const target = index >= 0 ? (step.branches[index]?.next ?? null) : branchFallthrough(playbook, step);
    exec.startedAt = now;
    succeedStep(next, playbook, exec, { matchedCase: index >= 0 ? index : null, next: target }, target, now);
  } catch (error) {
    failStep(
      next,
      exec,
      { code: ENGINE_ERROR_CODES.expressionFailed, message: `branch condition failed: ${String(error)}`, category: 'engine' },
      now,
    );
  }
  return { kind: 'commit', next, wake: null, release: false };
}

/** An exit step ends the run as completed, recording its reason. */
export function planExit(snapshot: RunSnapshot, step: ExitStep, now: number): Plan {
  const next = cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  transitionStep(exec, 'succeeded');
  exec.output = { reason: step.reason ?? null };
  exec.startedAt = now;
  exec.finishedAt = now;
  exec.updatedAt = now;
  next.run.cursor = null;
  endRun(next, 'completed', { kind: 'exit_step', detail: step.reason ?? step.id }, now);
  return { kind: 'commit', next, wake: null, release: false };
}

/**
 * A decide step's output (`steps.<id>.output`): the decision (id, action, the decider's reason and
 * explanation when given), whether its action was executed, and that action's result.
 */
export function decisionOutput(decision: JsonObject, executed: boolean, result: JsonValue): JsonObject {
  return {
    decisionId: decision['decisionId'] ?? null,
    action: decision['action'] ?? null,
    reason: decision['reason'] ?? null,
    ...(decision['explanation'] === undefined ? {} : { explanation: decision['explanation'] }),
    executed,
    result,
  };
}

/** A decide step whose decider proposed nothing to execute: done, continue at onNoAction (or next). */
export function completeDecideWithoutAction(
  snapshot: RunSnapshot,
  playbook: Playbook,
  step: DecideStep,
  exec: StepExecution,
  now: number,
): void {
  const decision: JsonObject = exec.decision ?? {};
  const hasAction = decision['action'] !== null && decision['action'] !== undefined;
  const target = hasAction ? nextStepId(playbook, step.id) : (step.onNoAction ?? nextStepId(playbook, step.id));
  completeAttempt(snapshot, playbook, exec, decisionOutput(decision, false, null), target, now);
}
