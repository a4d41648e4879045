import fc from 'fast-check';
import {
  IllegalTransitionError,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  STEP_STATUSES,
  STEP_TRANSITIONS,
  assertRunTransition,
  canTransitionRun,
  canTransitionStep,
  isIllegalTransitionError,
  transitionRun,
  transitionStep,
  type RunStatus,
} from '../../../app/orchestration';

describe('state transitions declared as data', () => {
  it('allows exactly the transitions listed in the tables', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RUN_STATUSES), fc.constantFrom(...RUN_STATUSES), (from, to) => {
        const listed = RUN_TRANSITIONS.some((t) => t.from === from && t.to === to);
        expect(canTransitionRun(from, to)).toBe(listed);
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...STEP_STATUSES), fc.constantFrom(...STEP_STATUSES), (from, to) => {
        const listed = STEP_TRANSITIONS.some((t) => t.from === from && t.to === to);
        expect(canTransitionStep(from, to)).toBe(listed);
      }),
    );
  });

  it('never lets a finished run change status', () => {
    for (const from of ['completed', 'exited', 'cancelled'] as const) {
      for (const to of RUN_STATUSES) expect(canTransitionRun(from, to)).toBe(false);
    }
  });

  it('throws a loud IllegalTransitionError naming the run and both statuses', () => {
    const run: { id: string; status: RunStatus } = { id: 'run_9', status: 'completed' };
    let thrown: unknown;
    try {
      transitionRun(run, 'running');
    } catch (error) {
      thrown = error;
    }
    expect(isIllegalTransitionError(thrown)).toBe(true);
    expect((thrown as IllegalTransitionError).message).toBe('illegal run transition completed → running (run run_9)');
    expect(run.status).toBe('completed');
    expect(() => assertRunTransition('pending', 'failed', 'run x')).toThrow(IllegalTransitionError);
  });

  it('applies a legal step transition and refuses skipping states', () => {
    const exec = { stepId: 'send', status: 'scheduled' as const as (typeof STEP_STATUSES)[number] };
    transitionStep(exec, 'running');
    expect(exec.status).toBe('running');
    expect(() => transitionStep(exec, 'scheduled')).toThrow('illegal step transition running → scheduled (step send)');
    expect(() => transitionStep({ stepId: 's', status: 'succeeded' }, 'failed')).toThrow(IllegalTransitionError);
  });
});
