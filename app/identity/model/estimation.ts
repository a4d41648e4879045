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
export function compareAll(
  columns: Columns,
  comparisons: readonly Comparison[],
  left: Int32Array,
  right: Int32Array,
  count: number,
): Uint8Array {
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
    const i = Math.floor(random.next() * n);
    let j = Math.floor(random.next() * (n - 1));
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

/**
 * Groups identical comparison vectors. `rows` selects pairs (all when absent); comparisons flagged in
 * `ignore` count as missing (level 0). `radix[c]` is one more than comparison c's highest level.
 */
export function collectPatterns(
  levels: Uint8Array,
  count: number,
  C: number,
  options: { rows?: Int32Array; ignore?: readonly boolean[]; radix?: readonly number[] } = {},
): Patterns {
  const { rows, ignore, radix } = options;
  const index = new Map<number, number>();
  const out: number[] = [];
  const counts: number[] = [];
  const total = rows === undefined ? count : rows.length;
  for (let r = 0; r < total; r++) {
    const p = rows === undefined ? r : (rows[r] as number);
    // Mixed radix (levels < 8 without radix): exact while the product of radices stays below 2^53.
    let key = 0;
    for (let c = 0; c < C; c++)
      key = key * (radix === undefined ? 8 : (radix[c] as number)) + (ignore?.[c] === true ? 0 : (levels[p * C + c] as number));
    let id = index.get(key);
    if (id === undefined) {
      id = counts.length;
      index.set(key, id);
      counts.push(0);
      for (let c = 0; c < C; c++) out.push(ignore?.[c] === true ? 0 : (levels[p * C + c] as number));
    }
    counts[id] = (counts[id] as number) + 1;
  }
  return { levels: Uint8Array.from(out), counts: Float64Array.from(counts), size: counts.length };
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
  // Parameters flat: comparison c, level l at offset[c] + l - 1; each pattern's cells precomputed.
  const offset = new Int32Array(C + 1);
  for (let c = 0; c < C; c++) offset[c + 1] = (offset[c] as number) + (comparisons[c] as Comparison).levels.length;
  const L = offset[C] as number;
  const cell = new Int32Array(patterns.size * C);
  for (let p = 0; p < patterns.size; p++) {
    for (let c = 0; c < C; c++) {
      const level = patterns.levels[p * C + c] as number;
      cell[p * C + c] = level === 0 ? -1 : (offset[c] as number) + level - 1;
    }
  }
  const m = new Float64Array(L);
  const uf = new Float64Array(L);
  initialM(comparisons).forEach((row, c) => row.forEach((v, l) => (m[(offset[c] as number) + l] = v)));
  u.forEach((row, c) => row.forEach((v, l) => (uf[(offset[c] as number) + l] = v)));
  const next = new Float64Array(L);
  let lambda = options.initialLambda;
  let iterations = 0;
  for (; iterations < options.maxIterations; iterations++) {
    // E step and the M step's sums in one sweep.
    next.fill(0);
    let matchMass = 0;
    let total = 0;
    for (let p = 0; p < patterns.size; p++) {
      let pm = lambda;
      let pu = 1 - lambda;
      const base = p * C;
      for (let c = 0; c < C; c++) {
        const k = cell[base + c] as number;
        if (k < 0) continue;
        pm *= m[k] as number;
        pu *= uf[k] as number;
      }
      const post = pm + pu > 0 ? pm / (pm + pu) : 0;
      const n = patterns.counts[p] as number;
      const w = post * n;
      matchMass += w;
      total += n;
      for (let c = 0; c < C; c++) {
        const k = cell[base + c] as number;
        if (k >= 0) next[k] = (next[k] as number) + w;
      }
    }
    // M step: smoothed distributions per comparison.
    let delta = 0;
    for (let c = 0; c < C; c++) {
      const from = offset[c] as number;
      const to = offset[c + 1] as number;
      let sum = 0.01 * (to - from);
      for (let k = from; k < to; k++) sum += next[k] as number;
      for (let k = from; k < to; k++) {
        const v = ((next[k] as number) + 0.01) / sum;
        delta = Math.max(delta, Math.abs(v - (m[k] as number)));
        m[k] = v;
      }
    }
    const nextLambda = total > 0 ? matchMass / total : lambda;
    delta = Math.max(delta, Math.abs(nextLambda - lambda));
    lambda = nextLambda;
    if (delta < options.tolerance) {
      iterations++;
      break;
    }
  }
  const rows = comparisons.map((_, c) => Array.from(m.subarray(offset[c] as number, offset[c + 1] as number)));
  return { params: { lambda, m: rows, u: u.map((row) => [...row]) }, iterations };
}
