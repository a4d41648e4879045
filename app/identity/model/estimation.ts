/**
 * Estimating m and u. u comes from random record pairs (almost all non-matches); m and lambda come
 * from expectation–maximisation over the candidate pairs' comparison patterns, with u held at its
 * random-pair estimate (the candidate non-matches are biased by blocking, random pairs are not).
 * EM runs on distinct patterns with counts, so its cost does not grow with the number of pairs.
 */
import type { Columns, Comparison } from '../compare/comparisons';
import type { Random } from '../util/prng';
import { initialM, type ModelParameters } from './parameters';

/** Comparison levels of many pairs, row-major: levels[p * C + c]. */
export function compareAll(columns: Columns, comparisons: readonly Comparison[], left: Int32Array, right: Int32Array, count: number): Uint8Array {
  const C = comparisons.length;
  const out = new Uint8Array(count * C);
  for (let c = 0; c < C; c++) {
    const compare = (comparisons[c] as Comparison).prepare(columns);
    for (let p = 0; p < count; p++) out[p * C + c] = compare(left[p] as number, right[p] as number);
  }
  return out;
}

function smoothedDistribution(counts: readonly number[], pseudo: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0) + pseudo * counts.length;
  return counts.map((c) => (c + pseudo) / total);
}

/** u from `samples` uniformly random distinct pairs. */
export function estimateU(columns: Columns, n: number, comparisons: readonly Comparison[], random: Random, samples: number): number[][] {
  const counts = comparisons.map((c) => new Array<number>(c.levels.length).fill(0));
  if (n < 2) return counts.map((c) => smoothedDistribution(c, 1));
  const compares = comparisons.map((c) => c.prepare(columns));
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(random() * n);
    let j = Math.floor(random() * (n - 1));
    if (j >= i) j++;
    for (let c = 0; c < comparisons.length; c++) {
      const level = (compares[c] as (i: number, j: number) => number)(i, j);
      const row = counts[c] as number[];
      if (level > 0) row[level - 1] = (row[level - 1] as number) + 1;
    }
  }
  return counts.map((row) => smoothedDistribution(row, 0.5));
}

export interface Patterns {
  /** Distinct level vectors, row-major (patternCount × C). */
  readonly levels: Uint8Array;
  readonly counts: Float64Array;
  readonly size: number;
}

/** Groups identical comparison vectors. */
export function collectPatterns(levels: Uint8Array, count: number, C: number): Patterns {
  const index = new Map<number, number>();
  const rows: number[] = [];
  const counts: number[] = [];
  for (let p = 0; p < count; p++) {
    // Levels are < 8 (3 bits each): the key is exact for up to 17 comparisons (2^51).
    let key = 0;
    for (let c = 0; c < C; c++) key = key * 8 + (levels[p * C + c] as number);
    let id = index.get(key);
    if (id === undefined) {
      id = counts.length;
      index.set(key, id);
      counts.push(0);
      for (let c = 0; c < C; c++) rows.push(levels[p * C + c] as number);
    }
    counts[id] = (counts[id] as number) + 1;
  }
  return { levels: Uint8Array.from(rows), counts: Float64Array.from(counts), size: counts.length };
}

export interface EmOptions {
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly initialLambda: number;
}

/** EM for m and lambda with u fixed. Returns the parameters and the iterations used. */
export function expectationMaximisation(
  patterns: Patterns,
  comparisons: readonly Comparison[],
  u: readonly (readonly number[])[],
  options: EmOptions,
): { params: ModelParameters; iterations: number } {
  const C = comparisons.length;
  let m = initialM(comparisons);
  let lambda = options.initialLambda;
  const posterior = new Float64Array(patterns.size);
  let iterations = 0;
  for (; iterations < options.maxIterations; iterations++) {
    // E step
    let matchMass = 0;
    let total = 0;
    for (let p = 0; p < patterns.size; p++) {
      let pm = lambda;
      let pu = 1 - lambda;
      for (let c = 0; c < C; c++) {
        const level = patterns.levels[p * C + c] as number;
        if (level === 0) continue;
        pm *= (m[c] as number[])[level - 1] as number;
        pu *= (u[c] as readonly number[])[level - 1] as number;
      }
      const post = pm + pu > 0 ? pm / (pm + pu) : 0;
      posterior[p] = post;
      const n = patterns.counts[p] as number;
      matchMass += post * n;
      total += n;
    }
    // M step
    const next = comparisons.map((c) => new Array<number>(c.levels.length).fill(0));
    for (let p = 0; p < patterns.size; p++) {
      const w = (posterior[p] as number) * (patterns.counts[p] as number);
      for (let c = 0; c < C; c++) {
        const level = patterns.levels[p * C + c] as number;
        if (level > 0) {
          const row = next[c] as number[];
          row[level - 1] = (row[level - 1] as number) + w;
        }
      }
    }
    const nextM = next.map((row) => smoothedDistribution(row, 0.01));
    const nextLambda = total > 0 ? matchMass / total : lambda;
    let delta = Math.abs(nextLambda - lambda);
    for (let c = 0; c < C; c++) {
      const a = m[c] as number[];
      const b = nextM[c] as number[];
      for (let l = 0; l < a.length; l++) delta = Math.max(delta, Math.abs((a[l] as number) - (b[l] as number)));
    }
    m = nextM;
    lambda = nextLambda;
    if (delta < options.tolerance) {
      iterations++;
      break;
    }
  }
  return { params: { lambda, m, u: u.map((row) => [...row]) }, iterations };
}
