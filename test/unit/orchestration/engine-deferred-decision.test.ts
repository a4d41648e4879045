import { advanceRun, startRun, type DecideResult, type Decider, type EngineDeps, type PlaybookInput } from '../../../app/orchestration';
import { HOUR, MINUTE, T0, TENANT, load, makeWorld, publish, pump, stepOf } from './support/harness';

/** A decider whose action may only go out at `notBefore` (the recipient's quiet hours end then). */
function deferringDecider(notBefore: number | undefined): Decider & { calls: number } {
  const decider = {
    calls: 0,
    async decide(): Promise<DecideResult> {
      decider.calls += 1;
      return {
        decisionId: 'dec_quiet',
        action: {
          id: 'upsell',
          label: 'Upgrade offer',
          channel: 'email',
          params: { templateId: 'upgrade', subject: 'Upgrade', body: 'Hi' },
        },
        ...(notBefore === undefined ? {} : { notBefore }),
      };
    },
  };
  return decider;
}

const playbook: PlaybookInput = {
  id: 'quiet',
  version: 1,
  name: 'Decide and act',
  defaults: { retry: { maxAttempts: 1 } },
  steps: [
    { id: 'nba', kind: 'decide', context: {} },
    { id: 'after', kind: 'action', action: { type: 'note', params: { body: 'done' } } },
  ],
};

describe('a decided action deferred by quiet hours', () => {
  it("makes the run wait until the window opens, then acts once with the step's key", async () => {
    const world = makeWorld();
    const opensAt = T0 + 7 * HOUR;
    const decider = deferringDecider(opensAt);
    const deps: EngineDeps = { ...world.deps, decider };
    await publish(world, playbook);
    const started = await startRun(deps, { tenantId: TENANT, playbookId: 'quiet', profileId: 'p1' });
    if (!started.ok) throw new Error(started.error.message);
    const runId = started.snapshot.run.id;
    await pump(world, deps);

    // Decided, nothing sent, the run waits for the window with a wake-up at its opening.
    let snapshot = await load(world, runId);
    expect(snapshot.run).toMatchObject({ status: 'waiting', waitingFor: 'time_window', wakeAt: opensAt, lease: null });
    expect(stepOf(snapshot, 'nba')).toMatchObject({
      status: 'retrying',
      dueAt: opensAt,
      attempt: 0,
      input: expect.objectContaining({ notBefore: opensAt }),
    });
    expect(world.actions.calls).toEqual([]);
    expect(world.scheduler.nextAt()).toBe(opensAt);

    // An early wake-up (one minute before) does nothing.
    world.clock.set(opensAt - MINUTE);
    await advanceEarly(world, deps, runId);
    expect(world.actions.calls).toEqual([]);

    // At the opening the action goes out, once; the decider is not asked again.
    world.clock.set(opensAt);
    await pump(world, deps);
    snapshot = await load(world, runId);
    expect(world.actions.calls.map((c) => [c.stepId, c.kind])).toEqual([
      ['nba', 'email'],
      ['after', 'note'],
    ]);
    expect(world.actions.calls[0]?.params).toMatchObject({ templateId: 'upgrade', decisionId: 'dec_quiet', actionId: 'upsell' });
    expect(stepOf(snapshot, 'nba')).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      output: expect.objectContaining({ executed: true, decisionId: 'dec_quiet' }),
    });
    expect(snapshot.run.status).toBe('completed');
    expect(decider.calls).toBe(1);
  });

  it('acts at once when the instant has already passed', async () => {
    const world = makeWorld();
    const deps: EngineDeps = { ...world.deps, decider: deferringDecider(T0 - HOUR) };
    await publish(world, playbook);
    const started = await startRun(deps, { tenantId: TENANT, playbookId: 'quiet', profileId: 'p1' });
    if (!started.ok) throw new Error(started.error.message);
    await pump(world, deps);
    expect((await load(world, started.snapshot.run.id)).run.status).toBe('completed');
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['nba', 'after']);
    expect(stepOf(await load(world, started.snapshot.run.id), 'nba').attempt).toBe(1);
  });
});

/** Delivers a wake-up before its time, as a redelivery or a skewed clock would. */
async function advanceEarly(world: ReturnType<typeof makeWorld>, deps: EngineDeps, runId: string): Promise<void> {
  const result = await advanceRun(deps, TENANT, runId);
  expect(result.outcome).toBe('idle');
  expect((await load(world, runId)).run.status).toBe('waiting');
}
