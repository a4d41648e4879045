/**
 * The one JSON-logic wrapper (https://jsonlogic.com, evaluated by `json-logic-js`): playbook
 * expressions and triggers (app/orchestration/playbook/expression.ts), engagement policies, context
 * weights and journey transitions (app/decisioning/expressions.ts) are all checked and evaluated here,
 * against one operator allow-list, so whatever validates also evaluates.
 *
 * A rule is a boolean constant or an operation: an object with exactly one key, the operator, which
 * must be in ALLOWED_OPERATORS (every operator json-logic-js knows except `log`, which writes to the
 * console). The check walks the whole expression, branches not taken on empty data included.
 */
import jsonLogic from 'json-logic-js';
import { z } from 'zod';

export const ALLOWED_OPERATORS: ReadonlySet<string> = new Set([
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  '==',
  '===',
  '!=',
  '!==',
  '!',
  '!!',
  'or',
  'and',
  '>',
  '>=',
  '<',
  '<=',
  'max',
  'min',
  '+',
  '-',
  '*',
  '/',
  '%',
  'map',
  'filter',
  'reduce',
  'all',
  'none',
  'some',
  'merge',
  'in',
  'cat',
  'substr',
]);

/** Operators whose second argument is evaluated against each array element, not the outer data. */
const SCOPED_OPERATORS: ReadonlySet<string> = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);

/** A stored rule: a boolean constant or a one-key operation (plain JSON). */
export type JsonLogicRule = boolean | { readonly [operator: string]: unknown };

export interface ExpressionProblem {
  /** Path inside the expression, e.g. ["and", 1, "=="]. */
  readonly at: readonly (string | number)[];
  readonly message: string;
}

export interface ExpressionAnalysis {
  readonly problems: readonly ExpressionProblem[];
  /** Literal `var` paths that read the outer data (e.g. "steps.score.output.value"). */
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
      problems.push({
        at,
        message: `an operation must have exactly one operator key, found ${keys.length} (${keys.join(', ') || 'none'})`,
      });
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

/** Why a stored rule is refused (null when it is a valid rule). */
export function ruleProblem(rule: unknown): string | null {
  if (typeof rule === 'boolean') return null;
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule) || Object.keys(rule).length !== 1) {
    return 'must be a JSON-logic rule: true/false or an object with exactly one operator, e.g. {"==": [{"var": "profile.stage"}, "active"]}';
  }
  const first = analyseExpression(rule).problems[0];
  if (first === undefined) return null;
  const where = first.at.length === 0 ? '' : ` at ${first.at.join('.')}`;
  return `is not a valid JSON-logic rule: ${first.message}${where}`;
}

/** A zod schema for a stored rule, checked against the allow-list when it is configured. */
export const jsonLogicRuleSchema = z.custom<JsonLogicRule>((value) => ruleProblem(value) === null, {
  error: (issue) => ruleProblem(issue.input) ?? 'invalid JSON-logic rule',
});

/** Evaluates a checked expression against data (throws what json-logic-js throws). */
export function applyExpression(expression: unknown, data: unknown): unknown {
  // json-logic-js types its input as RulesLogic; expressions reaching here were checked by analyseExpression.
  return jsonLogic.apply(expression as Parameters<typeof jsonLogic.apply>[0], data);
}

/** JSON-logic truthiness: empty arrays are false, everything else as in JavaScript. */
export function truthy(value: unknown): boolean {
  return jsonLogic.truthy(value);
}

/** Evaluates a rule as a condition; a rule that throws counts as false and says why. */
export function evaluateRule(rule: JsonLogicRule, data: unknown): { value: boolean; error?: string } {
  if (typeof rule === 'boolean') return { value: rule };
  try {
    return { value: truthy(applyExpression(rule, data)) };
  } catch (error) {
    return { value: false, error: error instanceof Error ? error.message : String(error) };
  }
}
