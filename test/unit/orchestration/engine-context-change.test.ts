import { mergePatch, updateProfileRunsContext, updateRunContext, type PlaybookInput } from '../../../app/orchestration';
import { DAY, T0, TENANT, load, makeWorld, publish, pump, runToQuiet, runUntil, start, stepOf } from './support/harness';

/** note → wait 1 day → email using the context; exits when the deal is won or the contact opted out. */
const renewal: PlaybookInput = {
  id: 'renewal',
  version: 1,
  name: 'Renewal',
  exitCriteria: [
    { id: 'deal-won', when: { '==': [{ var: 'context.deal.stage' }, 'closedwon'] } },
    { id: 'opted-out', when: { '==': [{ var: 'context.profile.optedOut' }, true] } },
  ],
  steps: [
    { id: 'flag', kind: 'action', action: { type: 'crm_update', params: { properties: { baton_at_risk: 'true' } } } },
    { id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '1d' } },
    { id: 'offer', kind: 'action', action: { type: 'email', params: { templateId: '{{context.offer}}' } } },
  ],
};
const context = { deal: { stage: 'negotiation' }, offer: 'renewal-10', profile: { optedOut: false, timeZone: 'Europe/Paris' } };

describe('context changes', () => {
  it('merges a patch as JSON Merge Patch (RFC 7386)', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: null, x: 'y' }, e: [2, 3], f: true })).toEqual({
      a: 1,
      b: { d: 3, x: 'y' },
      e: [2, 3],
      f: true,
    });
    expect(mergePatch({ a: 1 }, { a: null })).toEqual({});
  });

  it('ends a waiting run when a context change makes an exit criterion hold, keeping what was done', async () => {
    const world = makeWorld();
    await publish(world, renewal);
    const { run } = await start(world, 'renewal', context);
    await pump(world);
    expect((await load(world, run.id)).run).toMatchObject({ status: 'waiting', cursor: 'pause' });

    const result = await updateRunContext(world.deps, TENANT, run.id, { deal: { stage: 'closedwon' } });
    expect(result).toMatchObject({ ok: true, effect: 'exited', criterionId: 'deal-won' });
    await runUntil(world, T0 + 2 * DAY);
    const snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({
      status: 'exited',
      end: { kind: 'exit_criteria', detail: 'deal-won' },
      context: { deal: { stage: 'closedwon' }, offer: 'renewal-10' },
    });
    expect(stepOf(snapshot, 'flag').status).toBe('succeeded');
    expect(stepOf(snapshot, 'pause').status).toBe('cancelled');
    // The wait's wake-up came and found the run ended: the offer was never sent.
    expect(world.actions.callsFor('offer')).toHaveLength(0);
    expect(world.actions.effects()).toHaveLength(1);
  });

  it('updates what later steps read when no exit criterion holds', async () => {
    const world = makeWorld();
    await publish(world, renewal);
    const { run } = await start(world, 'renewal', context);
    await pump(world);
    expect(await updateRunContext(world.deps, TENANT, run.id, { offer: 'renewal-20', profile: { timeZone: null } })).toMatchObject({
      ok: true,
      effect: 'updated',
    });
    expect(await updateRunContext(world.deps, TENANT, run.id, { offer: 'renewal-20' })).toMatchObject({ ok: true, effect: 'unchanged' });
    await runToQuiet(world);
    const snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('completed');
    expect(snapshot.run.context).toEqual({ deal: { stage: 'negotiation' }, offer: 'renewal-20', profile: { optedOut: false } });
    expect(world.actions.callsFor('offer').map((c) => c.params)).toEqual([{ templateId: 'renewal-20' }]);
  });

  it('applies a profile-wide change to each active run of the profile, and refuses ended runs', async () => {
    const world = makeWorld();
    await publish(world, renewal);
    await publish(world, { ...renewal, id: 'upsell', concurrency: 'unlimited' });
    const a = await start(world, 'renewal', context, 'profile_9');
    const b = await start(world, 'upsell', context, 'profile_9');
    const other = await start(world, 'upsell', context, 'profile_10');
    await pump(world);
    const results = await updateProfileRunsContext(world.deps, TENANT, 'profile_9', { profile: { optedOut: true } });
    expect(results.map((r) => (r.ok ? [r.snapshot.run.id, r.effect] : r.code)).sort()).toEqual(
      [
        [a.run.id, 'exited'],
        [b.run.id, 'exited'],
      ].sort(),
    );
    expect((await load(world, other.run.id)).run.status).toBe('waiting');
    expect(await updateRunContext(world.deps, TENANT, a.run.id, { offer: 'x' })).toMatchObject({ ok: false, code: 'run_already_ended' });
    expect(await updateRunContext(world.deps, TENANT, 'run_missing', { offer: 'x' })).toMatchObject({ ok: false, code: 'run_not_found' });
  });
});
