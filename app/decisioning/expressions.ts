/**
 * Engagement policies and context weights are JSON-logic expressions (jsonlogic.com), evaluated
 * by `json-logic-js`. A rule is either a boolean constant or a one-key operator object. Rules are
 * checked when configured: an unknown operator is refused then, not discovered at decision time.
 */
import { z } from 'zod';
import { apply, is_logic, type RulesLogic } from 'json-logic-js';

/** A JSON-logic rule as stored (plain JSON). */
export type JsonLogicRule = boolean | { readonly [operator: string]: unknown };

function checkRule(rule: unknown): string | null {
  if (typeof rule === 'boolean') return null;
  if (!is_logic(rule)) return 'must be a JSON-logic rule: true/false or an object with exactly one operator, e.g. {"==": [{"var": "profile.stage"}, "active"]}';
  try {
    apply(rule as RulesLogic, { profile: {}, context: {}, action: {}, now: 0 });
    return null;
  } catch (error) {
    return `is not a valid JSON-logic rule: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export const jsonLogicRuleSchema = z.custom<JsonLogicRule>((value) => checkRule(value) === null, {
  error: (issue) => checkRule(issue.input) ?? 'invalid JSON-logic rule',
});

/** Evaluates a rule against data; a rule that throws counts as false (and is reported by the caller). */
export function evaluateRule(rule: JsonLogicRule, data: unknown): { value: boolean; error?: string } {
  if (typeof rule === 'boolean') return { value: rule };
  try {
    return { value: truthy(apply(rule as RulesLogic, data)) };
  } catch (error) {
    return { value: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** JSON-logic truthiness: empty arrays are false, like the engine's own `truthy`. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}
