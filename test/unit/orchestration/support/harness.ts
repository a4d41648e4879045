import {
  advanceRun,
  definePlaybook,
  startRun,
  type AdvanceResult,
  type DecidedAction,
  type EngineDeps,
  type EngineOptions,
  type JsonObject,
  type PlaybookInput,
  type RunSnapshot,
  type StartRunResult,
} from '../../../../app/orchestration';
import {
  CountingActionPort,
  ManualClock,
  MemoryPlaybookStore,
  MemoryRunStore,
  MemoryScheduler,
  ScriptedDecider,
  SequentialIds,
} from '../../../../app/orchestration/memory';

/** Monday 3 March 2025, 08:00 UTC. */
export const T0 = Date.UTC(2025, 2, 3, 8, 0, 0);
export const TENANT = 'tenant_a';
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface World {
  readonly clock: ManualClock;
  readonly ids: SequentialIds;
  readonly runs: MemoryRunStore;
  readonly playbooks: MemoryPlaybookStore;
  readonly scheduler: MemoryScheduler;
  readonly actions: CountingActionPort;
  readonly decider: ScriptedDecider;
  readonly deps: EngineDeps;
}

export const defaultDecision = (): DecidedAction => ({
  id: 'renewal-offer',
  label: 'Renewal offer',
  channel: 'email',
  params: { templateId: 'renewal-offer' },
});

export function makeWorld(
  options: {
    decide?: (profileId: string, context: JsonObject) => DecidedAction | null;
    explain?: ConstructorParameters<typeof ScriptedDecider>[1];
    engine?: Partial<EngineOptions>;
  } = {},
): World {
  const clock = new ManualClock(T0);
  const ids = new SequentialIds();
  const scheduler = new MemoryScheduler();
  const runs = new MemoryRunStore(scheduler);
  const playbooks = new MemoryPlaybookStore();
  const actions = new CountingActionPort();
  const decider = new ScriptedDecider(options.decide ?? defaultDecision, options.explain);
  const deps: EngineDeps = {
    runs,
    playbooks,
    scheduler,
    actions,
    decider,
    clock,
    ids,
    ...(options.engine ? { options: options.engine } : {}),
  };
  return { clock, ids, runs, playbooks, scheduler, actions, decider, deps };
}

/** Stores a definition as published (bypassing the draft step, for brevity). */
export async function publish(world: World, input: PlaybookInput, tenantId = TENANT): Promise<void> {
  const playbook = definePlaybook({ ...input, status: 'published' });
  const inserted = await world.playbooks.insert(tenantId, playbook, world.clock.now());
  if (!inserted.ok) throw new Error(`could not insert ${playbook.id} v${playbook.version}`);
}

export async function start(
  world: World,
  playbookId: string,
  context: JsonObject = {},
  profileId = 'profile_1',
  tenantId = TENANT,
): Promise<RunSnapshot> {
  const result: StartRunResult = await startRun(world.deps, { tenantId, playbookId, profileId, context });
  if (!result.ok) throw new Error(result.error.message);
  return result.snapshot;
}

/** Delivers every wake-up due now (and those they schedule for now), like the dispatcher would. */
export async function pump(world: World, deps: EngineDeps = world.deps): Promise<AdvanceResult[]> {
  const results: AdvanceResult[] = [];
  for (let round = 0; round < 500; round += 1) {
    const due = world.scheduler.takeDue(world.clock.now());
    if (due.length === 0) return results;
    for (const wake of due) results.push(await advanceRun(deps, wake.tenantId, wake.runId));
  }
  throw new Error('pump: too many rounds (a wake-up loop?)');
}

/** Moves the clock to each pending wake-up up to `until` (inclusive) and delivers it. */
export async function runUntil(world: World, until: number): Promise<void> {
  await pump(world);
  for (let guard = 0; guard < 1_000; guard += 1) {
    const next = world.scheduler.nextAt();
    if (next === null || next > until) break;
    if (next > world.clock.now()) world.clock.set(next);
    await pump(world);
  }
  if (until > world.clock.now()) world.clock.set(until);
  await pump(world);
}

/** Runs wake-ups until none is pending (or the guard trips). */
export async function runToQuiet(world: World): Promise<void> {
  await pump(world);
  for (let guard = 0; guard < 1_000; guard += 1) {
    const next = world.scheduler.nextAt();
    if (next === null) return;
    if (next > world.clock.now()) world.clock.set(next);
    await pump(world);
  }
  throw new Error('runToQuiet: wake-ups never stop');
}

export async function load(world: World, runId: string, tenantId = TENANT): Promise<RunSnapshot> {
  const snapshot = await world.runs.load(tenantId, runId);
  if (snapshot === null) throw new Error(`no run ${runId}`);
  return snapshot;
}

export function stepOf(snapshot: RunSnapshot, stepId: string) {
  const exec = snapshot.steps.find((s) => s.stepId === stepId);
  if (exec === undefined) throw new Error(`step ${stepId} was never entered`);
  return exec;
}

/** A minimal one-action playbook definition, overridable. */
export function actionPlaybook(overrides: Partial<PlaybookInput> = {}): PlaybookInput {
  return {
    id: 'single',
    version: 1,
    name: 'Single action',
    steps: [{ id: 'send', kind: 'action', action: { type: 'email', params: { templateId: 'hello' } } }],
    ...overrides,
  };
}

/** Five consecutive action steps that do not wait (a run that advances until blocked, in one go). */
export const fiveSteps: PlaybookInput = {
  id: 'five',
  version: 1,
  name: 'Five actions',
  steps: [1, 2, 3, 4, 5].map((n) => ({
    id: `s${n}`,
    kind: 'action' as const,
    action: { type: 'note' as const, params: { body: `step ${n}` } },
  })),
};
