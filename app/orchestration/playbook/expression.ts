/**
 * Playbook expressions (conditions, parameters, exit criteria, triggers) are JSON-logic, checked and
 * evaluated by the shared wrapper (app/shared/json-logic.ts) with its one operator allow-list.
 */
import { applyExpression, truthy } from '../../shared/json-logic';
import { toJson, type JsonValue } from '../json';

export { ALLOWED_OPERATORS, analyseExpression, type ExpressionAnalysis, type ExpressionProblem } from '../../shared/json-logic';

/** Evaluates an expression against a scope and returns JSON (undefined → null). */
export function evaluate(expression: JsonValue, scope: JsonValue): JsonValue {
  return toJson(applyExpression(expression, scope));
}

/** Evaluates an expression and applies JSON-logic truthiness (empty arrays are false). */
export function evaluateCondition(expression: JsonValue, scope: JsonValue): boolean {
  return truthy(evaluate(expression, scope));
}
