import { leaseRenewSlackMs } from '../../../app/orchestration/engine/planner';
import type { ActionPort, ActionRequest } from '../../../app/orchestration';
import { fiveSteps, SECOND, T0, load, makeWorld, publish, pump, start, type World } from './support/harness';

/** Records, at each call, the engine time and the run's lease as stored; each call then takes `tick` ms of engine time. */
function leaseProbe(world: World, seen: { at: number; owner: string | null; expiresAt: number | null }[], tick: number): ActionPort {
  return {
    async execute(request: ActionRequest) {
      const stored = await world.runs.load(request.tenantId, request.runId);
      const lease = stored?.run.lease ?? null;
      seen.push({ at: world.clock.now(), owner: lease?.owner ?? null, expiresAt: lease?.expiresAt ?? null });
      world.clock.advance(tick);
      return world.actions.execute(request);
    },
  };
}

describe('lease renewal while a run advances until blocked', () => {
  it('keeps the lease its claim took while it still nearly covers a port call, so consecutive step commits leave it unchanged', async () => {
    const world = makeWorld({ engine: { leaseMs: 60 * SECOND } });
    await publish(world, fiveSteps);
    const seen: { at: number; owner: string | null; expiresAt: number | null }[] = [];
    const run = await start(world, 'five');
    const results = await pump(world, { ...world.deps, actions: leaseProbe(world, seen, 100) });
    expect(results.map((r) => r.outcome)).toEqual(['completed']);
    // One invocation, one lease: the claim's (taken at T0), stored unchanged when each of the five calls is made.
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((s) => s.owner)).size).toBe(1);
    expect(seen.map((s) => s.expiresAt)).toEqual(Array.from({ length: 5 }, () => T0 + 60 * SECOND));
    expect((await load(world, run.run.id)).run.lease).toBeNull();
  });

  it('renews it when more than the slack has run, so every call starts with at least leaseMs minus the slack', async () => {
    const leaseMs = 20 * SECOND;
    const slack = leaseRenewSlackMs(leaseMs);
    expect(slack).toBe(SECOND);
    const world = makeWorld({ engine: { leaseMs, maxInvocationMs: 60 * SECOND } });
    await publish(world, fiveSteps);
    const seen: { at: number; owner: string | null; expiresAt: number | null }[] = [];
    // Each call takes 600 ms of engine time; the slack is 1 s.
    await start(world, 'five');
    const results = await pump(world, { ...world.deps, actions: leaseProbe(world, seen, 600) });
    expect(results.map((r) => r.outcome)).toEqual(['completed']);
    for (const s of seen) expect((s.expiresAt ?? 0) - s.at).toBeGreaterThanOrEqual(leaseMs - slack);
    // Calls at 0, 0.6, 1.2, 1.8, 2.4 s: kept at 0.6 s, renewed at 1.2 s (1.2 s of the lease had run), kept at 1.8 s, renewed at 2.4 s.
    expect(seen.map((s) => s.at - T0)).toEqual([0, 600, 1200, 1800, 2400]);
    expect(seen.map((s) => (s.expiresAt ?? 0) - T0)).toEqual([20_000, 20_000, 21_200, 21_200, 22_400]);
  });
});
