import type { Queryable } from '../db/database';
import { newId } from '../security/ids';

/** A reference to one unit of durable work, as carried by a queue message. */
export interface JobRef {
  readonly tenantId: string;
  readonly id: string;
  /** Number of claims so far; part of the queue job id so a re-dispatch after a lost claim is a new message. */
  readonly attempt: number;
  readonly dueAt: Date;
}

export interface NewJob {
  tenantId: string;
  kind: string;
  payload?: Record<string, unknown>;
  /** When the work becomes due (a timer). Defaults to now. */
  dueAt?: Date;
  /** Enqueueing twice with the same key (per tenant) yields one row. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export interface OutboxRow {
  tenant_id: string;
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'done' | 'dead';
  due_at: Date;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  last_error: string | null;
}

const toRef = (row: { tenant_id: string; id: string; attempts: number; due_at: Date }): JobRef => ({
  tenantId: row.tenant_id,
  id: row.id,
  attempt: row.attempts,
  dueAt: new Date(row.due_at),
});

/** SQL for the outbox/timer table. Every statement takes the executor so callers choose the transaction. */
export const outbox = {
  /** Inserts the row (inside the caller's transaction). Returns the existing row's ref for a duplicate dedupe key. */
  async insert(q: Queryable, job: NewJob): Promise<JobRef> {
    const id = newId('job');
    const inserted = await q.query<{ tenant_id: string; id: string; attempts: number; due_at: Date }>(
      `INSERT INTO outbox (tenant_id, id, kind, payload, dedupe_key, due_at, max_attempts, dispatched_at)
       VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), $7, now())
       ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING tenant_id, id, attempts, due_at`,
      [job.tenantId, id, job.kind, JSON.stringify(job.payload ?? {}), job.dedupeKey ?? null, job.dueAt?.toISOString() ?? null, job.maxAttempts ?? 10],
    );
    const row = inserted.rows[0];
    if (row !== undefined) return toRef(row);
    const existing = await q.query<{ tenant_id: string; id: string; attempts: number; due_at: Date }>(
      'SELECT tenant_id, id, attempts, due_at FROM outbox WHERE tenant_id = $1 AND dedupe_key = $2',
      [job.tenantId, job.dedupeKey],
    );
    const found = existing.rows[0];
    if (found === undefined) throw new Error('outbox dedupe conflict without a row');
    return toRef(found);
  },

  /**
   * Claims a due, unlocked pending row for `leaseMs`. Returns undefined when it is not due, already
   * done, or leased by a live worker. Database time decides, so clocks of different hosts don't matter.
   */
  async claim(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>, workerId: string, leaseMs: number): Promise<OutboxRow | undefined> {
    const r = await q.query<OutboxRow>(
      `UPDATE outbox SET locked_until = now() + ($4::int * interval '1 millisecond'), locked_by = $3,
              attempts = attempts + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND due_at <= now()
          AND (locked_until IS NULL OR locked_until < now())
        RETURNING tenant_id, id, kind, payload, status, due_at, attempts, max_attempts, locked_by, last_error`,
      [ref.tenantId, ref.id, workerId, leaseMs],
    );
    return r.rows[0];
  },

  async extendLease(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>, workerId: string, leaseMs: number): Promise<boolean> {
    const r = await q.query(
      `UPDATE outbox SET locked_until = now() + ($4::int * interval '1 millisecond')
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND locked_by = $3`,
      [ref.tenantId, ref.id, workerId, leaseMs],
    );
    return r.rowCount > 0;
  },

  async complete(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>): Promise<void> {
    await q.query(
      `UPDATE outbox SET status = 'done', done_at = now(), updated_at = now(), locked_until = NULL, last_error = NULL
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
      [ref.tenantId, ref.id],
    );
  },

  /** Records a failure: back to pending at `retryAt`, or dead when attempts are used up (retryAt undefined). */
  async fail(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>, error: string, retryAt: Date | undefined): Promise<JobRef | undefined> {
    const r = await q.query<{ tenant_id: string; id: string; attempts: number; due_at: Date }>(
      `UPDATE outbox SET status = CASE WHEN $4::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
              due_at = coalesce($4::timestamptz, due_at), locked_until = NULL, last_error = $3, updated_at = now(),
              dispatched_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending'
        RETURNING tenant_id, id, attempts, due_at`,
      [ref.tenantId, ref.id, error.slice(0, 2000), retryAt?.toISOString() ?? null],
    );
    const row = r.rows[0];
    return row !== undefined && retryAt !== undefined ? toRef(row) : undefined;
  },

  /**
   * Rows the sweeper should (re-)dispatch: pending, due within `horizonMs`, not leased by a live worker,
   * and not dispatched within the last `redispatchAfterMs` (so a live queue message is not duplicated
   * on every sweep, while a lost one is re-sent). Marks them dispatched in the same statement.
   */
  async takeDue(q: Queryable, horizonMs: number, redispatchAfterMs: number, limit: number): Promise<JobRef[]> {
    const r = await q.query<{ tenant_id: string; id: string; attempts: number; due_at: Date }>(
      `UPDATE outbox o SET dispatched_at = now()
        FROM (SELECT tenant_id, id FROM outbox
               WHERE status = 'pending' AND due_at <= now() + ($1::int * interval '1 millisecond')
                 AND (locked_until IS NULL OR locked_until < now())
                 AND (dispatched_at IS NULL OR dispatched_at < now() - ($2::int * interval '1 millisecond'))
               ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
       WHERE o.tenant_id = due.tenant_id AND o.id = due.id
       RETURNING o.tenant_id, o.id, o.attempts, o.due_at`,
      [horizonMs, redispatchAfterMs, limit],
    );
    return r.rows.map(toRef);
  },

  async markDispatched(q: Queryable, refs: readonly JobRef[]): Promise<void> {
    if (refs.length === 0) return;
    await q.query(
      `UPDATE outbox SET dispatched_at = now() WHERE (tenant_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [refs.map((r) => r.tenantId), refs.map((r) => r.id)],
    );
  },

  async counts(q: Queryable): Promise<{ pending: number; due: number; dead: number }> {
    const r = await q.query<{ pending: number; due: number; dead: number }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'pending' AND due_at <= now())::int AS due,
              count(*) FILTER (WHERE status = 'dead')::int AS dead
         FROM outbox`,
    );
    return r.rows[0] ?? { pending: 0, due: 0, dead: 0 };
  },

  async get(q: Queryable, tenantId: string, id: string): Promise<OutboxRow | undefined> {
    const r = await q.query<OutboxRow>(
      'SELECT tenant_id, id, kind, payload, status, due_at, attempts, max_attempts, locked_by, last_error FROM outbox WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return r.rows[0];
  },
};
