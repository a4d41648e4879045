/** Fellegi–Sunter parameters and the arithmetic on them (weights, probabilities). */
import type { Comparison } from '../compare/comparisons';

/** m[c][l-1] = P(level l | match), u[c][l-1] = P(level l | non-match); lambda = P(match) among candidates. */
export interface ModelParameters {
  readonly lambda: number;
  readonly m: readonly (readonly number[])[];
  readonly u: readonly (readonly number[])[];
}

const FLOOR = 1e-6;

/** log2 Bayes factors per comparison and level; level 0 (missing) has weight 0. */
export function levelWeights(params: ModelParameters): Float64Array[] {
  return params.m.map((mc, c) => {
    const uc = params.u[c] ?? [];
    const w = new Float64Array(mc.length + 1);
    for (let l = 0; l < mc.length; l++) w[l + 1] = Math.log2(Math.max(mc[l] ?? 0, FLOOR) / Math.max(uc[l] ?? 0, FLOOR));
    return w;
  });
}

export function priorWeight(lambda: number): number {
  const p = Math.min(Math.max(lambda, 1e-12), 1 - 1e-12);
  return Math.log2(p / (1 - p));
}

export function probabilityFromWeight(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

/** Initial m: strong agreement likely among matches, decreasing geometrically. */
export function initialM(comparisons: readonly Comparison[]): number[][] {
  return comparisons.map((c) => {
    const k = c.levels.length;
    const raw = c.levels.map((_, l) => (l === k - 1 ? 0.05 : 0.9 / 2 ** l));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  });
}
