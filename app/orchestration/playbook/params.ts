import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { analyseExpression, evaluate, type ExpressionProblem } from './expression';

/**
 * Action parameters are JSON with two ways to read the run scope:
 * - `{ "$expr": <JSON-logic> }` anywhere: replaced by the expression's value;
 * - `"{{ path }}"` inside strings: replaced by the value at that dotted path (empty if missing).
 * A string that is exactly one `{{ path }}` keeps the value's JSON type.
 */
export const EXPR_KEY = '$expr';
const TEMPLATE_PATTERN = /\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}$/;

const isExpr = (value: JsonValue): value is { [EXPR_KEY]: JsonValue } =>
  isJsonObject(value) && Object.keys(value).length === 1 && EXPR_KEY in value;

/** Reads a dotted path ("steps.a.output.id") from a JSON value. */
export function readPath(scope: JsonValue, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = scope;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isJsonObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

const stringify = (value: JsonValue | undefined): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** Resolves `$expr` objects and `{{path}}` templates against the scope. */
export function resolveParams(params: JsonObject, scope: JsonValue): JsonObject {
  const resolve = (value: JsonValue): JsonValue => {
    if (isExpr(value)) return evaluate(value[EXPR_KEY], scope);
    if (typeof value === 'string') {
      const whole = WHOLE_TEMPLATE.exec(value);
      if (whole?.[1] !== undefined) return readPath(scope, whole[1]) ?? null;
      return value.replace(TEMPLATE_PATTERN, (_match, path: string) => stringify(readPath(scope, path)));
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (isJsonObject(value)) {
      const out: JsonObject = {};
      for (const [key, inner] of Object.entries(value)) out[key] = resolve(inner);
      return out;
    }
    return value;
  };
  const resolved = resolve(params);
  return isJsonObject(resolved) ? resolved : {};
}

export interface ParamsAnalysis {
  readonly problems: readonly (ExpressionProblem & { readonly param: string })[];
  /** Every scope path the parameters read (from expressions and templates). */
  readonly paths: readonly string[];
}

/** Finds malformed expressions and collects the scope paths read by parameters. */
export function analyseParams(params: JsonObject): ParamsAnalysis {
  const problems: (ExpressionProblem & { param: string })[] = [];
  const paths: string[] = [];
  const visit = (value: JsonValue, param: string): void => {
    if (isExpr(value)) {
      const analysis = analyseExpression(value[EXPR_KEY]);
      problems.push(...analysis.problems.map((p) => ({ ...p, param })));
      paths.push(...analysis.varPaths);
      return;
    }
    if (typeof value === 'string') {
      for (const match of value.matchAll(TEMPLATE_PATTERN)) if (match[1] !== undefined) paths.push(match[1]);
      return;
    }
    if (Array.isArray(value)) value.forEach((inner, index) => visit(inner, `${param}[${index}]`));
    else if (isJsonObject(value)) for (const [key, inner] of Object.entries(value)) visit(inner, param === '' ? key : `${param}.${key}`);
  };
  visit(params, '');
  return { problems, paths };
}
