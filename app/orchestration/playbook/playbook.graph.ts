import type { Playbook, Step } from './playbook.schema';

/** One outgoing edge of a step: the field it comes from and the target id (null = end of run). */
export interface StepEdge {
  readonly field: string;
  readonly target: string | null;
}

/** The step after `index` in list order, or null when it is the last step. */
const following = (steps: readonly Step[], index: number): string | null => steps[index + 1]?.id ?? null;

/**
 * Outgoing edges of the step at `index`. A missing `next` falls through to the following step;
 * `exit` has no edges. Branch `otherwise`, `onTimeout`, `onRejected`, `onNoAction` default to
 * the step's normal successor.
 */
export function stepEdges(steps: readonly Step[], index: number): StepEdge[] {
  const step = steps[index];
  if (step === undefined) return [];
  if (step.kind === 'exit') return [];
  if (step.kind === 'branch') {
    return [
      ...step.branches.map((b, i) => ({ field: `branches[${i}].next`, target: b.next })),
      { field: 'otherwise', target: step.otherwise ?? following(steps, index) },
    ];
  }
  const next = step.next ?? following(steps, index);
  const edges: StepEdge[] = [{ field: 'next', target: next }];
  if (step.kind === 'decide' && step.onNoAction !== undefined) edges.push({ field: 'onNoAction', target: step.onNoAction });
  if ((step.kind === 'action' || step.kind === 'decide') && typeof step.onUndeliverable === 'object') {
    edges.push({ field: 'onUndeliverable.fallback', target: step.onUndeliverable.fallback });
  }
  if (step.kind === 'wait') {
    const spec = step.wait;
    if ((spec.type === 'event' || spec.type === 'approval') && spec.onTimeout !== undefined) {
      edges.push({ field: 'wait.onTimeout', target: spec.onTimeout });
    }
    if (spec.type === 'approval' && spec.onRejected !== undefined) edges.push({ field: 'wait.onRejected', target: spec.onRejected });
  }
  return edges;
}

/** The normal successor of a step (its `next` edge), used after success. */
export function nextStepId(playbook: Playbook, stepId: string): string | null {
  const index = playbook.steps.findIndex((s) => s.id === stepId);
  const step = playbook.steps[index];
  if (step === undefined || step.kind === 'exit' || step.kind === 'branch') return null;
  return step.next ?? following(playbook.steps, index);
}

/** What the run does when `step` is undeliverable: its own policy, else the playbook default, else skip. */
export function undeliverablePolicy(playbook: Playbook, step: Step): 'skip' | 'fail' | { readonly fallback: string } {
  const own = step.kind === 'action' || step.kind === 'decide' ? step.onUndeliverable : undefined;
  return own ?? playbook.defaults.onUndeliverable ?? 'skip';
}

export function findStep(playbook: Playbook, stepId: string): Step | undefined {
  return playbook.steps.find((s) => s.id === stepId);
}

/** Adjacency list over known step ids (edges to unknown ids and to "end" are dropped). */
export function adjacency(steps: readonly Step[]): Map<string, string[]> {
  const ids = new Set(steps.map((s) => s.id));
  const graph = new Map<string, string[]>();
  steps.forEach((step, index) => {
    const targets = stepEdges(steps, index)
      .map((e) => e.target)
      .filter((t): t is string => t !== null && ids.has(t));
    graph.set(step.id, [...new Set(targets)]);
  });
  return graph;
}

/** Returns one cycle as a list of ids (first id repeated at the end), or null if the graph is acyclic. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const target of graph.get(id) ?? []) {
      const seen = state.get(target);
      if (seen === 'visiting') return [...stack.slice(stack.indexOf(target)), target];
      if (seen === undefined) {
        const cycle = visit(target);
        if (cycle !== null) return cycle;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of graph.keys()) {
    if (state.get(id) === undefined) {
      const cycle = visit(id);
      if (cycle !== null) return cycle;
    }
  }
  return null;
}

/** Ids reachable from `start` (including it). */
export function reachableFrom(graph: ReadonlyMap<string, readonly string[]>, start: string): Set<string> {
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(graph.get(id) ?? []));
  }
  return seen;
}
