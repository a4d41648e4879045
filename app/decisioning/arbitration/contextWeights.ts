/**
 * Context weight C (Pega): tenant rules such as "intent = cancellation → retention actions +100%".
 * Each rule's condition is evaluated once per decision over `{ profile, context, now }`; matched
 * weights that apply to an action are summed and normalised as C = max(0, 1 + sum / 100).
 */
import { type DecisioningConfig } from '../config';
import { evaluateRule } from '../expressions';
import { type PreparedAction } from '../prepared';
import { type DecisionContext, type ProfileSnapshot } from '../types';

export interface ContextWeighting {
  /** C for an action, and the ids of the rules that contributed. */
  weightFor(candidate: PreparedAction): { weight: number; matched: readonly string[] };
}

const NEUTRAL = { weight: 1, matched: [] as readonly string[] };

export function bindContextWeights(
  config: DecisioningConfig,
  profile: ProfileSnapshot,
  context: DecisionContext,
  now: number,
): ContextWeighting {
  const rules = config.contextWeights;
  if (rules.length === 0) return { weightFor: () => NEUTRAL };
  const data = { profile, context, now };
  const matched = rules.map((rule) => evaluateRule(rule.when, data).value);
  return {
    weightFor(candidate) {
      let sum = 0;
      const ids: string[] = [];
      for (const slot of candidate.contextWeightSlots) {
        const rule = rules[slot];
        if (rule !== undefined && matched[slot] === true) {
          sum += rule.weightPct;
          ids.push(rule.id);
        }
      }
      return ids.length === 0 ? NEUTRAL : { weight: Math.max(0, 1 + sum / 100), matched: ids };
    },
  };
}
