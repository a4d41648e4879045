import {
  batonStrategy,
  buildWorld,
  ruleListStrategy,
  simulate,
  uniformRandomStrategy,
  DEFAULT_SIMULATION,
} from '../../../app/decisioning/simulation';

describe('decisioning simulator', () => {
  const world = buildWorld({ seed: 3, actions: 12, customers: 400, segments: ['a', 'b', 'c'], organicRate: 0.01 });

  it('builds the same world from the same seed', () => {
    const again = buildWorld({ seed: 3, actions: 12, customers: 400, segments: ['a', 'b', 'c'], organicRate: 0.01 });
    expect(again.hidden).toEqual(world.hidden);
    expect(again.customers.map((c) => c.profile)).toEqual(world.customers.map((c) => c.profile));
  });

  it('learns: Baton beats uniform random and the rule list over the same customers and eligible actions', () => {
    const report = simulate(world, [batonStrategy, uniformRandomStrategy, ruleListStrategy(world.ruleListOrder)], {
      ...DEFAULT_SIMULATION,
      decisions: 4000,
      checkpoints: 4,
      stepMs: 30 * 60_000,
    });
    const [baton, random, rules] = report.strategies;
    expect(baton?.decisions).toBe(random?.decisions);
    expect(rules?.decisions).toBe(random?.decisions);
    expect(baton?.positiveRate).toBeGreaterThan((random?.positiveRate ?? 1) * 1.5);
    expect(baton?.positiveRate).toBeGreaterThan(rules?.positiveRate ?? 1);
    expect(baton?.positiveRate).toBeLessThanOrEqual(report.oracleRate + 0.02);
    // Later windows are better than the first: the posteriors learned something.
    const windows = baton?.windowRates ?? [];
    expect(windows[windows.length - 1]).toBeGreaterThan((windows[0] ?? 1) + 0.05);
    expect(baton?.lift?.overall.treated.decisions).toBeGreaterThan(0);
    expect(report.holdoutDecisions).toBeGreaterThan(0);
  });
});
