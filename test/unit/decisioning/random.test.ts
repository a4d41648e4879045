import { betaMoments, createSampler, sampleBeta } from '../../../app/decisioning/random/distributions';
import { createSeededRandom, randomInt } from '../../../app/decisioning/random/prng';

describe('seeded PRNG', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = createSeededRandom(123);
    const b = createSeededRandom(123);
    const c = createSeededRandom(124);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const rng = createSeededRandom('uniform');
    const buckets = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = rng.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      buckets[Math.floor(x * 10)] = (buckets[Math.floor(x * 10)] ?? 0) + 1;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const count of buckets) expect(Math.abs(count - 5000)).toBeLessThan(300);
  });

  it('randomInt covers [0, n)', () => {
    const rng = createSeededRandom(9);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(rng, 7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('Beta and Gamma samplers', () => {
  it.each([
    [1, 1],
    [1, 9],
    [9, 1],
    [0.5, 0.5],
    [2, 5],
    [30, 270],
    [400, 100],
  ])('Beta(%p, %p) draws match the mean and variance', (alpha, beta) => {
    const rng = createSeededRandom(`beta-${alpha}-${beta}`);
    const n = 40_000;
    let sum = 0;
    let squares = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = sampleBeta(rng, alpha, beta);
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      squares += x * x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    const mean = sum / n;
    const variance = squares / n - mean * mean;
    const expected = betaMoments(alpha, beta);
    expect(Math.abs(mean - expected.mean)).toBeLessThan(4 * Math.sqrt(expected.variance / n) + 1e-4);
    expect(Math.abs(variance - expected.variance) / expected.variance).toBeLessThan(0.05);
  });

  it.each([0.3, 1, 2.5, 50])('Gamma(%p) has mean = shape', (shape) => {
    const sampler = createSampler(createSeededRandom(`gamma-${shape}`));
    const n = 40_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sampler.gamma(shape);
    expect(Math.abs(sum / n - shape)).toBeLessThan(4 * Math.sqrt(shape / n));
  });

  it('refuses a non-positive shape', () => {
    expect(() => createSampler(createSeededRandom(1)).gamma(0)).toThrow(RangeError);
  });

  it('is reproducible from the seed', () => {
    const draw = () => {
      const sampler = createSampler(createSeededRandom('same'));
      return [sampler.beta(3, 7), sampler.beta(40, 60), sampler.normal()];
    };
    expect(draw()).toEqual(draw());
  });
});
