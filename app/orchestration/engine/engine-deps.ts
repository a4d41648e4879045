import type { ActionPort, Clock, Decider, IdGenerator, PlaybookStore, RunStore, Scheduler } from '../ports';

export interface EngineOptions {
  /**
   * How long an advance invocation holds a run (and how long a port call may take) before another
   * invocation may take over. Ports must time out well within it. Default 60 s. An attempt renews
   * the lease unless at most a twentieth of it has run (leaseRenewSlackMs): a port call starts with
   * at least 95% of it.
   */
  readonly leaseMs: number;
  /** State changes one invocation makes before yielding (it schedules an immediate wake-up). Default 50. */
  readonly maxTransitionsPerInvocation: number;
  /**
   * How long (by the engine's clock) one invocation keeps a run before yielding it the same way,
   * checked between steps: consecutive steps run in one invocation only up to this. Default 10 s.
   */
  readonly maxInvocationMs: number;
  /** Optimistic-concurrency conflicts tolerated per call before giving up (throwing). Default 20. */
  readonly maxConflicts: number;
  /** How many consumed event ids a run remembers, to ignore redelivered events. Default 200. */
  readonly consumedEventMemory: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  leaseMs: 60_000,
  maxTransitionsPerInvocation: 50,
  maxInvocationMs: 10_000,
  maxConflicts: 20,
  consumedEventMemory: 200,
};

/** Everything the engine needs from the outside world. */
export interface EngineDeps {
  readonly runs: RunStore;
  readonly playbooks: PlaybookStore;
  readonly scheduler: Scheduler;
  readonly actions: ActionPort;
  readonly decider: Decider;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly options?: Partial<EngineOptions>;
}

export const engineOptions = (deps: EngineDeps): EngineOptions => ({ ...DEFAULT_ENGINE_OPTIONS, ...deps.options });

/** Thrown when the store keeps reporting conflicts: a hot run or a broken adapter. Retried by the dispatcher. */
export class RunContentionError extends Error {
  constructor(
    readonly runId: string,
    readonly conflicts: number,
  ) {
    super(`run ${runId}: gave up after ${conflicts} optimistic-concurrency conflicts`);
    this.name = 'RunContentionError';
  }
}

/** Thrown when a run points at a playbook version that does not exist (data corruption). */
export class PinnedPlaybookMissingError extends Error {
  constructor(
    readonly runId: string,
    readonly playbookId: string,
    readonly version: number,
  ) {
    super(`run ${runId} is pinned to playbook ${playbookId} v${version}, which is missing`);
    this.name = 'PinnedPlaybookMissingError';
  }
}

/**
 * Thrown by `RunStore.create` with `requireLatestPublished` when the run's playbook version is no
 * longer the latest published one (a newer version was published, or this one archived): nothing
 * was written. `startRun` reads the playbook afresh and tries again.
 */
export class StalePlaybookError extends Error {
  constructor(
    readonly playbookId: string,
    readonly version: number,
  ) {
    super(`playbook ${playbookId} v${version} is no longer the latest published version`);
    this.name = 'StalePlaybookError';
  }
}
