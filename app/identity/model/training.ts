/**
 * Training without labels, after Splink: u from random pairs; m by one EM "session" per blocking
 * rule, each ignoring the comparisons of the fields the rule blocked on (within a block those agree
 * by construction, so they say nothing about m); then the prior probability that two random records
 * match, as the fixed point of lambda = E[matches among candidates] / all pairs (pairs outside the
 * candidates are taken as non-matches). Scoring uses that global prior with the unconditional u, so
 * agreement on a blocked field still counts as evidence, exactly as it does for a random pair.
 */
import type { Comparison } from '../compare/comparisons';
import type { BlockingRule, CandidatePairs } from './blocking';
import { collectPatterns, expectationMaximisation, type EmOptions, type Patterns } from './estimation';
import { initialM, levelWeights, type ModelParameters } from './parameters';

export interface TrainedParameters {
  readonly params: ModelParameters;
  readonly iterations: number;
  /** Blocking rules that produced a usable EM session. */
  readonly sessions: number;
}

export function trainParameters(
  comparisons: readonly Comparison[],
  rules: readonly BlockingRule[],
  pairs: CandidatePairs,
  levels: Uint8Array,
  u: readonly (readonly number[])[],
  n: number,
  em: EmOptions,
): TrainedParameters {
  const C = comparisons.length;
  const sums = comparisons.map((c) => new Array<number>(c.levels.length).fill(0));
  const mass = new Array<number>(C).fill(0);
  let iterations = 0;
  let sessions = 0;
  const radix = comparisons.map((c) => c.levels.length + 1);
  rules.forEach((rule, r) => {
    const bit = 1 << Math.min(r, 31);
    const blocked = comparisons.map((c) => rule.fields.includes(c.field));
    if (blocked.every((b) => b)) return;
    let selected = 0;
    for (let p = 0; p < pairs.count; p++) if (((pairs.rules[p] as number) & bit) !== 0) selected++;
    if (selected < 10) return;
    const rows = new Int32Array(selected);
    for (let p = 0, k = 0; p < pairs.count; p++) if (((pairs.rules[p] as number) & bit) !== 0) rows[k++] = p;
    const result = expectationMaximisation(collectPatterns(levels, pairs.count, C, { rows, ignore: blocked, radix }), comparisons, u, em);
    iterations += result.iterations;
    const matches = result.params.lambda * selected;
    if (!(matches >= 1)) return;
    sessions++;
    for (let c = 0; c < C; c++) {
      if (blocked[c]) continue;
      const m = result.params.m[c] as readonly number[];
      const row = sums[c] as number[];
      for (let l = 0; l < row.length; l++) row[l] = (row[l] as number) + (m[l] as number) * matches;
      mass[c] = (mass[c] as number) + matches;
    }
  });
  const fallback = initialM(comparisons);
  const m = sums.map((row, c) => ((mass[c] as number) > 0 ? row.map((v) => v / (mass[c] as number)) : (fallback[c] as number[])));
  const lambda = globalPrior({ lambda: 0.5, m, u }, collectPatterns(levels, pairs.count, C, { radix }), pairs.count, n);
  return { params: { lambda, m, u: u.map((row) => [...row]) }, iterations, sessions };
}

/** Fixed point of lambda = sum of candidate posteriors / number of all pairs. */
function globalPrior(params: ModelParameters, patterns: Patterns, pairCount: number, n: number): number {
  const weights = levelWeights(params);
  const C = params.m.length;
  const factors = new Float64Array(patterns.size);
  for (let p = 0; p < patterns.size; p++) {
    let w = 0;
    for (let c = 0; c < C; c++) w += (weights[c] as Float64Array)[patterns.levels[p * C + c] as number] as number;
    factors[p] = 2 ** w;
  }
  const allPairs = Math.max(1, (n * (n - 1)) / 2);
  let lambda = Math.min(0.5, Math.max(pairCount, 1) / allPairs);
  for (let it = 0; it < 100; it++) {
    let expected = 0;
    for (let p = 0; p < patterns.size; p++) {
      const bf = factors[p] as number;
      expected += (patterns.counts[p] as number) * ((lambda * bf) / (lambda * bf + 1 - lambda));
    }
    const next = Math.min(0.5, Math.max(expected / allPairs, 1 / allPairs));
    if (Math.abs(next - lambda) <= lambda * 1e-6) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  return lambda;
}
