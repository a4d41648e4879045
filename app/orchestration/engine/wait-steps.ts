import { nextStepId } from '../playbook/playbook.graph';
import type { Playbook, Step, WaitStep } from '../playbook/playbook.schema';
import { nextWindowOpening } from '../playbook/time-window';
import type { RunSnapshot } from '../runs/run.types';
import { transitionStep } from '../runs/transitions';
import type { Plan } from './plan.types';
import { cloneSnapshot, currentExecution, setRunStatus, succeedStep } from './snapshot-ops';
import { WAIT_REASON, recipientTimeZone, waitDeadline } from './wait-logic';

const asWait = (step: Step): WaitStep => {
  if (step.kind !== 'wait') throw new Error(`step "${step.id}" is a ${step.kind} step, not a wait`);
  return step;
};

/** Starts a wait: park the run until the deadline (or finish at once if it has already passed). */
export function planWaitStart(snapshot: RunSnapshot, playbook: Playbook, step: WaitStep, now: number): Plan {
  const next = cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  const { deadline, input } = waitDeadline(snapshot, step.wait, now);
  exec.input = input;
  exec.startedAt = now;
  if (deadline <= now) {
    const elapsed = planWaitElapsed(next, playbook, step, now);
    return elapsed;
  }
  transitionStep(exec, 'waiting');
  exec.dueAt = deadline;
  exec.updatedAt = now;
  setRunStatus(next, 'waiting', now, WAIT_REASON[step.wait.type]);
  return { kind: 'commit', next, wake: { at: deadline, reason: `wait "${step.id}" (${step.wait.type})` }, release: true };
}

/**
 * The wait's deadline has passed: a duration is over, a window may have opened, and event or
 * approval waits time out (continuing at `onTimeout`, else `next`).
 */
export function planWaitElapsed(snapshot: RunSnapshot, playbook: Playbook, step: Step, now: number): Plan {
  const wait = asWait(step);
  const next = cloneSnapshot(snapshot);
  const exec = currentExecution(next);
  const spec = wait.wait;
  const normalNext = nextStepId(playbook, step.id);
  switch (spec.type) {
    case 'duration':
      succeedStep(next, playbook, exec, { waitedUntil: now }, normalNext, now);
      break;
    case 'time_window': {
      const timeZone = recipientTimeZone(snapshot, spec);
      const opensAt = nextWindowOpening(now, timeZone, spec);
      if (opensAt > now) {
        // Woken early (clock skew between hosts) or the window rule moved: wait again.
        transitionStep(exec, 'waiting');
        exec.dueAt = opensAt;
        exec.updatedAt = now;
        if (next.run.status !== 'waiting') setRunStatus(next, 'waiting', now, 'time_window');
        return { kind: 'commit', next, wake: { at: opensAt, reason: `wait "${step.id}" (time_window)` }, release: true };
      }
      succeedStep(next, playbook, exec, { openedAt: now, timeZone }, normalNext, now);
      break;
    }
    case 'event':
      succeedStep(next, playbook, exec, { timedOut: true, event: null }, spec.onTimeout ?? normalNext, now);
      break;
    case 'approval':
      succeedStep(next, playbook, exec, { timedOut: true, decision: null, actor: null }, spec.onTimeout ?? normalNext, now);
      break;
  }
  return { kind: 'commit', next, wake: null, release: false };
}
