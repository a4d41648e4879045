import { aggregateObservations, liftReport, rateEstimate, relativeLift, zFor } from '../../../app/decisioning/learning/lift';
import { evaluateOffPolicy } from '../../../app/decisioning/learning/offPolicy';

describe('lift with delta-method confidence intervals', () => {
  it('matches hand-computed values (200/1000 treated vs 100/1000 holdout)', () => {
    // p_t = 0.2, p_c = 0.1; SE_t = √(0.2·0.8/1000) = 0.0126491; SE_c = √(0.1·0.9/1000) = 0.0094868
    // lift = 1; SE = (1/0.1)·√(0.00016 + 2²·0.00009) = 10·√0.00052 = 0.2280351
    // CI95 = 1 ± 1.96·0.2280351 = [0.5530513, 1.4469487]
    const estimate = relativeLift({ decisions: 1000, positives: 200 }, { decisions: 1000, positives: 100 });
    expect(estimate.treated.standardError).toBeCloseTo(0.0126491, 6);
    expect(estimate.control.standardError).toBeCloseTo(0.0094868, 6);
    expect(estimate.lift).toBeCloseTo(1, 12);
    expect(estimate.standardError).toBeCloseTo(0.2280351, 6);
    expect(estimate.confidenceInterval?.[0]).toBeCloseTo(0.5530513, 6);
    expect(estimate.confidenceInterval?.[1]).toBeCloseTo(1.4469487, 6);
    expect(estimate.significant).toBe(true);
  });

  it('matches a second hand computation with a small, non-significant difference', () => {
    // p_t = 0.055 (55/1000), p_c = 0.05 (25/500): lift = 0.1
    // SE_t² = 0.055·0.945/1000 = 0.000051975; SE_c² = 0.05·0.95/500 = 0.000095; ratio² = 1.21
    // SE = 20·√(0.000051975 + 0.00011495) = 20·√0.000166925 = 20·0.01291994 = 0.2583989
    const estimate = relativeLift({ decisions: 1000, positives: 55 }, { decisions: 500, positives: 25 }, 0.9);
    expect(estimate.lift).toBeCloseTo(0.1, 12);
    expect(estimate.standardError).toBeCloseTo(0.2583989, 6);
    expect(estimate.confidenceInterval?.[0]).toBeCloseTo(0.1 - 1.6449 * 0.2583989, 5);
    expect(estimate.significant).toBe(false);
  });

  it('reports a negative, significant lift when treatment hurts', () => {
    const estimate = relativeLift({ decisions: 5000, positives: 250 }, { decisions: 5000, positives: 400 });
    expect(estimate.lift).toBeCloseTo(-0.375, 12);
    expect(estimate.confidenceInterval?.[1]).toBeLessThan(0);
    expect(estimate.significant).toBe(true);
  });

  it.each([
    [
      { decisions: 0, positives: 0 },
      { decisions: 100, positives: 5 },
    ],
    [
      { decisions: 100, positives: 5 },
      { decisions: 0, positives: 0 },
    ],
    [
      { decisions: 100, positives: 5 },
      { decisions: 100, positives: 0 },
    ],
  ])('is undefined (null), not infinite, without data or with a zero control rate', (treated, control) => {
    const estimate = relativeLift(treated, control);
    expect(estimate.lift).toBeNull();
    expect(estimate.confidenceInterval).toBeNull();
    expect(estimate.significant).toBe(false);
  });

  it('computes rates and refuses unsupported confidence levels', () => {
    expect(rateEstimate({ decisions: 4, positives: 1 })).toEqual({
      decisions: 4,
      positives: 1,
      rate: 0.25,
      standardError: Math.sqrt((0.25 * 0.75) / 4),
    });
    expect(zFor(0.95)).toBe(1.96);
    expect(() => zFor(0.42)).toThrow(RangeError);
  });

  it('reports per action against the holdout decisions that would have received that action', () => {
    const rows = aggregateObservations([
      ...Array.from({ length: 100 }, (_, i) => ({ group: 'treated' as const, actionId: 'a', positive: i < 30, value: 0 })),
      ...Array.from({ length: 100 }, (_, i) => ({ group: 'treated' as const, actionId: 'b', positive: i < 10, value: 0 })),
      ...Array.from({ length: 50 }, (_, i) => ({ group: 'holdout' as const, actionId: 'a', positive: i < 5, value: 0 })),
      ...Array.from({ length: 50 }, (_, i) => ({ group: 'holdout' as const, actionId: 'b', positive: i < 5, value: 0 })),
    ]);
    const report = liftReport(rows);
    expect(report.overall.lift).toBeCloseTo(0.4 / 2 / 0.1 - 1, 12); // 40/200 vs 10/100
    expect(report.perAction.map((r) => [r.actionId, r.lift])).toEqual([
      ['a', expect.closeTo(2, 12)], // 0.3 vs 0.1
      ['b', expect.closeTo(0, 12)], // 0.1 vs 0.1
    ]);
  });
});

describe('off-policy evaluation', () => {
  const logs = [
    { context: 'x', actionId: 'a', reward: 1, propensity: 0.5 },
    { context: 'x', actionId: 'b', reward: 0, propensity: 0.5 },
    { context: 'y', actionId: 'a', reward: 1, propensity: 0.25 },
    { context: 'y', actionId: 'b', reward: 1, propensity: 0.75 },
  ];

  it('computes IPS and SNIPS for a deterministic target policy', () => {
    // target always picks a: weights 2, 0, 4, 0; IPS = (1·2 + 1·4)/4 = 1.5; SNIPS = 6/6 = 1
    const estimate = evaluateOffPolicy(logs, (_x, a) => (a === 'a' ? 1 : 0));
    expect(estimate.ips).toBeCloseTo(1.5, 12);
    expect(estimate.snips).toBeCloseTo(1, 12);
    expect(estimate.effectiveSampleSize).toBeCloseTo(36 / 20, 12);
  });

  it('clips large weights and refuses a zero logged propensity', () => {
    expect(evaluateOffPolicy(logs, (_x, a) => (a === 'a' ? 1 : 0), 3).ips).toBeCloseTo((2 + 3) / 4, 12);
    expect(() => evaluateOffPolicy([{ context: 0, actionId: 'a', reward: 1, propensity: 0 }], () => 1)).toThrow(RangeError);
  });
});
