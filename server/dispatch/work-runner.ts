import { systemClock, type Clock } from '../../app/shared/clock';
import type { Logger } from 'pino';
import { withStrictDurability, type Database } from '../db/database';
import { outbox, type JobRef, type OutboxRow } from './outbox.repository';

export interface JobContext {
  readonly tenantId: string;
  readonly id: string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  /** 1 for the first try. */
  readonly attempt: number;
  /**
   * True when no earlier claim of this row ever ran (attempts can be given back or reset, this cannot):
   * nothing of the job can have been done before. Undefined when unknown.
   */
  readonly firstClaim?: boolean;
  /** Aborted when the lease is lost or the process shuts down past its drain timeout. */
  readonly signal: AbortSignal;
}

/** Handlers run at least once per row; side effects inside them carry idempotency keys. */
export type JobHandler = (job: JobContext) => Promise<void>;

/**
 * A handler of micro-batches: the jobs of one tenant and kind claimed together (oldest first). It answers
 * the jobs that failed, each with its error (retried alone, as a single job would be); the others are
 * completed. Throwing fails every job of the batch.
 */
export type BatchJobHandler = (jobs: readonly JobContext[]) => Promise<ReadonlyMap<string, unknown>>;

/** Thrown by a handler to be retried after a specific delay. The try counts as an attempt. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/**
 * Thrown by a handler when a vendor rate-limited it and said how long to wait (Retry-After, a
 * shared budget's reset): the row waits `delayMs` and the try does NOT use up an attempt. The
 * number of such waits per row is bounded (WorkRunnerOptions.maxRateLimitWaits); past it a
 * rate-limited try counts like any other failure, so work a vendor refuses forever still dies.
 */
export class RateLimitedError extends RetryLaterError {
  constructor(message: string, delayMs: number) {
    super(message, Math.max(0, delayMs));
    this.name = 'RateLimitedError';
  }
}

export interface WorkRunnerOptions {
  workerId: string;
  leaseMs: number;
  logger: Logger;
  /** Called with the ref of a job rescheduled after a failure, so the dispatcher delivers it on time. */
  reschedule: (ref: JobRef) => Promise<void>;
  onOutcome?: (kind: string, outcome: JobOutcome) => void;
  /** Backoff for dispatch-level retries: attempt → delay. */
  backoffMs?: (attempt: number) => number;
  /** Rate-limited waits a row may take without using attempts (default 100). */
  maxRateLimitWaits?: number;
  /** Retry times are counted from it (default the system clock). */
  clock?: Clock;
}

export type JobOutcome = 'done' | 'retry' | 'rate_limited' | 'dead';

const DEFAULT_MAX_RATE_LIMIT_WAITS = 100;

const defaultBackoff = (attempt: number): number => Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));

/** Claims a delivered job row, runs its handler under a renewed lease, and records the result. */
export class WorkRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly batchHandlers = new Map<string, { handler: BatchJobHandler; maxBatch: number }>();
  /**
   * Queue messages made moot by a batch claim in this process (`tenant/id/attempt` of the message):
   * dropped without a query when they arrive. Bounded; a forgotten one just costs its claim statement.
   */
  private readonly moot = new Set<string>();
  private readonly inFlight = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private accepting = true;

  constructor(
    private readonly db: Database,
    private readonly options: WorkRunnerOptions,
  ) {}

  private now(): number {
    return (this.options.clock ?? systemClock).now();
  }

  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for "${kind}" is already registered`);
    this.handlers.set(kind, handler);
  }

  /**
   * Registers a micro-batch handler: a delivered row of this kind that was never tried is claimed with up
   * to `maxBatch - 1` more of the tenant's due, never-tried rows of the kind (one statement) and handled
   * together; a retried row runs alone.
   */
  registerBatch(kind: string, handler: BatchJobHandler, maxBatch: number): void {
    if (this.handlers.has(kind) || this.batchHandlers.has(kind)) throw new Error(`a handler for "${kind}" is already registered`);
    this.batchHandlers.set(kind, { handler, maxBatch: Math.max(1, maxBatch) });
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  /**
   * Entry point for dispatchers. Never throws: failures are recorded on the row. A job runs with durable
   * commits whatever context rang the dispatcher (an in-process doorbell rung from the event pipeline's
   * relaxed work, server/db/database.ts); a handler of derived work relaxes its own part.
   */
  deliver = (ref: JobRef): Promise<void> => withStrictDurability(() => this.deliverNow(ref));

  private deliverNow = async (ref: JobRef): Promise<void> => {
    if (!this.accepting) return; // the row stays pending; another process or the next start picks it up
    if (this.moot.delete(`${ref.tenantId}/${ref.id}/${ref.attempt}`)) return; // claimed and handled in a batch here
    const { workerId, leaseMs, logger } = this.options;
    const row = await outbox.claim(this.db, ref, workerId, leaseMs).catch((err: unknown) => {
      logger.warn({ err, job: ref.id }, 'could not claim job');
      return undefined;
    });
    if (row === undefined) return;
    const batch = this.batchHandlers.get(row.kind);
    if (batch !== undefined) return this.deliverBatch(ref, row, batch.handler, batch.maxBatch);
    const abort = new AbortController();
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    const key = `${row.tenant_id}/${row.id}`;
    this.inFlight.set(key, { done, abort });
    const heartbeat = setInterval(
      () => {
        outbox
          .extendLease(this.db, ref, workerId, leaseMs)
          .then((held) => {
            if (!held) abort.abort(new Error('lease lost'));
          })
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      const handler = this.handlers.get(row.kind);
      if (handler === undefined) throw new Error(`no handler registered for job kind "${row.kind}"`);
      await handler({
        tenantId: row.tenant_id,
        id: row.id,
        kind: row.kind,
        payload: row.payload,
        attempt: row.attempts,
        firstClaim: row.deliveries === 1,
        signal: abort.signal,
      });
      await outbox.complete(this.db, ref);
      this.options.onOutcome?.(row.kind, 'done');
    } catch (err) {
      await this.recordFailure(ref, row, err);
    } finally {
      clearInterval(heartbeat);
      this.inFlight.delete(key);
      resolveDone();
    }
  };

  /** Records a failed try: a rate-limited wait, a retry at its backoff, or dead when attempts are used up. */
  private async recordFailure(ref: JobRef, row: OutboxRow, err: unknown): Promise<void> {
    const { logger } = this.options;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (err instanceof RateLimitedError && row.rate_limit_waits < (this.options.maxRateLimitWaits ?? DEFAULT_MAX_RATE_LIMIT_WAITS)) {
      // The vendor asked us to wait: reschedule at its time and give the attempt back.
      logger.info(
        { job: row.id, kind: row.kind, attempt: row.attempts, waitMs: err.delayMs, waits: row.rate_limit_waits + 1 },
        'job rate limited; waiting without using an attempt',
      );
      try {
        const next = await outbox.deferRateLimited(this.db, ref, message, new Date(this.now() + err.delayMs));
        if (next !== undefined) await this.options.reschedule(next);
      } catch (recordErr) {
        logger.error({ err: recordErr, job: row.id }, 'could not record the rate-limited wait; the lease expiry will retry it');
      }
      this.options.onOutcome?.(row.kind, 'rate_limited');
      return;
    }
    const exhausted = row.attempts >= row.max_attempts;
    const delay = err instanceof RetryLaterError ? err.delayMs : (this.options.backoffMs ?? defaultBackoff)(row.attempts);
    const retryAt = exhausted ? undefined : new Date(this.now() + delay);
    logger.warn(
      { job: row.id, kind: row.kind, attempt: row.attempts, err: message, dead: exhausted },
      exhausted ? 'job failed for good' : 'job failed; will retry',
    );
    try {
      const next = await outbox.fail(this.db, ref, message, retryAt);
      if (next !== undefined) await this.options.reschedule(next);
    } catch (recordErr) {
      logger.error({ err: recordErr, job: row.id }, 'could not record job failure; the lease expiry will retry it');
    }
    this.options.onOutcome?.(row.kind, exhausted ? 'dead' : 'retry');
  }

  /**
   * A micro-batch: the delivered row, plus (when it was never tried) more of the tenant's never-tried rows
   * of its kind, under one lease heartbeat; completes the ones that succeeded in one statement and records
   * each failure on its own row (retried alone).
   */
  private async deliverBatch(ref: JobRef, first: OutboxRow, handler: BatchJobHandler, maxBatch: number): Promise<void> {
    const { workerId, leaseMs, logger } = this.options;
    const more =
      first.attempts > 1 || maxBatch <= 1
        ? []
        : await outbox.claimBatch(this.db, first.tenant_id, first.kind, workerId, leaseMs, maxBatch - 1).catch((err: unknown) => {
            logger.warn({ err, job: first.id }, 'could not claim a batch; running the job alone');
            return [];
          });
    const rows: { ref: JobRef; row: OutboxRow }[] = [{ ref, row: first }];
    for (const row of more) {
      // The message that announced this row is moot now; a later re-dispatch carries a higher count.
      this.remember(`${row.tenant_id}/${row.id}/${row.deliveries - 1}`);
      rows.push({ ref: { tenantId: row.tenant_id, id: row.id, attempt: row.deliveries, dueAt: new Date(row.due_at) }, row });
    }
    // Oldest first (the order they were recorded in), so the handler sees each subject's jobs in order.
    const due = (row: OutboxRow): number => row.due_us ?? new Date(row.due_at).getTime() * 1000;
    rows.sort((a, b) => due(a.row) - due(b.row) || (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0));
    const abort = new AbortController();
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    const keys = rows.map(({ row }) => `${row.tenant_id}/${row.id}`);
    for (const key of keys) this.inFlight.set(key, { done, abort });
    const ids = rows.map(({ row }) => row.id);
    const heartbeat = setInterval(
      () => {
        outbox
          .extendLeases(this.db, first.tenant_id, ids, workerId, leaseMs)
          .then((lost) => {
            if (lost.length > 0) abort.abort(new Error(`lease lost on ${lost.length} job(s) of the batch`));
          })
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      let failures: ReadonlyMap<string, unknown>;
      try {
        failures = await handler(
          rows.map(({ row }) => ({
            tenantId: row.tenant_id,
            id: row.id,
            kind: row.kind,
            payload: row.payload,
            attempt: row.attempts,
            firstClaim: row.deliveries === 1,
            signal: abort.signal,
          })),
        );
      } catch (err) {
        failures = new Map(ids.map((id) => [id, err]));
      }
      const succeeded = ids.filter((id) => !failures.has(id));
      try {
        await outbox.completeMany(this.db, first.tenant_id, succeeded);
        for (let i = 0; i < succeeded.length; i++) this.options.onOutcome?.(first.kind, 'done');
      } catch (err) {
        // Not recorded: the leases expire and the sweeper re-dispatches; the handler is idempotent.
        logger.error({ err, jobs: succeeded.length }, 'could not complete a batch; the lease expiry will retry it');
      }
      for (const { ref: r, row } of rows) if (failures.has(row.id)) await this.recordFailure(r, row, failures.get(row.id));
      // A full batch may have left due rows behind whose only doorbell was a message this claim made
      // moot (ingest rings once per group-commit batch): ring for the oldest of them.
      if (rows.length >= maxBatch) await this.ringNext(first.tenant_id, first.kind);
    } finally {
      clearInterval(heartbeat);
      for (const key of keys) this.inFlight.delete(key);
      resolveDone();
    }
  }

  private async ringNext(tenantId: string, kind: string): Promise<void> {
    try {
      const next = await outbox.nextBatchable(this.db, tenantId, kind);
      if (next !== undefined) await this.options.reschedule(next);
    } catch (err) {
      // The sweeper re-dispatches rows nobody rang for.
      this.options.logger.warn({ err, kind }, 'could not ring for the next batch');
    }
  }

  private remember(key: string): void {
    if (this.moot.size >= 100_000) {
      const oldest = this.moot.values().next();
      if (oldest.done !== true) this.moot.delete(oldest.value);
    }
    this.moot.add(key);
  }

  /** Stops accepting deliveries and waits for in-flight handlers, aborting them after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    const all = Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([all, timeout]);
    if (timer !== undefined) clearTimeout(timer);
    if (result === 'timeout') {
      for (const f of this.inFlight.values()) f.abort.abort(new Error('shutting down'));
      await Promise.race([
        Promise.allSettled([...this.inFlight.values()].map((f) => f.done)),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
    }
  }
}
