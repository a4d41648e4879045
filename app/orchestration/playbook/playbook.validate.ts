import type { z } from 'zod';
import type { JsonValue } from '../json';
import { REQUIRED_ACTION_PARAMS } from './action-kinds';
import { analyseExpression } from './expression';
import { analyseParams } from './params';
import { adjacency, findCycle, reachableFrom, stepEdges } from './playbook.graph';
import { playbookSchema, type Playbook, type Step } from './playbook.schema';
import { EVENT_SCOPE_ROOTS, RUN_SCOPE_ROOTS, TRIGGER_SCOPE_ROOTS } from './scope';
import { isValidTimeZone, parseClockTime } from './time-window';

export interface PlaybookIssue {
  /** Where, e.g. "steps[2].wait.onTimeout" or "exitCriteria[0].when". */
  readonly path: string;
  /** The step concerned, when there is one. */
  readonly stepId?: string;
  readonly message: string;
}

export type PlaybookParseResult =
  { readonly ok: true; readonly playbook: Playbook } | { readonly ok: false; readonly issues: readonly PlaybookIssue[] };

const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc === '' ? String(key) : `${acc}.${String(key)}`), '');

function zodIssues(error: z.ZodError, input: unknown): PlaybookIssue[] {
  const steps = typeof input === 'object' && input !== null ? (input as { steps?: unknown }).steps : undefined;
  return error.issues.map((issue) => {
    const [first, index] = issue.path;
    const raw =
      first === 'steps' && typeof index === 'number' && Array.isArray(steps) ? (steps[index] as { id?: unknown } | undefined) : undefined;
    const stepId = typeof raw?.id === 'string' ? raw.id : undefined;
    const path = formatPath(issue.path) || '(playbook)';
    return { path, message: `${path}: ${issue.message}`, ...(stepId !== undefined ? { stepId } : {}) };
  });
}

/** Parses and validates a playbook definition; every problem is reported with its path and step. */
export function parsePlaybook(input: unknown): PlaybookParseResult {
  const parsed = playbookSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, input) };
  const issues = checkSemantics(parsed.data);
  return issues.length === 0 ? { ok: true, playbook: parsed.data } : { ok: false, issues };
}

/** Throws with every issue listed; for definitions shipped as code (samples, tests). */
export function definePlaybook(input: unknown): Playbook {
  const result = parsePlaybook(input);
  if (!result.ok) throw new Error(`invalid playbook:\n${result.issues.map((i) => `- ${i.message}`).join('\n')}`);
  return result.playbook;
}

function checkSemantics(playbook: Playbook): PlaybookIssue[] {
  const issues: PlaybookIssue[] = [];
  const { steps } = playbook;
  const label = (i: number, step: Step) => `steps[${i}] ("${step.id}")`;
  const add = (path: string, message: string, stepId?: string) =>
    issues.push({ path, message: `${path}: ${message}`, ...(stepId !== undefined ? { stepId } : {}) });

  const seen = new Map<string, number>();
  steps.forEach((step, i) => {
    const earlier = seen.get(step.id);
    if (earlier !== undefined) add(`steps[${i}].id`, `duplicate step id "${step.id}" (also steps[${earlier}])`, step.id);
    else seen.set(step.id, i);
  });

  steps.forEach((step, i) => {
    for (const edge of stepEdges(steps, i)) {
      if (edge.target !== null && !seen.has(edge.target)) {
        add(`steps[${i}].${edge.field}`, `${label(i, step)} points to unknown step "${edge.target}"`, step.id);
      }
    }
  });

  const graph = adjacency(steps);
  const cycle = findCycle(graph);
  if (cycle !== null) add('steps', `steps form a cycle: ${cycle.join(' → ')} (runs must always move forward)`, cycle[0]);

  const first = steps[0];
  if (first !== undefined) {
    const reachable = reachableFrom(graph, first.id);
    steps.forEach((step, i) => {
      if (!reachable.has(step.id))
        add(`steps[${i}]`, `${label(i, step)} can never run: no path leads to it from the first step "${first.id}"`, step.id);
    });
  }

  // Which steps can have run before each step (for `steps.<id>` references).
  const canPrecede = (earlier: string, later: string) => earlier !== later && reachableFrom(graph, earlier).has(later);

  const checkReads = (path: string, paths: readonly string[], roots: readonly string[], step?: Step) => {
    for (const read of paths) {
      const [root, id] = read.split('.');
      if (root === undefined || !roots.includes(root)) {
        add(path, `reads "${read}", but expressions can only read ${roots.map((r) => `${r}.*`).join(', ')}`, step?.id);
        continue;
      }
      if (root !== 'steps') continue;
      if (id === undefined || !seen.has(id)) add(path, `reads "${read}" but there is no step "${id ?? ''}"`, step?.id);
      else if (step !== undefined && !canPrecede(id, step.id)) {
        add(path, `reads "${read}" but step "${id}" never runs before "${step.id}"`, step.id);
      }
    }
  };
  const checkExpression = (path: string, expression: JsonValue, roots: readonly string[], step?: Step) => {
    const analysis = analyseExpression(expression);
    for (const p of analysis.problems) add(formatPath([path, ...p.at]), p.message, step?.id);
    checkReads(path, analysis.varPaths, roots, step);
  };

  playbook.exitCriteria.forEach((c, i) => checkExpression(`exitCriteria[${i}].when`, c.when, EVENT_SCOPE_ROOTS));
  if (playbook.trigger?.when !== undefined) checkExpression('trigger.when', playbook.trigger.when, TRIGGER_SCOPE_ROOTS);

  steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    if (step.kind === 'action' || step.kind === 'decide') {
      const params = step.kind === 'action' ? step.action.params : step.context;
      const where = step.kind === 'action' ? `${at}.action.params` : `${at}.context`;
      const analysis = analyseParams(params);
      for (const p of analysis.problems) add(`${where}.${p.param}`, p.message, step.id);
      checkReads(where, analysis.paths, RUN_SCOPE_ROOTS, step);
      if (step.kind === 'action') {
        for (const key of REQUIRED_ACTION_PARAMS[step.action.type]) {
          if (!(key in params)) add(`${where}.${key}`, `the ${step.action.type} action needs the parameter "${key}"`, step.id);
        }
        for (const [language, variant] of Object.entries(step.action.localized ?? {})) {
          const variantAt = `${at}.action.localized.${language}`;
          const variantAnalysis = analyseParams(variant);
          for (const p of variantAnalysis.problems) add(`${variantAt}.${p.param}`, p.message, step.id);
          checkReads(variantAt, variantAnalysis.paths, RUN_SCOPE_ROOTS, step);
        }
      }
      checkRetry(`${at}.retry`, step.retry, add, step.id);
    }
    if (step.kind === 'branch')
      step.branches.forEach((b, j) => checkExpression(`${at}.branches[${j}].when`, b.when, RUN_SCOPE_ROOTS, step));
    if (step.kind === 'wait') {
      const spec = step.wait;
      if (spec.type === 'event') checkExpression(`${at}.wait.match`, spec.match, EVENT_SCOPE_ROOTS, step);
      if (spec.type === 'time_window') {
        if (parseClockTime(spec.start) >= parseClockTime(spec.end)) {
          add(
            `${at}.wait`,
            `the window must start before it ends (got ${spec.start}–${spec.end}; overnight windows are not supported)`,
            step.id,
          );
        }
        if (!isValidTimeZone(spec.defaultTimeZone))
          add(`${at}.wait.defaultTimeZone`, `"${spec.defaultTimeZone}" is not an IANA time zone`, step.id);
        checkReads(`${at}.wait.timeZoneFrom`, [spec.timeZoneFrom], RUN_SCOPE_ROOTS, step);
      }
    }
  });
  checkRetry('defaults.retry', playbook.defaults.retry, add);
  return issues;
}

function checkRetry(
  path: string,
  retry: { initialInterval?: number | undefined; maxInterval?: number | undefined } | undefined,
  add: (path: string, message: string, stepId?: string) => void,
  stepId?: string,
): void {
  if (retry?.initialInterval !== undefined && retry.maxInterval !== undefined && retry.maxInterval < retry.initialInterval) {
    add(path, `maxInterval (${retry.maxInterval} ms) is shorter than initialInterval (${retry.initialInterval} ms)`, stepId);
  }
}
