/**
 * The runs' rows in the outbox: pending `run.advance` wake-ups, runs nobody will look at (the stuck-run
 * sweep) and the sweep's advisory lock.
 */
import type { WakeRequest } from '../../app/orchestration';
import { lockKey, type Queryable } from '../db/database';

/** The durable job that calls `advanceRun` for one run. */
export const RUN_ADVANCE_JOB = 'run.advance';

/** Whether an unclaimed pending wake-up exists for this run at exactly this instant. */
export async function pendingWakeExists(q: Queryable, request: WakeRequest): Promise<boolean> {
  const pending = await q.query(
    `SELECT 1 FROM outbox
      WHERE tenant_id = $1 AND kind = '${RUN_ADVANCE_JOB}' AND status = 'pending' AND payload->>'runId' = $2::text
        AND due_at = $3::timestamptz AND attempts = 0 AND locked_until IS NULL
      LIMIT 1`,
    [request.tenantId, request.runId, new Date(request.at).toISOString()],
  );
  return pending.rows.length > 0;
}

/** Takes the stuck-run sweep's transaction-level advisory lock; false when another worker holds it. */
export async function tryStuckSweepLock(tx: Queryable): Promise<boolean> {
  const lock = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [lockKey('baton:runs:stuck-sweep')]);
  return lock.rows[0]?.locked === true;
}

/**
 * Runs that nobody will look at: not finished, not held by a live lease, and whose wake-up (or lease)
 * is overdue by more than `graceMs`, with no pending wake-up row due soon. This happens when a
 * process died while holding a run (its lease expired and the busy re-arm was lost with it), or when
 * a wake-up row died after its attempts. Returns them
 * (at most `limit`) so the caller re-arms a wake-up.
 */
export async function findStuckRuns(
  q: Queryable,
  now: number,
  graceMs: number,
  limit: number,
): Promise<{ tenantId: string; runId: string }[]> {
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
