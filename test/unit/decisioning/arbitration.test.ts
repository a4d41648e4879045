import { posteriorFor, reachFor } from '../../../app/decisioning/arbitration/propensity';
import { selectAction, type Contender } from '../../../app/decisioning/arbitration/selection';
import { createSeededRandom } from '../../../app/decisioning/random/prng';

const prior = { alpha: 1, beta: 1, poolingStrength: 5 };

describe('propensity posteriors', () => {
  it('starts a new action at the prior', () => {
    expect(posteriorFor(undefined, 'any', prior)).toEqual({ alpha: 1, beta: 1 });
  });

  it('uses the totals when there is no segment breakdown', () => {
    expect(posteriorFor({ positives: 3, negatives: 7 }, 'x', prior)).toEqual({ alpha: 4, beta: 8 });
  });

  it('borrows at most poolingStrength pseudo-observations from the all-segment rate for a thin segment', () => {
    const evidence = { positives: 98, negatives: 0, segments: { a: { positives: 98, negatives: 0 } } };
    const rate = 99 / 100;
    const fresh = posteriorFor(evidence, 'b', prior);
    expect(fresh.alpha).toBeCloseTo(1 + 5 * rate, 10);
    expect(fresh.beta).toBeCloseTo(1 + 5 * (1 - rate), 10);
    const own = posteriorFor(evidence, 'a', prior);
    expect(own.alpha).toBeCloseTo(1 + 5 * rate + 98, 10);
  });
});

describe('capped reach', () => {
  it.each([
    [0, 0.02],
    [100, 0.51],
    [200, 1],
    [500, 1],
  ])('%p positives → reach %p', (positives, reach) => {
    expect(reachFor(positives, { initial: 0.02, fullAtPositives: 200 })).toBeCloseTo(reach, 10);
  });
});

const contender = (alpha: number, beta: number, weight = 1, reach = 1): Contender => ({ posterior: { alpha, beta }, weight, reach });

describe('selection', () => {
  it('returns null with nothing to choose from', () => {
    expect(selectAction([], { randomControlShare: 0.02, rounds: 10 }, createSeededRandom(1))).toBeNull();
  });

  it('always picks an action in a fresh catalog where every action is capped', () => {
    const fresh = Array.from({ length: 5 }, () => contender(1, 1, 1, 0.02));
    const rng = createSeededRandom('fresh');
    let lifted = 0;
    for (let i = 0; i < 300; i++) {
      const result = selectAction(fresh, { randomControlShare: 0, rounds: 20 }, rng);
      expect(result).not.toBeNull();
      if (result?.capLifted) lifted++;
    }
    // P(no one of 5 enters at 2%) = 0.98^5 ≈ 0.904
    expect(lifted / 300).toBeGreaterThan(0.8);
  });

  it('lets a capped new action in about as often as its reach when a mature action exists', () => {
    const rng = createSeededRandom('reach');
    let newWins = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      // The new action would always win on score when it enters.
      const result = selectAction([contender(10, 90), contender(90, 10, 1, 0.1)], { randomControlShare: 0, rounds: 1 }, rng);
      if (result?.chosen === 1) newWins++;
    }
    expect(newWins / n).toBeGreaterThan(0.08);
    expect(newWins / n).toBeLessThan(0.12);
  });

  it('ranks by P × weight: a lower propensity with a higher value can win', () => {
    const rng = createSeededRandom('value');
    const result = selectAction([contender(500, 500, 1), contender(200, 800, 10)], { randomControlShare: 0, rounds: 50 }, rng);
    expect(result?.chosen).toBe(1);
    expect(result?.probability).toBeGreaterThan(0.99);
  });

  it('estimates the selection probability close to the empirical choice frequency', () => {
    const contenders = [contender(12, 40), contender(10, 40), contender(3, 20, 1.5), contender(1, 1, 1, 0.3)];
    const rng = createSeededRandom('propensity');
    const counts = [0, 0, 0, 0];
    const estimates: number[][] = [[], [], [], []];
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const result = selectAction(contenders, { randomControlShare: 0.02, rounds: 200 }, rng);
      if (result === null) throw new Error('no choice');
      counts[result.chosen]! += 1;
      estimates[result.chosen]!.push(result.probability);
    }
    for (let a = 0; a < contenders.length; a++) {
      const empirical = counts[a]! / n;
      const list = estimates[a]!;
      if (list.length < 50) continue;
      const mean = list.reduce((x, y) => x + y, 0) / list.length;
      expect(Math.abs(mean - empirical)).toBeLessThan(0.04);
    }
  });

  it('keeps every eligible action reachable through random control (probability ≥ share / n)', () => {
    const rng = createSeededRandom('floor');
    const contenders = [contender(900, 100), contender(1, 999)];
    let weakChosen = 0;
    for (let i = 0; i < 5000; i++) {
      const result = selectAction(contenders, { randomControlShare: 0.1, rounds: 20 }, rng);
      if (result?.chosen === 1) {
        weakChosen++;
        expect(result.mode).toBe('random_control');
        expect(result.probability).toBeGreaterThanOrEqual(0.1 / 2 - 1e-12);
      }
    }
    expect(weakChosen).toBeGreaterThan(150);
    expect(weakChosen).toBeLessThan(350);
  });

  it('is deterministic for a seed', () => {
    const contenders = [contender(5, 5), contender(6, 4), contender(2, 8, 3)];
    const run = () => selectAction(contenders, { randomControlShare: 0.02, rounds: 30 }, createSeededRandom(77));
    expect(run()).toEqual(run());
  });
});
