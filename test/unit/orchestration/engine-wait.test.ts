import { advanceRun, deliverEvent, submitApproval, type PlaybookInput, type RunEvent } from '../../../app/orchestration';
import { DAY, HOUR, T0, TENANT, load, makeWorld, publish, pump, runUntil, start, stepOf } from './support/harness';

const send = (id: string, templateId = id) => ({ id, kind: 'action' as const, action: { type: 'email' as const, params: { templateId } } });
const event = (type: string, id: string, properties: Record<string, string> = {}): RunEvent => ({
  id,
  type,
  occurredAt: T0,
  profileId: 'profile_1',
  properties,
});

const eventPlaybook: PlaybookInput = {
  id: 'ev',
  version: 1,
  name: 'Event wait',
  steps: [
    {
      id: 'await-reply',
      kind: 'wait',
      wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'email_replied'] }, timeout: '2d', onTimeout: 'nudge' },
    },
    { ...send('thank'), next: 'done' },
    send('nudge'),
    { id: 'done', kind: 'exit', reason: 'replied' },
  ],
};

const approvalPlaybook: PlaybookInput = {
  id: 'ap',
  version: 1,
  name: 'Approval',
  steps: [
    {
      id: 'approve',
      kind: 'wait',
      wait: { type: 'approval', timeout: '1d', prompt: 'Send the offer?', onRejected: 'rejected', onTimeout: 'expired' },
    },
    { ...send('offer'), next: 'end' },
    { id: 'rejected', kind: 'exit', reason: 'rejected' },
    { id: 'expired', kind: 'exit', reason: 'no answer' },
    { id: 'end', kind: 'exit' },
  ],
};

describe('wait steps', () => {
  it('waits for a duration, and an early wake-up does nothing', async () => {
    const world = makeWorld();
    await publish(world, {
      id: 'd',
      version: 1,
      name: 'd',
      steps: [{ id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '2d' } }, send('later')],
    });
    const { run } = await start(world, 'd');
    await pump(world);
    let snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({ status: 'waiting', waitingFor: 'duration', wakeAt: T0 + 2 * DAY, lease: null });
    expect(world.scheduler.pendingFor(run.id).map((w) => w.at)).toEqual([T0 + 2 * DAY]);

    world.clock.set(T0 + 2 * DAY - 1);
    expect((await advanceRun(world.deps, TENANT, run.id)).outcome).toBe('idle');
    expect(world.actions.calls).toHaveLength(0);

    await runUntil(world, T0 + 2 * DAY);
    snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('completed');
    expect(stepOf(snapshot, 'pause')).toMatchObject({ status: 'succeeded', output: { waitedUntil: T0 + 2 * DAY } });
  });

  it('resumes a wait when a matching event arrives and exposes the event as output', async () => {
    const world = makeWorld();
    await publish(world, eventPlaybook);
    const { run } = await start(world, 'ev');
    await pump(world);

    expect(await deliverEvent(world.deps, TENANT, event('email_opened', 'evt_1'))).toEqual([
      { runId: run.id, effect: 'ignored', reason: 'does not match the wait' },
    ]);
    world.clock.advance(HOUR);
    expect(await deliverEvent(world.deps, TENANT, event('email_replied', 'evt_2'))).toEqual([
      { runId: run.id, effect: 'resumed', stepId: 'await-reply' },
    ]);
    await pump(world);

    const snapshot = await load(world, run.id);
    expect(snapshot.run).toMatchObject({ status: 'completed', end: { kind: 'exit_step', detail: 'replied' } });
    expect(stepOf(snapshot, 'await-reply').output).toMatchObject({ timedOut: false, event: { id: 'evt_2', type: 'email_replied' } });
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['thank']);
  });

  it('ignores a redelivered event', async () => {
    const world = makeWorld();
    await publish(world, {
      ...eventPlaybook,
      steps: [
        { id: 'w1', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'ping'] }, timeout: '1d' } },
        { id: 'w2', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'ping'] }, timeout: '1d' } },
      ],
    });
    const { run } = await start(world, 'ev');
    await pump(world);
    await deliverEvent(world.deps, TENANT, event('ping', 'evt_1'));
    await pump(world);
    expect(await deliverEvent(world.deps, TENANT, event('ping', 'evt_1'))).toEqual([
      { runId: run.id, effect: 'ignored', reason: 'event already consumed' },
    ]);
    expect((await load(world, run.id)).run.cursor).toBe('w2');
  });

  it('times out a wait for an event and continues at onTimeout', async () => {
    const world = makeWorld();
    await publish(world, eventPlaybook);
    const { run } = await start(world, 'ev');
    await runUntil(world, T0 + 2 * DAY);
    const snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'await-reply')).toMatchObject({ status: 'succeeded', output: { timedOut: true, event: null } });
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['nudge']);
    expect(snapshot.run.status).toBe('completed');
    // A late event changes nothing.
    expect(await deliverEvent(world.deps, TENANT, event('email_replied', 'late'))).toEqual([]);
  });

  it.each([
    ['approved', 'end', ['offer']],
    ['rejected', 'rejected', []],
  ] as const)('continues after a human %s the step', async (decision, exitStep, sent) => {
    const world = makeWorld();
    await publish(world, approvalPlaybook);
    const { run } = await start(world, 'ap');
    await pump(world);
    expect((await load(world, run.id)).run.waitingFor).toBe('approval');

    const result = await submitApproval(world.deps, TENANT, run.id, { stepId: 'approve', decision, actor: 'rep@example.com' });
    expect(result).toMatchObject({ ok: true, alreadyApplied: false });
    expect(await submitApproval(world.deps, TENANT, run.id, { stepId: 'approve', decision })).toMatchObject({
      ok: true,
      alreadyApplied: true,
    });
    await pump(world);

    const snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'approve').output).toEqual({ timedOut: false, decision, actor: 'rep@example.com', comment: null });
    expect(stepOf(snapshot, exitStep).status).toBe('succeeded');
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(sent);
  });

  it('times out an approval and refuses a late or misdirected decision', async () => {
    const world = makeWorld();
    await publish(world, approvalPlaybook);
    const { run } = await start(world, 'ap');
    await pump(world);
    expect(await submitApproval(world.deps, TENANT, run.id, { stepId: 'offer', decision: 'approved' })).toMatchObject({
      ok: false,
      code: 'not_awaiting_approval',
    });
    await runUntil(world, T0 + DAY);
    const snapshot = await load(world, run.id);
    expect(snapshot.run.end).toEqual({ kind: 'exit_step', detail: 'no answer' });
    expect(await submitApproval(world.deps, TENANT, run.id, { stepId: 'approve', decision: 'approved' })).toMatchObject({
      ok: false,
      code: 'not_awaiting_approval',
    });
  });

  it('waits until the window opens in the recipient time zone', async () => {
    const world = makeWorld();
    await publish(world, {
      id: 'tw',
      version: 1,
      name: 'tw',
      steps: [
        { id: 'office-hours', kind: 'wait', wait: { type: 'time_window', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' } },
        send('call-me'),
      ],
    });
    // T0 is Monday 08:00 UTC: 00:00 in Los Angeles, 09:00 in Paris.
    const la = await start(world, 'tw', { profile: { timeZone: 'America/Los_Angeles' } }, 'profile_la');
    const paris = await start(world, 'tw', { profile: { timeZone: 'Europe/Paris' } }, 'profile_paris');
    const nowhere = await start(world, 'tw', { profile: { timeZone: 'Not/AZone' } }, 'profile_bad');
    await pump(world);

    expect((await load(world, paris.run.id)).run.status).toBe('completed');
    const waiting = await load(world, la.run.id);
    expect(stepOf(waiting, 'office-hours')).toMatchObject({
      status: 'waiting',
      dueAt: Date.UTC(2025, 2, 3, 17),
      input: { timeZone: 'America/Los_Angeles' },
    });
    expect(stepOf(await load(world, nowhere.run.id), 'office-hours').input).toMatchObject({
      timeZone: 'UTC',
      opensAt: Date.UTC(2025, 2, 3, 9),
    });

    await runUntil(world, Date.UTC(2025, 2, 3, 17));
    expect((await load(world, la.run.id)).run.status).toBe('completed');
    expect(world.actions.calls.map((c) => c.profileId)).toEqual(['profile_paris', 'profile_bad', 'profile_la']);
  });
});
