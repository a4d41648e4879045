import { toTimestamp } from '../../../server/runs/run-row.mapping';
import { advanceRun, type RunSnapshot } from '../../../app/orchestration';
import { TENANT, load, makeWorld, publish, start } from './support/harness';

describe('commit records', () => {
  it('render every instant as its own ISO text, whatever the memo of recent instants holds', () => {
    const base = Date.UTC(2026, 11, 7, 4, 20, 0, 0);
    // Instants 16 ms apart share a memo slot; repeats, neighbours and colliding ones alternate.
    const instants = [0, 16, 0, 1, 16, 32, 0, 17, 1, 2 ** 31, 2 ** 31 + 16, 0, -16, 999, 16].map((d) => base + d);
    for (let round = 0; round < 3; round++) for (const ms of instants) expect(toTimestamp(ms)).toBe(new Date(ms).toISOString());
    expect(toTimestamp(null)).toBeNull();
    expect(() => toTimestamp(Number.NaN)).toThrow(RangeError);
  });

  it('leave the committed snapshot an advance was given as it was (the fold plans on its own copy)', async () => {
    const world = makeWorld();
    await publish(world, {
      id: 'three',
      version: 1,
      name: 'Three actions',
      steps: [1, 2, 3].map((n) => ({ id: `s${n}`, kind: 'action' as const, action: { type: 'note' as const, params: { body: `${n}` } } })),
    });
    const run = await start(world, 'three');
    const preloaded: RunSnapshot = await load(world, run.run.id);
    const before = JSON.stringify(preloaded);
    world.scheduler.takeDue(world.clock.now());
    expect((await advanceRun(world.deps, TENANT, run.run.id, preloaded)).outcome).toBe('completed');
    expect(JSON.stringify(preloaded)).toBe(before);
    expect((await load(world, run.run.id)).steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});
