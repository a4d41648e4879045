/**
 * The policies the simulator compares on the same customers and the same eligible actions:
 * Baton's full decision, a uniform random pick, and a fixed-priority rule list (the first eligible
 * action in a marketer's order). All three see the same policy funnel, so only arbitration differs.
 */
import { decide, runFunnel, type DecisionInput } from '../decide';
import { randomInt, type Random } from '../random/prng';
import { type DecisionRecord } from '../record';

export interface StrategyChoice {
  /** Chosen action id, or null (holdout or nothing eligible). */
  readonly actionId: string | null;
  readonly holdout: boolean;
  /** Present for Baton's decisions. */
  readonly record?: DecisionRecord;
}

export interface Strategy {
  readonly name: string;
  choose(input: DecisionInput, rng: Random): StrategyChoice;
}

export const batonStrategy: Strategy = {
  name: 'baton',
  choose(input, rng) {
    const record = decide(input, rng);
    return { actionId: record.action?.id ?? null, holdout: record.holdout, record };
  },
};

function eligibleIds(input: DecisionInput): { ids: string[]; holdout: boolean } {
  const funnel = runFunnel(input);
  return { ids: funnel.survivors.map((s) => s.prepared.action.id), holdout: funnel.holdout };
}

export const uniformRandomStrategy: Strategy = {
  name: 'uniform_random',
  choose(input, rng) {
    const { ids, holdout } = eligibleIds(input);
    if (holdout || ids.length === 0) return { actionId: null, holdout };
    return { actionId: ids[randomInt(rng, ids.length)] ?? null, holdout };
  },
};

export function ruleListStrategy(order: readonly string[]): Strategy {
  const rank = new Map(order.map((id, index) => [id, index]));
  return {
    name: 'rule_list',
    choose(input) {
      const { ids, holdout } = eligibleIds(input);
      if (holdout || ids.length === 0) return { actionId: null, holdout };
      let best: string | null = null;
      let bestRank = Infinity;
      for (const id of ids) {
        const r = rank.get(id) ?? Infinity;
        if (r < bestRank) {
          best = id;
          bestRank = r;
        }
      }
      return { actionId: best, holdout };
    },
  };
}
