import { cancelRun, permanentError, resumeRun, transientError, type ActionPort } from '../../../app/orchestration';
import { TENANT, actionPlaybook, load, makeWorld, publish, pump, runToQuiet, start, stepOf, type World } from './support/harness';

const threeSteps = actionPlaybook({
  id: 'three',
  defaults: { retry: { maxAttempts: 2, initialInterval: 1000 } },
  steps: [
    { id: 'first', kind: 'action', action: { type: 'crm_update', params: { properties: { a: 1 } } } },
    { id: 'second', kind: 'action', action: { type: 'email', params: { templateId: 'x', ref: '{{steps.first.output.effectId}}' } } },
    { id: 'third', kind: 'action', action: { type: 'task', params: { subject: 'follow up' } } },
  ],
});

async function failedAtSecond(world: World, ...script: Parameters<World['actions']['script']>[1][]) {
  await publish(world, threeSteps);
  world.actions.script('second', ...script);
  const { run } = await start(world, 'three');
  await runToQuiet(world);
  expect((await load(world, run.id)).run.status).toBe('failed');
  return run.id;
}

describe('resume and cancel', () => {
  it('resumes from the failed step without re-running completed steps, keeping their outputs', async () => {
    const world = makeWorld();
    const runId = await failedAtSecond(
      world,
      { kind: 'fail', error: transientError('t', 'x') },
      { kind: 'fail', error: transientError('t', 'y') },
    );
    const before = stepOf(await load(world, runId), 'first');

    const resumed = await resumeRun(world.deps, TENANT, runId);
    expect(resumed).toMatchObject({ ok: true, snapshot: { run: { status: 'running', resumeCount: 1, error: null } } });
    await runToQuiet(world);

    const snapshot = await load(world, runId);
    expect(snapshot.run.status).toBe('completed');
    expect(world.actions.callsFor('first')).toHaveLength(1);
    expect(stepOf(snapshot, 'first')).toEqual(before);
    expect(world.actions.callsFor('second').at(-1)?.params).toEqual({
      templateId: 'x',
      ref: before.output && (before.output as { effectId: string }).effectId,
    });
    expect(stepOf(snapshot, 'second').attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    expect(world.actions.effects().map((e) => e.request.stepId)).toEqual(['first', 'second', 'third']);
  });

  it('keeps the idempotency key across resume after an ambiguous error, so a landed effect is not repeated', async () => {
    const world = makeWorld();
    // The first call times out; the last one lands at the vendor but its answer is lost.
    const runId = await failedAtSecond(
      world,
      { kind: 'fail', error: transientError('timeout', 'lost') },
      { kind: 'apply_then_fail', error: transientError('timeout', 'lost') },
    );
    expect(world.actions.effectsFor(runId, 'second')).toHaveLength(1);

    await resumeRun(world.deps, TENANT, runId);
    await runToQuiet(world);

    const keys = new Set(world.actions.callsFor('second').map((c) => c.idempotencyKey));
    expect(keys).toEqual(new Set([`baton:v1:${TENANT}:${runId}:second:g0`]));
    expect(world.actions.effectsFor(runId, 'second')).toHaveLength(1);
    expect((await load(world, runId)).run.status).toBe('completed');
  });

  it('a retry after a lost answer gets the original effect back instead of sending again', async () => {
    const world = makeWorld();
    await publish(world, threeSteps);
    world.actions.script('second', { kind: 'apply_then_fail', error: transientError('timeout', 'lost') });
    const { run } = await start(world, 'three');
    await runToQuiet(world);
    expect(world.actions.callsFor('second')).toHaveLength(2);
    expect(world.actions.effectsFor(run.id, 'second')).toHaveLength(1);
    expect(stepOf(await load(world, run.id), 'second').output).toEqual(world.actions.effectsFor(run.id, 'second')[0]?.output);
  });

  it('uses a new key generation after a refusal that proves nothing was sent', async () => {
    const world = makeWorld();
    const runId = await failedAtSecond(world, { kind: 'fail', error: permanentError('template_missing', 'no template x') });
    await resumeRun(world.deps, TENANT, runId);
    await runToQuiet(world);
    expect(world.actions.callsFor('second').map((c) => c.idempotencyKey)).toEqual([
      `baton:v1:${TENANT}:${runId}:second:g0`,
      `baton:v1:${TENANT}:${runId}:second:g1`,
    ]);
    const snapshot = await load(world, runId);
    expect(stepOf(snapshot, 'second')).toMatchObject({ status: 'succeeded', keyGeneration: 1 });
    expect(world.actions.effectsFor(runId, 'second')).toHaveLength(1);
  });

  it('cancels a waiting run: the step is cancelled and later wake-ups do nothing', async () => {
    const world = makeWorld();
    await publish(
      world,
      actionPlaybook({
        id: 'w',
        steps: [
          { id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '1d' } },
          { id: 'send', kind: 'action', action: { type: 'email', params: { templateId: 't' } } },
        ],
      }),
    );
    const { run } = await start(world, 'w');
    await pump(world);
    const cancelled = await cancelRun(world.deps, TENANT, run.id, 'customer asked');
    expect(cancelled).toMatchObject({
      ok: true,
      alreadyApplied: false,
      snapshot: { run: { status: 'cancelled', end: { kind: 'cancelled', detail: 'customer asked' } } },
    });
    await runToQuiet(world);
    const snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'pause').status).toBe('cancelled');
    expect(world.actions.calls).toHaveLength(0);
    expect(await cancelRun(world.deps, TENANT, run.id)).toMatchObject({ ok: true, alreadyApplied: true });
  });

  it('cancels a parked failed run and keeps the failed step visible', async () => {
    const world = makeWorld();
    const runId = await failedAtSecond(world, { kind: 'fail', error: permanentError('bad', 'bad') });
    await cancelRun(world.deps, TENANT, runId);
    const snapshot = await load(world, runId);
    expect(snapshot.run.status).toBe('cancelled');
    expect(stepOf(snapshot, 'second')).toMatchObject({ status: 'failed', error: { code: 'bad' } });
    expect(await resumeRun(world.deps, TENANT, runId)).toMatchObject({ ok: false, code: 'run_not_failed' });
  });

  it('drops the answer of a call that was in flight when the run was cancelled', async () => {
    const world = makeWorld();
    await publish(world, threeSteps);
    const { run } = await start(world, 'three');
    const inner = world.actions;
    const cancelling: ActionPort = {
      async execute(request) {
        if (request.stepId === 'second') await cancelRun(world.deps, TENANT, request.runId, 'context changed');
        return inner.execute(request);
      },
    };
    await pump({ ...world }, { ...world.deps, actions: cancelling });
    const snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('cancelled');
    expect(stepOf(snapshot, 'second').status).toBe('cancelled');
    expect(world.actions.callsFor('third')).toHaveLength(0);
    expect(await cancelRun(world.deps, TENANT, run.id)).toMatchObject({ ok: true, alreadyApplied: true });
  });
});
