import type { Scheduler, WakeRequest } from '../../app/orchestration';
import type { Database, Queryable } from '../db/database';
import type { JobRef } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';
import { newId } from '../security/ids';

/** The durable job that calls `advanceRun` for one run. */
export const RUN_ADVANCE_JOB = 'run.advance';

/**
 * Dispatch-level attempts of one wake-up row. A throwing advance (store outage, contention) is
 * retried by the work runner with backoff; if a row still dies, the stuck-run sweep re-arms the run.
 */
const ADVANCE_MAX_ATTEMPTS = 25;

/**
 * The Scheduler port on the outbox/timer table: a wake-up is a `run.advance` row due at `at`,
 * durable once `wakeAt` resolves and delivered at least once by the dispatcher (BullMQ or in-process),
 * with the sweeper as the safety net.
 *
 * Coalescing: a request is dropped only when a PENDING row that no worker has claimed yet exists for
 * the same (tenant, run, instant) — that row is still guaranteed to run at or after `at`. Finished
 * rows and rows being executed right now never absorb a request: the outbox's all-time dedupe key
 * would let a completed wake-up swallow a re-armed one (and lose the run), so it is not used here.
 */
export class OutboxScheduler implements Scheduler {
  /**
   * @param settleMs The engine schedules a wake-up BEFORE the commit that needs it. An immediate
   *   wake-up delivered at once would often load the state from before that commit and find nothing
   *   to do, leaving the run to the stuck-run sweep. So the dispatcher is rung no earlier than
   *   `settleMs` from now (the row itself is due at `at`; the sweeper and the sweep remain the net).
   */
  constructor(
    private readonly db: Database,
    private readonly work: WorkQueue,
    private readonly now: () => number = Date.now,
    private readonly settleMs = 100,
  ) {}

  async wakeAt(request: WakeRequest): Promise<void> {
    const ref = await insertWake(this.db, request.tenantId, request.runId, request.at, request.reason);
    if (ref === undefined) return;
    const ringAt = Math.max(ref.dueAt.getTime(), this.now() + this.settleMs);
    await this.work.notify([{ ...ref, dueAt: new Date(ringAt) }]);
  }
}

/** Inserts a wake-up row unless an unclaimed pending one exists for the same run and instant. */
export async function insertWake(q: Queryable, tenantId: string, runId: string, at: number, reason: string): Promise<JobRef | undefined> {
  const id = newId('job');
  const dueAt = new Date(at);
  const r = await q.query<{ id: string }>(
    `INSERT INTO outbox (tenant_id, id, kind, payload, due_at, max_attempts, dispatched_at)
     SELECT $1, $2, '${RUN_ADVANCE_JOB}', jsonb_build_object('runId', $3::text, 'reason', $4::text), $5::timestamptz, $6, now()
      WHERE NOT EXISTS (
        SELECT 1 FROM outbox
         WHERE tenant_id = $1 AND kind = '${RUN_ADVANCE_JOB}' AND status = 'pending' AND payload->>'runId' = $3::text
           AND due_at = $5::timestamptz AND attempts = 0 AND locked_until IS NULL)
     RETURNING id`,
    [tenantId, id, runId, reason.slice(0, 200), dueAt.toISOString(), ADVANCE_MAX_ATTEMPTS],
  );
  return r.rows.length === 0 ? undefined : { tenantId, id, attempt: 0, dueAt };
}

/**
 * Runs that nobody will look at: not finished, not held by a live lease, and whose wake-up (or lease)
 * is overdue by more than `graceMs`, with no pending wake-up row due soon. This happens when a
 * process died while holding a run, when a wake-up row died after its attempts, or when a wake-up was
 * consumed in the instant between being scheduled and the commit that needed it. Returns them
 * (at most `limit`) so the caller re-arms a wake-up.
 */
export async function findStuckRuns(q: Queryable, now: number, graceMs: number, limit: number): Promise<{ tenantId: string; runId: string }[]> {
  const r = await q.query<{ tenant_id: string; id: string }>(
    `SELECT r.tenant_id, r.id FROM runs r
      WHERE r.status IN ('pending', 'running', 'waiting')
        AND coalesce(r.wake_at, r.lease_expires_at) < $1::timestamptz
        AND (r.lease_expires_at IS NULL OR r.lease_expires_at < $2::timestamptz)
        AND NOT EXISTS (
          SELECT 1 FROM outbox o
           WHERE o.tenant_id = r.tenant_id AND o.kind = '${RUN_ADVANCE_JOB}' AND o.status = 'pending'
             AND o.payload->>'runId' = r.id AND o.due_at <= $3::timestamptz)
      ORDER BY coalesce(r.wake_at, r.lease_expires_at)
      LIMIT $4`,
    [new Date(now - graceMs).toISOString(), new Date(now).toISOString(), new Date(now + graceMs).toISOString(), limit],
  );
  return r.rows.map((row) => ({ tenantId: row.tenant_id, runId: row.id }));
}
