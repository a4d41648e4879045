import {
  advanceRun,
  archivePlaybook,
  createPlaybookVersion,
  deliverEvent,
  publishPlaybook,
  startRun,
  type ActionPort,
  type PlaybookInput,
} from '../../../app/orchestration';
import { DAY, MINUTE, T0, TENANT, actionPlaybook, load, makeWorld, publish, pump, runToQuiet, start, stepOf } from './support/harness';

const waitThenSend = (version: number, templateId: string): PlaybookInput => ({
  id: 'nurture',
  version,
  name: 'Nurture',
  exitCriteria: [{ id: 'unsubscribed', when: { '==': [{ var: 'event.type' }, 'unsubscribe'] } }],
  steps: [
    { id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '1d' } },
    { id: 'send', kind: 'action', action: { type: 'email', params: { templateId } } },
  ],
});

describe('runs: versioning, concurrency, exit criteria', () => {
  it('keeps in-flight runs on the version they started with', async () => {
    const world = makeWorld();
    const created = await createPlaybookVersion(world.playbooks, world.clock, TENANT, { ...waitThenSend(1, 'v1'), version: undefined });
    expect(created).toMatchObject({ ok: true, stored: { playbook: { version: 1, status: 'draft' } } });
    expect(await startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p1' })).toMatchObject({
      ok: false,
      error: { code: 'playbook_not_published' },
    });
    await publishPlaybook(world.playbooks, world.clock, TENANT, 'nurture', 1);

    const old = await start(world, 'nurture', {}, 'p1');
    await pump(world);
    const v2 = await createPlaybookVersion(world.playbooks, world.clock, TENANT, { ...waitThenSend(2, 'v2'), version: undefined });
    expect(v2).toMatchObject({ ok: true, stored: { playbook: { version: 2 } } });
    await publishPlaybook(world.playbooks, world.clock, TENANT, 'nurture', 2);
    expect((await world.playbooks.get(TENANT, 'nurture', 1))?.playbook.status).toBe('archived');

    const fresh = await start(world, 'nurture', {}, 'p2');
    await runToQuiet(world);
    expect(old.run.playbookVersion).toBe(1);
    expect(fresh.run.playbookVersion).toBe(2);
    expect(world.actions.calls.map((c) => [c.profileId, c.params['templateId']])).toEqual([
      ['p1', 'v1'],
      ['p2', 'v2'],
    ]);
    expect(await archivePlaybook(world.playbooks, world.clock, TENANT, 'nurture', 2)).toMatchObject({ ok: true });
    expect(await startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p3' })).toMatchObject({
      ok: false,
      error: { code: 'playbook_not_published' },
    });
    expect(await publishPlaybook(world.playbooks, world.clock, TENANT, 'nurture', 1)).toMatchObject({ ok: false, code: 'status_conflict' });
    expect(await startRun(world.deps, { tenantId: TENANT, playbookId: 'ghost', profileId: 'p3' })).toMatchObject({
      ok: false,
      error: { code: 'playbook_not_found' },
    });
  });

  it('returns the active run instead of starting a second one for the same profile', async () => {
    const world = makeWorld();
    await publish(world, waitThenSend(1, 't'));
    const first = await startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p1' });
    const second = await startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p1' });
    const other = await startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p2' });
    if (!first.ok || !second.ok || !other.ok) throw new Error('start failed');
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, snapshot: { run: { id: first.snapshot.run.id } } });
    expect(other.snapshot.run.id).not.toBe(first.snapshot.run.id);

    await runToQuiet(world);
    const again = await startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p1' });
    expect(again).toMatchObject({ ok: true, created: true });
  });

  it('enforces the rule atomically in the store even when two starts race', async () => {
    const world = makeWorld();
    await publish(world, waitThenSend(1, 't'));
    const [a, b] = await Promise.all([
      startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p1' }),
      startRun(world.deps, { tenantId: TENANT, playbookId: 'nurture', profileId: 'p1' }),
    ]);
    if (!a.ok || !b.ok) throw new Error('start failed');
    expect(a.snapshot.run.id).toBe(b.snapshot.run.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await world.runs.list(TENANT, {})).toHaveLength(1);
  });

  it('allows parallel runs when the playbook says so', async () => {
    const world = makeWorld();
    await publish(world, { ...waitThenSend(1, 't'), concurrency: 'unlimited' });
    const a = await start(world, 'nurture', {}, 'p1');
    const b = await start(world, 'nurture', {}, 'p1');
    expect(a.run.id).not.toBe(b.run.id);
  });

  it('ends a run when an event matches the exit criteria', async () => {
    const world = makeWorld();
    await publish(world, waitThenSend(1, 't'));
    const { run } = await start(world, 'nurture', {}, 'profile_1');
    await pump(world);
    const effects = await deliverEvent(world.deps, TENANT, { id: 'e1', type: 'unsubscribe', occurredAt: T0, profileId: 'profile_1' });
    expect(effects).toEqual([{ runId: run.id, effect: 'exited', criterionId: 'unsubscribed' }]);
    await runToQuiet(world);
    const snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({ status: 'exited', end: { kind: 'exit_criteria', detail: 'unsubscribed' } });
    expect(stepOf(snapshot, 'pause').status).toBe('cancelled');
    expect(world.actions.calls).toHaveLength(0);
  });

  it('isolates tenants', async () => {
    const world = makeWorld();
    await publish(world, waitThenSend(1, 't'));
    const { run } = await start(world, 'nurture');
    expect(await world.runs.load('tenant_b', run.id)).toBeNull();
    expect((await advanceRun(world.deps, 'tenant_b', run.id)).outcome).toBe('not_found');
    expect(await deliverEvent(world.deps, 'tenant_b', { id: 'e', type: 'unsubscribe', occurredAt: T0, profileId: 'profile_1' })).toEqual(
      [],
    );
    expect(await startRun(world.deps, { tenantId: 'tenant_b', playbookId: 'nurture', profileId: 'profile_1' })).toMatchObject({
      ok: false,
      error: { code: 'playbook_not_found' },
    });
  });
});

describe('runs: concurrent and crashed advancers', () => {
  it('two concurrent advances of the same run produce each effect once', async () => {
    const world = makeWorld();
    await publish(
      world,
      actionPlaybook({
        steps: [0, 1, 2].map((i) => ({
          id: `s${i}`,
          kind: 'action' as const,
          action: { type: 'note' as const, params: { body: `${i}` } },
        })),
      }),
    );
    const { run } = await start(world, 'single');
    const outcomes = await Promise.all([
      advanceRun(world.deps, TENANT, run.id),
      advanceRun(world.deps, TENANT, run.id),
      advanceRun(world.deps, TENANT, run.id),
    ]);
    await runToQuiet(world);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['busy', 'busy', 'completed']);
    expect(world.actions.effects().map((e) => e.request.stepId)).toEqual(['s0', 's1', 's2']);
    expect(world.actions.calls).toHaveLength(3);
    expect((await load(world, run.id)).run.status).toBe('completed');
  });

  it('takes over a run whose advancer died mid-call, after its lease expires, without a second effect', async () => {
    const world = makeWorld({ engine: { leaseMs: 5 * MINUTE } });
    await publish(world, actionPlaybook({ defaults: { retry: { initialInterval: '10s' } } }));
    const { run } = await start(world, 'single');
    const dying: ActionPort = {
      async execute(request) {
        await world.actions.execute(request);
        throw new Error('process killed');
      },
    };
    world.scheduler.takeDue(world.clock.now());
    await expect(advanceRun({ ...world.deps, actions: dying }, TENANT, run.id)).rejects.toThrow('process killed');
    expect((await load(world, run.id)).run.lease).toMatchObject({ expiresAt: T0 + 5 * MINUTE });

    // The redelivered invocation finds a live lease and comes back when it expires.
    expect((await advanceRun(world.deps, TENANT, run.id)).outcome).toBe('busy');
    expect(world.scheduler.nextAt()).toBe(T0 + 5 * MINUTE);
    await runToQuiet(world);

    const snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('completed');
    expect(stepOf(snapshot, 'send').attempts.map((a) => [a.outcome, a.error?.code ?? null])).toEqual([
      ['abandoned', 'attempt_abandoned'],
      ['succeeded', null],
    ]);
    expect(world.actions.effectsFor(run.id, 'send')).toHaveLength(1);
    expect(world.clock.now()).toBe(T0 + 5 * MINUTE + 10_000);
  });

  it('yields after too many transitions and finishes on the next wake-up', async () => {
    const world = makeWorld({ engine: { maxTransitionsPerInvocation: 3 } });
    await publish(
      world,
      actionPlaybook({
        steps: [0, 1, 2, 3].map((i) => ({
          id: `s${i}`,
          kind: 'action' as const,
          action: { type: 'note' as const, params: { body: `${i}` } },
        })),
      }),
    );
    const { run } = await start(world, 'single');
    world.scheduler.takeDue(world.clock.now());
    expect((await advanceRun(world.deps, TENANT, run.id)).outcome).toBe('yielded');
    expect(world.scheduler.nextAt()).toBe(T0);
    await runToQuiet(world);
    expect((await load(world, run.id)).run.status).toBe('completed');
    expect(world.clock.now()).toBeLessThan(T0 + DAY);
  });
});
