import { parsePlaybook, resumeRun, undeliverableError, type OnUndeliverable, type PlaybookInput } from '../../../app/orchestration';
import { TENANT, actionPlaybook, load, makeWorld, publish, runToQuiet, start, stepOf, type World } from './support/harness';

const noRecord = undeliverableError('no_record_for_person', 'nothing was sent: HubSpot has no record of this person');

function emailThenTask(onUndeliverable?: OnUndeliverable, defaults?: PlaybookInput['defaults']) {
  return actionPlaybook({
    id: 'mail-then-task',
    ...(defaults === undefined ? {} : { defaults }),
    steps: [
      {
        id: 'mail',
        kind: 'action',
        action: { type: 'email', params: { templateId: 't1' } },
        ...(onUndeliverable === undefined ? {} : { onUndeliverable }),
        next: 'task',
      },
      { id: 'task', kind: 'action', action: { type: 'task', params: { subject: 'Follow up' } }, next: 'done' },
      { id: 'done', kind: 'exit', reason: 'done' },
      ...(typeof onUndeliverable === 'object'
        ? [
            {
              id: 'call-instead',
              kind: 'action' as const,
              action: { type: 'task' as const, params: { subject: 'Call: email could not be sent' } },
            },
          ]
        : []),
    ],
  });
}

async function runWith(world: World, playbook: ReturnType<typeof emailThenTask>) {
  await publish(world, playbook);
  world.actions.script('mail', { kind: 'fail', error: noRecord });
  const { run } = await start(world, playbook.id);
  await runToQuiet(world);
  return load(world, run.id);
}

describe('undeliverable steps', () => {
  it('skip (the default): the step ends undeliverable with its reason, is never retried, and the run goes on', async () => {
    const world = makeWorld();
    const snapshot = await runWith(world, emailThenTask());
    expect(snapshot.run.status).toBe('completed');
    const mail = stepOf(snapshot, 'mail');
    expect(mail.status).toBe('undeliverable');
    expect(mail.error).toEqual({ category: 'undeliverable', code: 'no_record_for_person', message: noRecord.message });
    expect(mail.output).toEqual({
      delivered: false,
      undeliverable: { code: 'no_record_for_person', reason: noRecord.message, then: 'skipped' },
    });
    expect(mail.attempts.map((a) => a.outcome)).toEqual(['undeliverable']);
    expect(world.actions.callsFor('mail')).toHaveLength(1);
    expect(world.actions.effectsFor(snapshot.run.id, 'mail')).toHaveLength(0);
    expect(stepOf(snapshot, 'task').status).toBe('succeeded');
    expect(snapshot.steps.map((s) => s.stepId)).toEqual(['mail', 'task', 'done']);
  });

  it('fail: the run parks as failed on the step; resuming tries it again with a fresh key and goes on once it is delivered', async () => {
    const world = makeWorld();
    const snapshot = await runWith(world, emailThenTask('fail'));
    expect(snapshot.run.status).toBe('failed');
    expect(snapshot.run.error).toMatchObject({ stepId: 'mail', category: 'undeliverable', code: 'no_record_for_person' });
    expect(stepOf(snapshot, 'mail')).toMatchObject({ status: 'undeliverable', output: { undeliverable: { then: 'failed' } } });
    expect(world.actions.callsFor('task')).toHaveLength(0);

    // The person was synced to the CRM meanwhile: resume delivers it (nothing was sent before, so a new key).
    const resumed = await resumeRun(world.deps, TENANT, snapshot.run.id);
    expect(resumed.ok).toBe(true);
    if (resumed.ok) expect(stepOf(resumed.snapshot, 'mail')).toMatchObject({ status: 'scheduled', output: null, error: null });
    await runToQuiet(world);
    const after = await load(world, snapshot.run.id);
    expect(after.run.status).toBe('completed');
    expect(stepOf(after, 'mail').status).toBe('succeeded');
    const keys = world.actions.callsFor('mail').map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
    expect(world.actions.effectsFor(snapshot.run.id, 'mail')).toHaveLength(1);
  });

  it('fallback: the run continues at the named step instead of the next one', async () => {
    const world = makeWorld();
    const snapshot = await runWith(world, emailThenTask({ fallback: 'call-instead' }));
    expect(snapshot.run.status).toBe('completed');
    expect(stepOf(snapshot, 'mail').output).toMatchObject({
      delivered: false,
      undeliverable: { then: 'fell back to step "call-instead"' },
    });
    expect(snapshot.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['mail', 'undeliverable'],
      ['call-instead', 'succeeded'],
    ]);
    expect(world.actions.callsFor('task')).toHaveLength(0);
  });

  it('the playbook default applies to steps that set none', async () => {
    const world = makeWorld();
    const snapshot = await runWith(world, emailThenTask(undefined, { onUndeliverable: 'fail' }));
    expect(snapshot.run.status).toBe('failed');
  });

  it('a decide step whose chosen action is undeliverable records the decision as not executed', async () => {
    const world = makeWorld({
      decide: () => ({ id: 'upsell-email', label: 'Upsell email', channel: 'email', params: { templateId: 'up' } }),
    });
    const playbook = actionPlaybook({
      id: 'decide-then-task',
      steps: [
        { id: 'nba', kind: 'decide', next: 'after' },
        { id: 'after', kind: 'action', action: { type: 'task', params: { subject: 'after' } } },
      ],
    });
    await publish(world, playbook);
    world.actions.script('nba', { kind: 'fail', error: noRecord });
    const { run } = await start(world, playbook.id);
    await runToQuiet(world);
    const snapshot = await load(world, run.id);
    expect(snapshot.run.status).toBe('completed');
    expect(stepOf(snapshot, 'nba')).toMatchObject({
      status: 'undeliverable',
      output: {
        executed: false,
        delivered: false,
        action: { id: 'upsell-email' },
        undeliverable: { code: 'no_record_for_person', then: 'skipped' },
      },
    });
  });

  it('validation: a fallback must name a step of the playbook, and the policy must be one of skip, fail or a fallback', () => {
    const base = { id: 'p', version: 1, name: 'P' };
    const unknown = parsePlaybook({
      ...base,
      steps: [{ id: 'a', kind: 'action', action: { type: 'note', params: { body: 'x' } }, onUndeliverable: { fallback: 'nowhere' } }],
    });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.issues.map((i) => i.message)).toEqual([expect.stringContaining('points to unknown step "nowhere"')]);
    const bad = parsePlaybook({
      ...base,
      steps: [{ id: 'a', kind: 'action', action: { type: 'note', params: { body: 'x' } }, onUndeliverable: 'ignore' }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]?.message).toContain('onUndeliverable must be "skip", "fail" or { "fallback": "<step id>" }');
  });
});
