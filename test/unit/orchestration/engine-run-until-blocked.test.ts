import { advanceRun, type ActionPort, type ActionRequest, type RunSnapshot } from '../../../app/orchestration';
import { fiveSteps, SECOND, TENANT, load, makeWorld, publish, pump, start, stepOf, type World } from './support/harness';

/** A port that, at each call, records what the store holds for the run: every earlier step must already be persisted. */
function observingPort(world: World, inner: ActionPort, seen: { stepId: string; stored: [string, string][] }[], tick = 0): ActionPort {
  return {
    async execute(request: ActionRequest) {
      const stored = await world.runs.load(request.tenantId, request.runId);
      seen.push({ stepId: request.stepId, stored: (stored?.steps ?? []).map((s) => [s.stepId, s.status]) });
      world.clock.advance(tick);
      return inner.execute(request);
    },
  };
}

const statuses = (snapshot: RunSnapshot): [string, string, number][] => snapshot.steps.map((s) => [s.stepId, s.status, s.attempt]);

describe('run until blocked', () => {
  it('advances consecutive steps that do not wait in ONE invocation, each persisted before the next starts', async () => {
    const world = makeWorld();
    await publish(world, fiveSteps);
    const seen: { stepId: string; stored: [string, string][] }[] = [];
    const deps = { ...world.deps, actions: observingPort(world, world.actions, seen) };
    const run = await start(world, 'five');
    const results = await pump(world, deps);
    expect(results.map((r) => r.outcome)).toEqual(['completed']);
    const done = await load(world, run.run.id);
    expect(statuses(done)).toEqual([1, 2, 3, 4, 5].map((n) => [`s${n}`, 'succeeded', 1]));
    // When step N's side effect is made, steps 1..N-1 are stored succeeded and step N is stored running (with its key).
    expect(seen.map((s) => s.stepId)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    seen.forEach(({ stored }, i) => {
      expect(stored).toEqual([
        ...Array.from({ length: i }, (_, j): [string, string] => [`s${j + 1}`, 'succeeded']),
        [`s${i + 1}`, 'running'],
      ]);
    });
    expect(world.actions.effects()).toHaveLength(5);
  });

  it('yields between steps past maxInvocationMs, never abandoning an attempt it began, and resumes in the next invocation', async () => {
    const world = makeWorld({ engine: { maxInvocationMs: 10 * SECOND } });
    await publish(world, fiveSteps);
    const seen: { stepId: string; stored: [string, string][] }[] = [];
    // Each call takes 4 s of engine time: the bound is passed during the third call.
    const deps = { ...world.deps, actions: observingPort(world, world.actions, seen, 4 * SECOND) };
    const run = await start(world, 'five');
    expect(world.scheduler.takeDue(world.clock.now()).map((w) => w.runId)).toEqual([run.run.id]);
    const first = await advanceRun(deps, TENANT, run.run.id);
    expect(first.outcome).toBe('yielded');
    const parked = await load(world, run.run.id);
    // The third step finished; the fourth was entered but not begun, and the run is free for the next invocation.
    expect(statuses(parked)).toEqual([
      ['s1', 'succeeded', 1],
      ['s2', 'succeeded', 1],
      ['s3', 'succeeded', 1],
      ['s4', 'scheduled', 0],
    ]);
    expect(parked.run.lease).toBeNull();
    // Handed back to the queue: a wake-up due at once.
    expect(world.scheduler.nextAt()).toBe(world.clock.now());
    const rest = await pump(world, deps);
    expect(rest.map((r) => r.outcome)).toEqual(['completed']);
    const done = await load(world, run.run.id);
    expect(done.steps.every((s) => s.attempts.length === 1 && s.attempts[0]?.outcome === 'succeeded')).toBe(true);
    expect(world.actions.effects().map((e) => e.request.stepId)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(world.actions.maxApplicationsPerKey()).toBe(1);
  });

  it('bounds the number of state changes per invocation the same way (maxTransitionsPerInvocation)', async () => {
    const world = makeWorld({ engine: { maxTransitionsPerInvocation: 2 } });
    await publish(world, fiveSteps);
    const run = await start(world, 'five');
    const results = await pump(world);
    expect(results.length).toBeGreaterThan(1);
    expect(results.slice(0, -1).every((r) => r.outcome === 'yielded')).toBe(true);
    expect(results.at(-1)?.outcome).toBe('completed');
    const done = await load(world, run.run.id);
    expect(done.steps.map((s) => [s.stepId, s.status, s.attempts.map((a) => a.outcome)])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [`s${n}`, 'succeeded', ['succeeded']]),
    );
    expect(world.actions.effects()).toHaveLength(5);
  });

  it('stops at a step that waits: the run is parked with its wake-up, not advanced in the same invocation', async () => {
    const world = makeWorld();
    await publish(world, {
      id: 'pause',
      version: 1,
      name: 'Action, wait, action',
      steps: [
        { id: 'a', kind: 'action', action: { type: 'note', params: { body: 'a' } } },
        { id: 'hold', kind: 'wait', wait: { type: 'duration', duration: '1h' } },
        { id: 'b', kind: 'action', action: { type: 'note', params: { body: 'b' } } },
      ],
    });
    const run = await start(world, 'pause');
    const first = await pump(world);
    expect(first.map((r) => r.outcome)).toEqual(['idle']);
    const parked = await load(world, run.run.id);
    expect(parked.run.status).toBe('waiting');
    expect(stepStatus(parked, 'hold')).toBe('waiting');
    expect(world.actions.effects().map((e) => e.request.stepId)).toEqual(['a']);
    world.clock.advance(3_600 * SECOND);
    expect((await pump(world)).map((r) => r.outcome)).toEqual(['completed']);
    expect(world.actions.effects().map((e) => e.request.stepId)).toEqual(['a', 'b']);
  });
});

const stepStatus = (snapshot: RunSnapshot, stepId: string): string => stepOf(snapshot, stepId).status;
