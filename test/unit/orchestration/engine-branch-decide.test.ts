import { transientError, type DecidedAction, type PlaybookInput } from '../../../app/orchestration';
import { TENANT, load, makeWorld, publish, pump, runToQuiet, start, stepOf } from './support/harness';

const note = (id: string) => ({ id, kind: 'action' as const, action: { type: 'note' as const, params: { body: id } } });

const branching: PlaybookInput = {
  id: 'br',
  version: 1,
  name: 'Branching',
  steps: [
    { id: 'score', kind: 'action', action: { type: 'crm_update', params: { properties: { tier: '{{context.tier}}' } } } },
    {
      id: 'route',
      kind: 'branch',
      branches: [
        { when: { '>=': [{ var: 'context.amount' }, 10000] }, next: 'vip' },
        { when: { '==': [{ var: 'steps.score.output.kind' }, 'crm_update'] }, next: 'standard' },
      ],
      otherwise: 'fallback',
    },
    { ...note('vip'), next: 'end' },
    { ...note('standard'), next: 'end' },
    note('fallback'),
    { id: 'end', kind: 'exit' },
  ],
};

describe('branch steps', () => {
  it.each([
    [{ amount: 20000 }, 'vip', 0],
    [{ amount: 5 }, 'standard', 1],
  ])('routes on the run context and earlier outputs (%j → %s)', async (context, taken, matchedCase) => {
    const world = makeWorld();
    await publish(world, branching);
    const { run } = await start(world, 'br', context);
    await pump(world);
    const snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'route').output).toEqual({ matchedCase, next: taken });
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['score', taken]);
    expect(snapshot.run.status).toBe('completed');
  });

  it('takes `otherwise` when no case matches, or the following step when it is absent', async () => {
    const world = makeWorld();
    await publish(world, {
      id: 'fall',
      version: 1,
      name: 'Fallthrough',
      steps: [
        { id: 'route', kind: 'branch', branches: [{ when: { var: 'context.flag' }, next: 'flagged' }] },
        { ...note('plain'), next: 'flagged' },
        note('flagged'),
      ],
    });
    const { run } = await start(world, 'fall', { flag: [] }); // JSON-logic: an empty array is false
    await pump(world);
    expect(stepOf(await load(world, run.id), 'route').output).toEqual({ matchedCase: null, next: 'plain' });
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['plain', 'flagged']);
  });
});

const deciding: PlaybookInput = {
  id: 'dec',
  version: 1,
  name: 'Decide',
  defaults: { retry: { maxAttempts: 3, initialInterval: 1000 } },
  steps: [
    { id: 'nba', kind: 'decide', context: { goal: 'renewal', arr: { $expr: { var: 'context.arr' } } }, onNoAction: 'nothing' },
    { ...note('after'), next: 'end' },
    { ...note('nothing'), next: 'end' },
    { id: 'end', kind: 'exit' },
  ],
};

describe('decide steps', () => {
  it('asks the decider and runs the chosen action on the matching port kind', async () => {
    const action: DecidedAction = { id: 'sms-offer', label: 'SMS offer', channel: 'sms', params: { body: 'Hi!', channel: 'sms' } };
    const world = makeWorld({ decide: () => action });
    await publish(world, deciding);
    const { run } = await start(world, 'dec', { arr: 900, region: 'emea' });
    await pump(world);

    expect(world.decider.calls).toEqual([
      {
        profileId: 'profile_1',
        context: { arr: 900, region: 'emea', goal: 'renewal' },
        meta: { tenantId: TENANT, runId: run.id, stepId: 'nba', idempotencyKey: `baton:v1:${TENANT}:${run.id}:nba:g0` },
      },
    ]);
    const call = world.actions.callsFor('nba')[0];
    expect(call).toMatchObject({
      kind: 'message',
      params: { body: 'Hi!', channel: 'sms', actionId: 'sms-offer', actionLabel: 'SMS offer', decisionId: 'decision_1' },
    });
    const snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'nba').output).toMatchObject({
      decisionId: 'decision_1',
      action: { id: 'sms-offer' },
      executed: true,
      result: { kind: 'message' },
    });
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['nba', 'after']);
  });

  it('continues at onNoAction when the decider proposes nothing', async () => {
    const world = makeWorld({ decide: () => null });
    await publish(world, deciding);
    const { run } = await start(world, 'dec');
    await pump(world);
    expect(stepOf(await load(world, run.id), 'nba').output).toEqual({
      decisionId: 'decision_1',
      action: null,
      reason: null,
      executed: false,
      result: null,
    });
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['nothing']);
  });

  it("records the decider's reason and explanation on the step, readable by later steps", async () => {
    const action: DecidedAction = { id: 'email-offer', label: 'Email offer', channel: 'email', params: { templateId: 'offer' } };
    const explanation = [
      { actionId: 'email-offer', eligible: true, score: 0.42 },
      { actionId: 'sms-offer', eligible: false, blockedBy: 'consent' },
    ];
    const world = makeWorld({ decide: () => action, explain: () => ({ reason: 'highest score among eligible actions', explanation }) });
    await publish(world, {
      ...deciding,
      id: 'dec-why',
      steps: [
        { id: 'nba', kind: 'decide', next: 'log-why' },
        { id: 'log-why', kind: 'action', action: { type: 'note', params: { body: '{{steps.nba.output.reason}}' } } },
      ],
    });
    const { run } = await start(world, 'dec-why');
    await pump(world);
    const snapshot = await load(world, run.id);
    expect(stepOf(snapshot, 'nba').output).toMatchObject({
      decisionId: 'decision_1',
      reason: 'highest score among eligible actions',
      explanation,
      executed: true,
    });
    expect(stepOf(snapshot, 'nba').decision).toMatchObject({ reason: 'highest score among eligible actions', explanation });
    expect(world.actions.callsFor('log-why')[0]?.params).toEqual({ body: 'highest score among eligible actions' });
  });

  it('records but does not execute an action on channel "none"', async () => {
    const world = makeWorld({ decide: () => ({ id: 'hold', label: 'Do nothing', channel: 'none' }) });
    await publish(world, deciding);
    await start(world, 'dec');
    await pump(world);
    expect(world.actions.calls.map((c) => c.stepId)).toEqual(['after']);
  });

  it('does not decide again when the chosen action is retried', async () => {
    const world = makeWorld();
    await publish(world, deciding);
    world.actions.failNext('nba', transientError('http_502', 'bad gateway'));
    const { run } = await start(world, 'dec');
    await runToQuiet(world);
    expect(world.decider.calls).toHaveLength(1);
    expect(world.actions.callsFor('nba')).toHaveLength(2);
    expect(world.actions.effectsFor(run.id, 'nba')).toHaveLength(1);
    expect((await load(world, run.id)).run.status).toBe('completed');
  });
});
