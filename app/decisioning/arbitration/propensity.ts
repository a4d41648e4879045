/**
 * Propensity per (action, segment) as a Beta posterior over positive/negative outcome counts, and
 * the capped reach of actions that have little evidence yet.
 *
 * Posterior: Beta(α0 + k·r + positives_s, β0 + k·(1 − r) + negatives_s), where r is the action's
 * smoothed rate over all segments and k = min(poolingStrength, all-segment evidence): a thin
 * segment starts from what the action does elsewhere instead of from a flat prior, and its own
 * evidence quickly dominates. With no `segments` breakdown the totals are the segment's counts.
 */
import { betaMoments } from '../random/distributions';
import { type ActionEvidence, type OutcomeCounts } from '../types';

export interface BetaPosterior {
  readonly alpha: number;
  readonly beta: number;
}

export interface PriorSettings {
  readonly alpha: number;
  readonly beta: number;
  readonly poolingStrength: number;
}

const NONE: OutcomeCounts = { positives: 0, negatives: 0 };

export function segmentCounts(evidence: ActionEvidence | undefined, segment: string): OutcomeCounts {
  if (evidence === undefined) return NONE;
  if (evidence.segments === undefined) return evidence;
  return evidence.segments[segment] ?? NONE;
}

export function posteriorFor(evidence: ActionEvidence | undefined, segment: string, prior: PriorSettings): BetaPosterior {
  if (evidence === undefined) return { alpha: prior.alpha, beta: prior.beta };
  const own = segmentCounts(evidence, segment);
  const total = evidence.positives + evidence.negatives;
  const pooled = evidence.segments === undefined ? 0 : Math.min(prior.poolingStrength, total);
  const rate = (evidence.positives + prior.alpha) / (total + prior.alpha + prior.beta);
  return {
    alpha: prior.alpha + pooled * rate + Math.max(0, own.positives),
    beta: prior.beta + pooled * (1 - rate) + Math.max(0, own.negatives),
  };
}

export function posteriorMean(posterior: BetaPosterior): number {
  return posterior.alpha / (posterior.alpha + posterior.beta);
}

/**
 * A conservative envelope [low, high] for draws from the posterior: mean ± 4 standard deviations
 * widened by 1/(α+β) for skewed shapes, clipped to [0, 1]. Used only to skip actions that cannot
 * realistically win when estimating selection probabilities.
 */
export function drawEnvelope(posterior: BetaPosterior): { low: number; high: number } {
  const { mean, variance } = betaMoments(posterior.alpha, posterior.beta);
  const spread = 4 * Math.sqrt(variance) + 1 / (posterior.alpha + posterior.beta);
  return { low: Math.max(0, mean - spread), high: Math.min(1, mean + spread) };
}

/** Reach of an action (share of decisions it may enter): initial + (1 − initial)·positives/fullAt, at most 1. */
export function reachFor(positives: number, settings: { readonly initial: number; readonly fullAtPositives: number }): number {
  return Math.min(1, settings.initial + ((1 - settings.initial) * Math.max(0, positives)) / settings.fullAtPositives);
}
