import jsonLogic from 'json-logic-js';
import { toJson, type JsonValue } from '../json';

/**
 * Expressions are JSON-logic (https://jsonlogic.com), evaluated by json-logic-js.
 * Only the standard operators are accepted; `log` is excluded because it writes to the console.
 */
export const ALLOWED_OPERATORS: ReadonlySet<string> = new Set([
  'var', 'missing', 'missing_some', 'if', '?:', '==', '===', '!=', '!==', '!', '!!', 'or', 'and',
  '>', '>=', '<', '<=', 'max', 'min', '+', '-', '*', '/', '%', 'map', 'filter', 'reduce',
  'all', 'none', 'some', 'merge', 'in', 'cat', 'substr',
]);

/** Operators whose second argument is evaluated against each array element, not the run scope. */
const SCOPED_OPERATORS: ReadonlySet<string> = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);

export interface ExpressionProblem {
  /** Path inside the expression, e.g. ["and", 1, "=="]. */
  readonly at: readonly (string | number)[];
  readonly message: string;
}

export interface ExpressionAnalysis {
  readonly problems: readonly ExpressionProblem[];
  /** Literal `var` paths that read the run scope (e.g. "steps.score.output.value"). */
  readonly varPaths: readonly string[];
}

/** Walks an expression, rejecting unknown operators and collecting the `var` paths it reads. */
export function analyseExpression(expression: unknown): ExpressionAnalysis {
  const problems: ExpressionProblem[] = [];
  const varPaths: string[] = [];

  const walk = (node: unknown, at: (string | number)[], inElementScope: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, [...at, index], inElementScope));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      problems.push({ at, message: `an operation must have exactly one operator key, found ${keys.length} (${keys.join(', ') || 'none'})` });
      return;
    }
    const op = keys[0] as string;
    if (!ALLOWED_OPERATORS.has(op)) {
      problems.push({ at, message: `unknown operator "${op}"` });
      return;
    }
    const args: unknown = (node as Record<string, unknown>)[op];
    if (op === 'var' && !inElementScope) {
      const first = Array.isArray(args) ? args[0] : args;
      if (typeof first === 'string' && first !== '') varPaths.push(first);
    }
    if (SCOPED_OPERATORS.has(op) && Array.isArray(args)) {
      args.forEach((arg, index) => walk(arg, [...at, op, index], inElementScope || index > 0));
      return;
    }
    walk(args, [...at, op], inElementScope);
  };

  walk(expression, [], false);
  return { problems, varPaths };
}

/** Evaluates an expression against a scope and returns JSON (undefined → null). */
export function evaluate(expression: JsonValue, scope: JsonValue): JsonValue {
  // json-logic-js types its input as RulesLogic; our expressions are validated JSON of that shape.
  return toJson(jsonLogic.apply(expression as Parameters<typeof jsonLogic.apply>[0], scope));
}

/** Evaluates an expression and applies JSON-logic truthiness (empty arrays are false). */
export function evaluateCondition(expression: JsonValue, scope: JsonValue): boolean {
  return jsonLogic.truthy(evaluate(expression, scope));
}
