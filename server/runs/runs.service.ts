import { systemClock } from '../../app/shared/clock';
import {
  advanceRun,
  samplePlaybooks,
  updateProfileRunsContext,
  type ContextChangeResult,
  type JsonObject,
  type ActionPort,
  type Decider,
  type EngineDeps,
  type EngineOptions,
  type Playbook,
  type RunSnapshot,
} from '../../app/orchestration';
import type { UnsupportedStep } from './action-registry.adapter';
import type { Database } from '../db/database';
import { RetryLaterError, type BatchJobHandler, type JobContext, type JobHandler } from '../dispatch/work-runner';
import type { WorkQueue } from '../dispatch/work-queue';
import type { Logger } from '../observability/logger';
import { newId } from '../security/ids';
import { OutboxScheduler, rearmWake } from './outbox-scheduler.adapter';
import { findStuckRuns, tryStuckSweepLock } from './wakeups.repository';
import { SqlPlaybookStore } from './playbook.repository';
import { SqlRunStore } from './run.repository';

export interface RunsServiceDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly actions: ActionPort;
  readonly decider: Decider;
  readonly engine?: Partial<EngineOptions>;
  readonly now?: () => number;
  /** Due `run.advance` wake-ups one delivery claims together (the batch handler's maxBatch): new runs' wake-ups are rung one per this many. Default 1. */
  readonly advanceBatchSize?: number;
  /**
   * The action steps of a playbook this tenant's connected systems cannot carry out (see
   * ActionRegistry.unsupportedSteps); publishing refuses them. Absent: every step counts as supported.
   */
  readonly deliverability?: (tenantId: string, playbook: Playbook) => Promise<UnsupportedStep[]>;
}

/** A busy run (another invocation holds its lease) is retried this many times, shortly, before relying on the lease-expiry wake-up. */
const BUSY_RETRIES = 5;
const BUSY_RETRY_MS = 250;
/** Runs of one `run.advance` micro-batch advanced at the same time (each may be waiting on a vendor). */
const BATCH_PARALLELISM = 16;

/** Everything the runs module needs at run time: the engine's dependencies on SQL and the outbox. */
export class RunsService {
  readonly deps: EngineDeps;
  private readonly installed = new Set<string>();
  private readonly store: SqlRunStore;

  constructor(private readonly options: RunsServiceDeps) {
    const now = options.now ?? ((): number => systemClock.now());
    this.store = new SqlRunStore(options.db, options.work, { now }, { advanceBatchSize: options.advanceBatchSize ?? 1 });
    this.deps = {
      runs: this.store,
      playbooks: new SqlPlaybookStore(options.db),
      scheduler: new OutboxScheduler(options.db, options.work),
      actions: options.actions,
      decider: options.decider,
      clock: { now },
      ids: { newId },
      ...(options.engine === undefined ? {} : { options: options.engine }),
    };
  }

  get db(): Database {
    return this.options.db;
  }

  /**
   * Installs the sample playbooks ("renewal rescue", "new lead nurture") for a tenant the first time
   * it uses the runs API. Idempotent: an existing version is left as it is (insert reports
   * version_exists), so a tenant's own changes to the samples are never overwritten.
   */
  async ensureSamples(tenantId: string): Promise<void> {
    if (this.installed.has(tenantId)) return;
    const now = this.deps.clock.now();
    for (const sample of samplePlaybooks) {
      // A sample is installed published only when the tenant's connected systems can carry out its
      // steps (as publishing requires); otherwise as a draft, to publish once they are connected.
      const playbook = (await this.unsupportedSteps(tenantId, sample)).length === 0 ? sample : { ...sample, status: 'draft' as const };
      await this.deps.playbooks.insert(tenantId, playbook, now);
    }
    this.installed.add(tenantId);
  }

  /** Action steps of `playbook` that nothing this tenant has connected can carry out, with reasons. */
  unsupportedSteps(tenantId: string, playbook: Playbook): Promise<UnsupportedStep[]> {
    return this.options.deliverability?.(tenantId, playbook) ?? Promise.resolve([]);
  }

  /**
   * A profile's context changed (e.g. its CRM record was updated): merge `patch` (JSON Merge Patch)
   * into the context of each of its unfinished runs; runs whose exit criteria now hold end as `exited`.
   */
  updateProfileContext(tenantId: string, profileId: string, patch: JsonObject): Promise<ContextChangeResult[]> {
    return updateProfileRunsContext(this.deps, tenantId, profileId, patch);
  }

  /** The `run.advance` job: one advance invocation; a busy run is retried shortly a few times. */
  readonly advanceHandler: JobHandler = async (job) => this.advance(job);

  private async advance(job: JobContext, preloaded?: RunSnapshot | null): Promise<void> {
    const runId = job.payload['runId'];
    if (typeof runId !== 'string') throw new Error('run.advance job without a runId');
    const result = await advanceRun(this.deps, job.tenantId, runId, preloaded);
    // The engine has already armed a wake-up at the lease's expiry; retrying shortly covers the
    // common case of two deliveries racing for a run whose holder is about to finish.
    if (result.outcome === 'busy' && job.attempt <= BUSY_RETRIES) {
      throw new RetryLaterError(`run ${runId} is held by another invocation`, BUSY_RETRY_MS * job.attempt);
    }
  }

  /**
   * `run.advance` micro-batches (the work runner claims a tenant's due, never-tried wake-ups together,
   * server/dispatch/work-runner.ts registerBatch): the runs are read in one statement and advanced
   * side by side, BATCH_PARALLELISM at a time (each run until blocked, as alone); two wake-ups of the
   * same run in one batch go one after the other, the second reading the run afresh. Answers each
   * job that failed with its error (retried alone, like a single job).
   */
  readonly advanceBatchHandler: BatchJobHandler = async (jobs) => {
    const tenantId = jobs[0]?.tenantId;
    const failures = new Map<string, unknown>();
    if (tenantId === undefined) return failures;
    const byRun = new Map<string, JobContext[]>();
    for (const job of jobs) {
      const runId = job.payload['runId'];
      if (typeof runId !== 'string' || job.tenantId !== tenantId) {
        failures.set(job.id, new Error('run.advance job without a runId (or of another tenant in the batch)'));
        continue;
      }
      byRun.set(runId, [...(byRun.get(runId) ?? []), job]);
    }
    const snapshots = await this.store.loadMany(tenantId, [...byRun.keys()]);
    const queue = [...byRun.entries()];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [runId, runJobs] = next;
        for (const [i, job] of runJobs.entries()) {
          try {
            await this.advance(job, i === 0 ? (snapshots.get(runId) ?? null) : undefined);
          } catch (error) {
            failures.set(job.id, error);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_PARALLELISM, queue.length) }, worker));
    return failures;
  };

  /**
   * One pass of the stuck-run sweep (see findStuckRuns): re-arms a wake-up now for each run nobody
   * will otherwise look at. Guarded by a transaction-level advisory lock, so concurrent workers do
   * not all re-arm the same runs. Returns how many runs were re-armed.
   */
  async sweepStuckRuns(graceMs: number, limit = 500): Promise<number> {
    const now = this.deps.clock.now();
    const refs = await this.options.db.transaction(async (tx) => {
      if (!(await tryStuckSweepLock(tx))) return [];
      const stuck = await findStuckRuns(tx, now, graceMs, limit);
      const armed = [];
      for (const { tenantId, runId } of stuck) {
        const ref = await rearmWake(tx, this.options.work, { tenantId, runId, at: now, reason: 'stuck-run sweep' });
        if (ref !== undefined) armed.push(ref);
      }
      return armed;
    });
    if (refs.length > 0) {
      this.options.logger.warn({ runs: refs.length }, 're-armed wake-ups for runs nobody was going to advance');
      await this.options.work.notify(refs);
    }
    return refs.length;
  }
}
