/**
 * The probabilistic matcher: trains a Fellegi–Sunter model on a set of records (u from random pairs,
 * m and lambda by EM over blocked candidate pairs), then scores pairs with per-field explanations.
 */
import type { Columns, Comparison } from '../compare/comparisons';
import type { Random } from '../util/prng';
import { candidatePairs, type BlockingRule, type CandidatePairs } from './blocking';
import { compareAll, estimateU, type EmOptions } from './estimation';
import { trainParameters } from './training';
import { levelWeights, priorWeight, probabilityFromWeight, type ModelParameters } from './parameters';
import { termFrequencies, tfAdjustment, type TermFrequencies } from './term-frequency';

export interface MatcherConfig {
  readonly comparisons: readonly Comparison[];
  readonly blocking: readonly BlockingRule[];
  /** Blocks larger than this are skipped (common values carry little evidence). */
  readonly maxBlockSize: number;
  /** Random pairs used to estimate u. */
  readonly uSamples: number;
  readonly em: EmOptions;
  /** Match probability at or above which two records are linked automatically. */
  readonly linkThreshold: number;
  /** Match probability at or above which (and below linkThreshold) a pair is a possible match. */
  readonly reviewThreshold: number;
  /** Maximum size, in bits, of a term-frequency adjustment (0 disables them). */
  readonly tfMaxBits: number;
}

export interface FieldWeight {
  readonly field: string;
  readonly level: string;
  /** log2 Bayes factor contributed by this field (term-frequency adjustment included). */
  readonly weight: number;
}

export interface PairScore {
  readonly weight: number;
  readonly probability: number;
}

export class TrainedModel {
  private readonly weights: Float64Array[];
  private readonly prior: number;

  constructor(
    readonly config: MatcherConfig,
    readonly params: ModelParameters,
    private readonly tf: ReadonlyMap<number, TermFrequencies>,
    readonly iterations: number,
  ) {
    this.weights = levelWeights(params);
    this.prior = priorWeight(params.lambda);
  }

  /** Total match weight of a pair whose levels are `levels[offset..offset+C)`. */
  weightOf(columns: Columns, i: number, levels: Uint8Array, offset: number): number {
    let w = this.prior;
    const comparisons = this.config.comparisons;
    for (let c = 0; c < comparisons.length; c++) {
      const level = levels[offset + c] as number;
      if (level === 0) continue;
      w += (this.weights[c] as Float64Array)[level] as number;
      w += this.tfTerm(columns, c, level, i);
    }
    return w;
  }

  private tfTerm(columns: Columns, c: number, level: number, i: number): number {
    const comparison = this.config.comparisons[c] as Comparison;
    const tf = this.tf.get(c);
    if (tf === undefined || level !== comparison.tfLevel) return 0;
    const value = columns[comparison.field]?.[i] ?? '';
    const uExact = (this.params.u[c] as readonly number[])[level - 1] as number;
    return tfAdjustment(tf, value, uExact, this.config.tfMaxBits);
  }

  /** Scores one pair of records (any columns holding both). */
  score(columns: Columns, i: number, j: number): PairScore {
    const levels = this.levelsOf(columns, i, j);
    const weight = this.weightOf(columns, i, levels, 0);
    return { weight, probability: probabilityFromWeight(weight) };
  }

  /** Per-field weights of a pair, for explanations. */
  explain(columns: Columns, i: number, j: number): { prior: number; fields: FieldWeight[]; probability: number } {
    const levels = this.levelsOf(columns, i, j);
    const fields: FieldWeight[] = [];
    let total = this.prior;
    this.config.comparisons.forEach((comparison, c) => {
      const level = levels[c] as number;
      const weight = level === 0 ? 0 : ((this.weights[c] as Float64Array)[level] as number) + this.tfTerm(columns, c, level, i);
      total += weight;
      fields.push({ field: comparison.field, level: level === 0 ? 'missing' : (comparison.levels[level - 1] ?? '?'), weight });
    });
    return { prior: this.prior, fields, probability: probabilityFromWeight(total) };
  }

  private levelsOf(columns: Columns, i: number, j: number): Uint8Array {
    return Uint8Array.from(this.config.comparisons.map((c) => c.prepare(columns)(i, j)));
  }
}

export interface TrainingResult {
  readonly model: TrainedModel;
  readonly pairs: CandidatePairs;
  /** Comparison levels of the candidate pairs (row-major), reusable for scoring. */
  readonly levels: Uint8Array;
}

export function trainMatcher(config: MatcherConfig, columns: Columns, n: number, random: Random): TrainingResult {
  const comparisons = config.comparisons;
  const u = estimateU(columns, n, comparisons, random, config.uSamples);
  const pairs = candidatePairs(columns, n, config.blocking, config.maxBlockSize);
  const levels = compareAll(columns, comparisons, pairs.left, pairs.right, pairs.count);
  const { params, iterations } = trainParameters(comparisons, config.blocking, pairs, levels, u, n, config.em);
  const tf = new Map<number, TermFrequencies>();
  if (config.tfMaxBits > 0) {
    comparisons.forEach((c, index) => {
      if (c.tfLevel !== undefined) tf.set(index, termFrequencies(columns, c.field, n));
    });
  }
  return { model: new TrainedModel(config, params, tf, iterations), pairs, levels };
}
