import { deliverEvent, newLeadNurture, renewalRescue, samplePlaybooks, submitApproval } from '../../../app/orchestration';
import { newLeadNurtureDefinition, renewalRescueDefinition } from '../../../app/orchestration/samples';
import { DAY, T0, TENANT, load, makeWorld, publish, pump, runToQuiet, runUntil, start, stepOf } from './support/harness';

const lead = (score: number) => ({
  profile: { firstName: 'Lin', email: 'lin@example.com', timeZone: 'Europe/Berlin' },
  lead: { source: 'webinar', score },
});

describe('sample playbooks', () => {
  it('are valid, published and use every step kind', () => {
    expect(samplePlaybooks.map((p) => [p.id, p.status])).toEqual([
      ['renewal-rescue', 'published'],
      ['new-lead-nurture', 'published'],
    ]);
    const kinds = new Set(samplePlaybooks.flatMap((p) => p.steps.map((s) => s.kind)));
    expect([...kinds].sort()).toEqual(['action', 'branch', 'decide', 'exit', 'wait']);
    const waits = new Set(samplePlaybooks.flatMap((p) => p.steps.flatMap((s) => (s.kind === 'wait' ? [s.wait.type] : []))));
    expect([...waits].sort()).toEqual(['approval', 'event', 'time_window']);
    expect(renewalRescue.exitCriteria.map((c) => c.id)).toEqual(['renewal-won', 'unsubscribed', 'urgent-ticket']);
    expect(newLeadNurture.steps[0]?.id).toBe('welcome-email');
  });

  it('new lead nurture: a hot lead is handed to sales after approval', async () => {
    const world = makeWorld();
    await publish(world, newLeadNurtureDefinition);
    const { run } = await start(world, 'new-lead-nurture', lead(85));
    await pump(world);
    await deliverEvent(world.deps, TENANT, { id: 'e1', type: 'email_opened', occurredAt: T0, profileId: 'profile_1' });
    await pump(world);
    expect((await load(world, run.id)).run.waitingFor).toBe('approval');
    await submitApproval(world.deps, TENANT, run.id, { stepId: 'approve-handoff', decision: 'approved', actor: 'owner' });
    await pump(world);
    const snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({ status: 'completed', end: { kind: 'exit_step', detail: 'handed to sales' } });
    expect(world.actions.calls.map((c) => [c.stepId, c.kind])).toEqual([
      ['welcome-email', 'email'],
      ['sales-task', 'task'],
    ]);
    expect(world.actions.callsFor('sales-task')[0]?.params['subject']).toBe('Hot lead: Lin (webinar)');
  });

  it('new lead nurture: a silent lead gets a reminder in its local daytime', async () => {
    const world = makeWorld();
    await publish(world, newLeadNurtureDefinition);
    const { run } = await start(world, 'new-lead-nurture', lead(10));
    await runUntil(world, T0 + 3 * DAY);
    // T0 + 3 days is Thursday 08:00 UTC = 09:00 in Berlin: the 10:00 window opens at 09:00 UTC.
    expect(stepOf(await load(world, run.id), 'daytime')).toMatchObject({ status: 'waiting', dueAt: Date.UTC(2025, 2, 6, 9) });
    await runToQuiet(world);
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['welcome-email', 'reminder-email']);
    expect((await load(world, run.id)).run.end).toEqual({ kind: 'exit_step', detail: 'nurture sequence finished' });
  });

  it('renewal rescue: a small account skips the owner task and an unsubscribe ends it', async () => {
    const world = makeWorld();
    await publish(world, renewalRescueDefinition);
    const { run } = await start(world, 'renewal-rescue', { profile: { timeZone: 'Europe/Paris', email: 'a@b.c' }, renewal: { arr: 1200 } });
    await pump(world);
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['flag-at-risk', 'outreach']);
    expect(world.actions.callsFor('flag-at-risk')[0]?.params).toEqual({
      properties: { baton_reason: 'Renewal at risk: 1200 ARR, renews ' },
    });
    await deliverEvent(world.deps, TENANT, { id: 'u', type: 'unsubscribe', occurredAt: T0, profileId: 'profile_1' });
    await runToQuiet(world);
    expect((await load(world, run.id)).run).toMatchObject({ status: 'exited', end: { detail: 'unsubscribed' } });
    expect(world.actions.calls).toHaveLength(2);
  });
});
