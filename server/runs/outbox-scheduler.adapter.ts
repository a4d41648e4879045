import type { Scheduler, WakeRequest } from '../../app/orchestration';
import type { Database, Queryable } from '../db/database';
import type { JobRef, NewJob } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';

import { pendingWakeExists, RUN_ADVANCE_JOB } from './wakeups.repository';

export { RUN_ADVANCE_JOB } from './wakeups.repository';

/**
 * Dispatch-level attempts of one wake-up row. A throwing advance (store outage, contention) is
 * retried by the work runner with backoff; if a row still dies, the stuck-run sweep re-arms the run.
 */
const ADVANCE_MAX_ATTEMPTS = 25;

/** The outbox job for a wake-up: a `run.advance` row due at `at`. */
export const wakeJob = (request: WakeRequest): NewJob => ({
  tenantId: request.tenantId,
  kind: RUN_ADVANCE_JOB,
  payload: { runId: request.runId, reason: request.reason.slice(0, 200) },
  dueAt: new Date(request.at),
  maxAttempts: ADVANCE_MAX_ATTEMPTS,
});

/**
 * The Scheduler port on the outbox/timer table, for RE-ARMING wake-ups of state that is already
 * committed (a wake-up that a state change needs is recorded by SqlRunStore in that change's
 * transaction). A wake-up is a `run.advance` row written through the WorkQueue (outbox.repository),
 * due at `at`, delivered at least once by the dispatcher (BullMQ or in-process), with the sweeper as
 * the safety net.
 *
 * Coalescing: a re-arm is dropped only when a PENDING row that no worker has claimed yet exists for
 * the same (tenant, run, instant) — that row is still guaranteed to run at or after `at`. Finished
 * rows and rows being executed right now never absorb a request: the outbox's all-time dedupe key
 * would let a completed wake-up swallow a re-armed one (and lose the run), so it is not used here.
 * Two concurrent re-arms may both insert; a duplicate wake-up is harmless.
 */
export class OutboxScheduler implements Scheduler {
  constructor(
    private readonly db: Database,
    private readonly work: WorkQueue,
  ) {}

  async wakeAt(request: WakeRequest): Promise<void> {
    const ref = await rearmWake(this.db, this.work, request);
    if (ref !== undefined) await this.work.notify([ref]);
  }
}

/** Records a wake-up (in the caller's transaction, if `q` is one) unless an unclaimed pending one exists for the same run and instant. */
export async function rearmWake(q: Queryable, work: WorkQueue, request: WakeRequest): Promise<JobRef | undefined> {
  if (await pendingWakeExists(q, request)) return undefined;
  return work.record(q, wakeJob(request));
}
