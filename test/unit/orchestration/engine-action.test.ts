import { advanceRun, permanentError, rateLimited, resumeRun, transientError } from '../../../app/orchestration';
import { SECOND, T0, TENANT, actionPlaybook, load, makeWorld, publish, pump, runToQuiet, start, stepOf } from './support/harness';

const twoActions = actionPlaybook({
  id: 'two',
  steps: [
    {
      id: 'update',
      kind: 'action',
      action: {
        type: 'crm_update',
        params: { properties: { arr: { $expr: { '*': [{ var: 'context.deal.amount' }, 12] } }, owner: '{{context.owner}}' } },
      },
    },
    {
      id: 'log',
      kind: 'action',
      action: {
        type: 'note',
        params: { body: 'Updated ({{steps.update.output.effectId}}) for {{context.owner}}', ref: '{{steps.update.output}}' },
      },
    },
  ],
});

describe('action steps', () => {
  it('runs actions with resolved params and exposes outputs to later steps', async () => {
    const world = makeWorld();
    await publish(world, twoActions);
    const { run } = await start(world, 'two', { deal: { amount: 1000 }, owner: 'Ada' });
    await pump(world);

    const snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({ status: 'completed', end: { kind: 'completed' }, cursor: null, lease: null });
    expect(world.actions.calls.map((c) => [c.stepId, c.kind, c.params])).toEqual([
      ['update', 'crm_update', { properties: { arr: 12000, owner: 'Ada' } }],
      ['log', 'note', { body: 'Updated (effect_1) for Ada', ref: { effectId: 'effect_1', kind: 'crm_update' } }],
    ]);
    const update = stepOf(snapshot, 'update');
    expect(update).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      output: { effectId: 'effect_1' },
      idempotencyKey: `baton:v1:${TENANT}:${run.id}:update:g0`,
    });
    expect(update.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded', startedAt: T0, finishedAt: T0 })]);
  });

  it('retries transient errors with exponential backoff and the same idempotency key', async () => {
    const world = makeWorld();
    await publish(world, actionPlaybook({ defaults: { retry: { maxAttempts: 4, initialInterval: '10s', backoffCoefficient: 3 } } }));
    world.actions.failNext('send', transientError('http_503', 'down'), transientError('http_503', 'down'));
    const { run } = await start(world, 'single');
    await pump(world);

    let snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({ status: 'waiting', waitingFor: 'retry', wakeAt: T0 + 10 * SECOND });
    expect(stepOf(snapshot, 'send')).toMatchObject({
      status: 'retrying',
      attempt: 1,
      dueAt: T0 + 10 * SECOND,
      error: { code: 'http_503', category: 'transient' },
    });

    world.clock.set(T0 + 10 * SECOND - 1);
    expect((await advanceRun(world.deps, TENANT, run.id)).outcome).toBe('idle');
    expect(world.actions.calls).toHaveLength(1);

    world.clock.set(T0 + 10 * SECOND);
    await pump(world);
    snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'send')).toMatchObject({ status: 'retrying', attempt: 2, dueAt: T0 + 40 * SECOND });

    world.clock.set(T0 + 40 * SECOND);
    await pump(world);
    snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('completed');
    expect(world.actions.calls.map((c) => [c.attempt, c.idempotencyKey])).toEqual(
      [1, 2, 3].map((a) => [a, `baton:v1:${TENANT}:${run.id}:send:g0`]),
    );
    expect(stepOf(snapshot, 'send').attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
  });

  it('parks the run as failed with the error visible once attempts are exhausted', async () => {
    const world = makeWorld();
    await publish(world, actionPlaybook({ defaults: { retry: { maxAttempts: 2, initialInterval: 1000 } } }));
    world.actions.failNext('send', transientError('timeout', 'no answer'), transientError('timeout', 'still no answer'));
    const { run } = await start(world, 'single');
    await runToQuiet(world);

    const snapshot = await load(world, run.id);
    const error = { code: 'timeout', category: 'transient', message: 'still no answer (gave up after 2 attempts)' };
    expect(snapshot.run).toMatchObject({ status: 'failed', error: { ...error, stepId: 'send' }, cursor: 'send', lease: null });
    expect(stepOf(snapshot, 'send')).toMatchObject({ status: 'failed', attempt: 2, error });
    expect(world.actions.effects()).toHaveLength(0);
    expect(world.scheduler.nextAt()).toBeNull();
  });

  it('honours Retry-After without using up attempts', async () => {
    const world = makeWorld();
    await publish(world, actionPlaybook({ defaults: { retry: { maxAttempts: 1 } } }));
    world.actions.failNext('send', rateLimited(30_000), rateLimited(45_000), rateLimited(5_000));
    const { run } = await start(world, 'single');
    await pump(world);
    expect((await load(world, run.id)).run).toMatchObject({ status: 'waiting', waitingFor: 'rate_limit', wakeAt: T0 + 30_000 });

    await runToQuiet(world);
    const snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('completed');
    expect(stepOf(snapshot, 'send')).toMatchObject({ attempt: 1, rateLimitWaits: 3 });
    expect(world.clock.now()).toBe(T0 + 80_000);
    expect(world.actions.calls.map((c) => c.attempt)).toEqual([1, 1, 1, 1]);
  });

  it('fails when rate limits outlast the step budget', async () => {
    const world = makeWorld();
    await publish(world, actionPlaybook({ defaults: { retry: { maxRateLimitWaits: 1 } } }));
    world.actions.failNext('send', rateLimited(1_000), rateLimited(1_000));
    const { run } = await start(world, 'single');
    await runToQuiet(world);
    expect((await load(world, run.id)).run).toMatchObject({ status: 'failed', error: { code: 'rate_limit_budget_exhausted' } });
  });

  it.each([
    ['a permanent error', permanentError('invalid_email', 'bad address'), {}],
    ['an auth error', { category: 'auth' as const, code: 'token_revoked', message: 'reconnect HubSpot' }, {}],
    ['a non-retryable code', transientError('contact_deleted', 'gone'), { nonRetryableErrorCodes: ['contact_deleted'] }],
  ])('does not retry %s', async (_name, error, retry) => {
    const world = makeWorld();
    await publish(
      world,
      actionPlaybook({ steps: [{ id: 'send', kind: 'action', action: { type: 'email', params: { templateId: 't' } }, retry }] }),
    );
    world.actions.failNext('send', error);
    const { run } = await start(world, 'single');
    await runToQuiet(world);
    expect((await load(world, run.id)).run).toMatchObject({ status: 'failed', error: { code: error.code } });
    expect(world.actions.calls).toHaveLength(1);
  });

  it('rejects resuming a run that has not failed', async () => {
    const world = makeWorld();
    await publish(world, actionPlaybook());
    const { run } = await start(world, 'single');
    await pump(world);
    expect(await resumeRun(world.deps, TENANT, run.id)).toMatchObject({ ok: false, code: 'run_not_failed' });
    expect(await resumeRun(world.deps, TENANT, 'run_missing')).toMatchObject({ ok: false, code: 'run_not_found' });
  });
});
