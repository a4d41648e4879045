/**
 * Off-policy evaluation from logged decisions (x, a, r, p): how a different policy would have
 * performed, using the selection probability p logged with every decision.
 *   IPS:   V = (1/n) Σ r_i · w_i,       w_i = π(a_i | x_i) / p_i, clipped at `maxWeight`
 *   SNIPS: V = Σ r_i · w_i / Σ w_i
 * (Dudík, Langford & Li, ICML 2011.) Both need p_i > 0 wherever the new policy acts, which the
 * random-control share guarantees for eligible actions.
 */
export interface LoggedDecision<X> {
  readonly context: X;
  readonly actionId: string;
  readonly reward: number;
  /** Logged selection probability of actionId. */
  readonly propensity: number;
}

/** Probability that the evaluated policy picks actionId in context. */
export type TargetPolicy<X> = (context: X, actionId: string) => number;

export interface OffPolicyEstimate {
  readonly ips: number;
  readonly snips: number;
  /** Effective sample size (Σw)² / Σw². */
  readonly effectiveSampleSize: number;
  readonly n: number;
}

export function evaluateOffPolicy<X>(logs: readonly LoggedDecision<X>[], target: TargetPolicy<X>, maxWeight = 100): OffPolicyEstimate {
  let weighted = 0;
  let weights = 0;
  let squares = 0;
  for (const log of logs) {
    if (!(log.propensity > 0)) throw new RangeError(`logged propensity must be > 0 (action ${log.actionId})`);
    const w = Math.min(maxWeight, target(log.context, log.actionId) / log.propensity);
    weighted += log.reward * w;
    weights += w;
    squares += w * w;
  }
  const n = logs.length;
  return {
    ips: n > 0 ? weighted / n : 0,
    snips: weights > 0 ? weighted / weights : 0,
    effectiveSampleSize: squares > 0 ? (weights * weights) / squares : 0,
    n,
  };
}
