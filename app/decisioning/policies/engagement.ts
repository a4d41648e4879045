/**
 * Engagement policies (Pega's funnel): eligibility (may this person get the action at all),
 * applicability (is it relevant now), suitability (is it in the person's interest). Each is a
 * JSON-logic rule over `{ profile, context, action, now }`; the action passes only if every rule
 * that applies to it is true. Rules that do not read `action` are evaluated once per decision, and
 * rules that read only a few `action.<field>` values once per distinct combination of those values.
 */
import { evaluateRule } from '../expressions';
import { type PreparedAction } from '../prepared';
import { type DecisionContext, type ProfileSnapshot } from '../types';

export interface EngagementFailure {
  readonly kind: 'eligibility' | 'applicability' | 'suitability';
  readonly reason: string;
}

interface RuleData {
  profile: ProfileSnapshot;
  context: DecisionContext;
  action: { id: string; label: string; channel: string; value: number; cost: number };
  now: number;
}

export interface EngagementEvaluator {
  check(candidate: PreparedAction): EngagementFailure | null;
}

export function bindEngagement(
  profile: ProfileSnapshot,
  context: DecisionContext,
  now: number,
  sharedSlots: number,
  keyedSlots = 0,
): EngagementEvaluator {
  const keyedResults: (Map<string, { value: boolean; error?: string }> | undefined)[] = new Array<undefined>(keyedSlots);
  // 0 = not evaluated yet, 1 = true, 2 = false, 3 = error
  const shared = new Uint8Array(sharedSlots);
  const sharedErrors: (string | undefined)[] = [];
  const data: RuleData = { profile, context, action: { id: '', label: '', channel: 'none', value: 0, cost: 0 }, now };
  return {
    check(candidate) {
      const { action } = candidate;
      data.action = { id: action.id, label: action.label, channel: action.channel, value: action.value, cost: action.cost ?? 0 };
      for (const check of candidate.checks) {
        let passed: boolean;
        let error: string | undefined;
        if (check.sharedSlot >= 0) {
          let state = shared[check.sharedSlot] ?? 0;
          if (state === 0) {
            const result = evaluateRule(check.rule, data);
            state = result.error !== undefined ? 3 : result.value ? 1 : 2;
            shared[check.sharedSlot] = state;
            sharedErrors[check.sharedSlot] = result.error;
          }
          passed = state === 1;
          error = sharedErrors[check.sharedSlot];
        } else if (check.keyed !== null) {
          let cache = keyedResults[check.keyed.slot];
          if (cache === undefined) {
            cache = new Map();
            keyedResults[check.keyed.slot] = cache;
          }
          const fields = data.action as unknown as Record<string, unknown>;
          const key = check.keyed.fields.map((field) => String(fields[field])).join('\u0001');
          let result = cache.get(key);
          if (result === undefined) {
            result = evaluateRule(check.rule, data);
            cache.set(key, result);
          }
          passed = result.value;
          error = result.error;
        } else {
          const result = evaluateRule(check.rule, data);
          passed = result.value;
          error = result.error;
        }
        if (!passed) {
          const what = check.description !== undefined ? `${check.label} (${check.description})` : check.label;
          const reason =
            error !== undefined ? `${check.kind} rule ${what} failed to evaluate: ${error}` : `${check.kind} rule ${what} is false`;
          return { kind: check.kind, reason };
        }
      }
      return null;
    },
  };
}
