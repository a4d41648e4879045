/**
 * Samplers built on the `Random` port, written here rather than imported so that every draw is
 * reproducible from a seed:
 * - standard normal by the Marsaglia polar method (the pair's second value serves the next call);
 * - Gamma(shape, 1) by Marsaglia & Tsang (2000) "A simple method for generating gamma variables",
 *   with the usual boost Gamma(k) = Gamma(k + 1) · U^(1/k) for shape k < 1;
 * - Beta(α, β) as X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β), plus exact shortcuts for the
 *   common cold-start shapes (Beta(1, 1) is uniform, Beta(1, β) and Beta(α, 1) invert in closed form).
 * A `Sampler` owns its spare normal, so its output depends only on its generator's sequence.
 */
import { type Random } from './prng';

export interface Sampler {
  readonly rng: Random;
  normal(): number;
  gamma(shape: number): number;
  beta(alpha: number, beta: number): number;
}

export function createSampler(rng: Random): Sampler {
  let hasSpare = false;
  let spare = 0;

  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    for (;;) {
      const u = 2 * rng.next() - 1;
      const v = 2 * rng.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * factor;
        hasSpare = true;
        return u * factor;
      }
    }
  };

  const gamma = (shape: number): number => {
    if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`gamma shape must be a positive number, got ${shape}`);
    if (shape < 1) return gamma(shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = rng.next();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (u > 0 && Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  };

  const beta = (alpha: number, betaParam: number): number => {
    if (alpha === 1 && betaParam === 1) return rng.next();
    if (alpha === 1) return 1 - Math.pow(1 - rng.next(), 1 / betaParam);
    if (betaParam === 1) return Math.pow(1 - rng.next(), 1 / alpha);
    const x = gamma(alpha);
    const y = gamma(betaParam);
    const sum = x + y;
    return sum > 0 ? x / sum : alpha / (alpha + betaParam);
  };

  return { rng, normal, gamma, beta };
}

/** One standard-normal draw (convenience; use a Sampler for many draws). */
export function sampleStandardNormal(rng: Random): number {
  return createSampler(rng).normal();
}

/** One Gamma(shape, 1) draw; shape must be > 0. */
export function sampleGamma(rng: Random, shape: number): number {
  return createSampler(rng).gamma(shape);
}

/** One Beta(alpha, beta) draw in [0, 1]; both parameters must be > 0. */
export function sampleBeta(rng: Random, alpha: number, beta: number): number {
  return createSampler(rng).beta(alpha, beta);
}

/** Mean and variance of Beta(alpha, beta). */
export function betaMoments(alpha: number, beta: number): { mean: number; variance: number } {
  const total = alpha + beta;
  return { mean: alpha / total, variance: (alpha * beta) / (total * total * (total + 1)) };
}
