import { prepared, type Queryable } from '../db/database';
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
  /** Rate-limited waits so far (each gave its attempt back). */
  rate_limit_waits: number;
  /** Claims so far, never reset (attempts are given back after a rate limit and reset by a redrive). */
  deliveries: number;
  /** Due time in microseconds since the epoch (claims only): rows recorded together are a microsecond apart. */
  due_us?: number;
}

/** The columns a JobRef is built from. */
const REF_COLUMNS = 'tenant_id, id, deliveries, due_at';
const ROW_COLUMNS =
  'tenant_id, id, kind, payload, status, due_at, attempts, max_attempts, locked_by, last_error, rate_limit_waits, deliveries';
/** A Date keeps milliseconds only; claims also return the due time to the microsecond, for ordering. */
const DUE_US = (table: string): string => `(extract(epoch FROM ${table}due_at) * 1000000)::float8 AS due_us`;
export type RefRow = { tenant_id: string; id: string; deliveries: number; due_at: Date | string };

/** A job's attempts when its recorder names none. */
export const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * The statement that records jobs, around the rows `source` gives (VALUES, or a SELECT with the columns
 * tenant_id, id, kind, payload, dedupe_key, due_at, max_attempts, dispatched_at in that order): a
 * duplicate dedupe key records nothing, and every recorded row returns what its JobRef is made of
 * (`toRef`). Exported for a statement that stores jobs beside what they are about (ingest's one-statement
 * append), so every recorder writes the outbox the same way.
 */
export const insertJobsSql = (source: string): string =>
  `INSERT INTO outbox (tenant_id, id, kind, payload, dedupe_key, due_at, max_attempts, dispatched_at)
       ${source}
       ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING ${REF_COLUMNS}`;

/**
 * A ref carries the row's delivery count (claims so far, never reset), not its attempts: an attempt
 * given back after a rate limit, or reset by a redrive, must still make a new queue message.
 */
export const toRef = (row: RefRow): JobRef => ({
  tenantId: row.tenant_id,
  id: row.id,
  attempt: row.deliveries,
  dueAt: new Date(row.due_at),
});

/** A row that used up its attempts, as the dead-letter list shows it. */
export interface DeadLetterRow {
  tenant_id: string;
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  rate_limit_waits: number;
  redrives: number;
  last_error: string | null;
  created_at: Date;
  dead_at: Date;
}

export interface DeadLetterQuery {
  /** Undefined only for the operator (every tenant). */
  tenantId?: string;
  kind?: string;
  limit: number;
  /** Keyset position: rows that died before this one (newest first). */
  before?: { at: number; id: string };
}

export interface RedriveQuery {
  tenantId?: string;
  ids?: readonly string[];
  kind?: string;
  limit: number;
  /**
   * True when the caller cannot ring a dispatcher (the CLI on the database): the rows are left
   * undispatched, so the service's next sweep delivers them.
   */
  leaveToSweeper?: boolean;
}

const DEAD_COLUMNS = 'tenant_id, id, kind, payload, attempts, max_attempts, rate_limit_waits, redrives, last_error, created_at, dead_at';
const redriveSet = (
  dispatchedAt: 'now()' | 'NULL',
): string => `status = 'pending', due_at = now(), attempts = 0, rate_limit_waits = 0, redrives = redrives + 1,
              dead_at = NULL, locked_until = NULL, locked_by = NULL, dispatched_at = ${dispatchedAt}, updated_at = now()`;

/** SQL for the outbox/timer table. Every statement takes the executor so callers choose the transaction. */
export const outbox = {
  /** Inserts the row (inside the caller's transaction). Returns the existing row's ref for a duplicate dedupe key. */
  async insert(q: Queryable, job: NewJob): Promise<JobRef> {
    const id = newId('job');
    const inserted = await q.query<RefRow>(insertJobsSql('VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), $7, now())'), [
      job.tenantId,
      id,
      job.kind,
      JSON.stringify(job.payload ?? {}),
      job.dedupeKey ?? null,
      job.dueAt?.toISOString() ?? null,
      job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ]);
    const row = inserted.rows[0];
    if (row !== undefined) return toRef(row);
    const existing = await q.query<RefRow>(`SELECT ${REF_COLUMNS} FROM outbox WHERE tenant_id = $1 AND dedupe_key = $2`, [
      job.tenantId,
      job.dedupeKey,
    ]);
    const found = existing.rows[0];
    if (found === undefined) throw new Error('outbox dedupe conflict without a row');
    return toRef(found);
  },

  /**
   * Inserts several rows in one statement (inside the caller's transaction), due in the given order (a
   * microsecond apart, so rows recorded together keep their order); answers a ref per job, in order,
   * the existing row's for a duplicate dedupe key.
   */
  async insertMany(q: Queryable, jobs: readonly NewJob[]): Promise<JobRef[]> {
    if (jobs.length === 0) return [];
    const rows = jobs.map((job, i) => ({
      tenant_id: job.tenantId,
      id: newId('job'),
      kind: job.kind,
      payload: job.payload ?? {},
      dedupe_key: job.dedupeKey ?? null,
      due_at: job.dueAt?.toISOString() ?? null,
      max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      ord: i,
    }));
    const inserted = await q.query<RefRow & { dedupe_key: string | null; ord: number }>(
      prepared(
        insertJobsSql(`SELECT r.tenant_id, r.id, r.kind, r.payload, r.dedupe_key, coalesce(r.due_at, now() + r.ord * interval '1 microsecond'), r.max_attempts, now()
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, id text, kind text, payload jsonb, dedupe_key text, due_at timestamptz, max_attempts int, ord int)
        ORDER BY r.ord`),
      ),
      [JSON.stringify(rows)],
    );
    const byId = new Map(inserted.rows.map((row) => [row.id, toRef(row)]));
    const refs: (JobRef | undefined)[] = rows.map((row) => byId.get(row.id));
    const missing = rows.filter((row, i) => refs[i] === undefined);
    if (missing.length > 0) {
      const existing = await q.query<RefRow & { dedupe_key: string }>(
        `SELECT ${REF_COLUMNS}, dedupe_key FROM outbox o
          WHERE (o.tenant_id, o.dedupe_key) IN (SELECT r.tenant_id, r.dedupe_key FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, dedupe_key text))`,
        [JSON.stringify(missing.map((row) => ({ tenant_id: row.tenant_id, dedupe_key: row.dedupe_key })))],
      );
      const byKey = new Map(existing.rows.map((row) => [`${row.tenant_id}/${row.dedupe_key}`, toRef(row)]));
      rows.forEach((row, i) => {
        if (refs[i] === undefined) refs[i] = byKey.get(`${row.tenant_id}/${row.dedupe_key ?? ''}`);
      });
    }
    return refs.map((ref) => {
      if (ref === undefined) throw new Error('outbox dedupe conflict without a row');
      return ref;
    });
  },

  /**
   * Claims a due, unlocked pending row for `leaseMs`. Returns undefined when it is not due, already
   * done, or leased by a live worker. Database time decides, so clocks of different hosts don't matter.
   */
  async claim(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>, workerId: string, leaseMs: number): Promise<OutboxRow | undefined> {
    const r = await q.query<OutboxRow>(
      prepared(`UPDATE outbox SET locked_until = now() + ($4::int * interval '1 millisecond'), locked_by = $3,
              attempts = attempts + 1, deliveries = deliveries + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND due_at <= now()
          AND (locked_until IS NULL OR locked_until < now())
        RETURNING ${ROW_COLUMNS}, ${DUE_US('')}`),
      [ref.tenantId, ref.id, workerId, leaseMs],
    );
    return r.rows[0];
  },

  /**
   * Claims, for a micro-batch, up to `limit` more due, unlocked pending rows of one tenant and kind that
   * were never tried (a row that failed once is retried alone, through its own delivery), oldest first,
   * skipping rows another worker holds. The rows' queue messages become no-ops: their claim finds the
   * row leased or done.
   */
  async claimBatch(q: Queryable, tenantId: string, kind: string, workerId: string, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    if (limit <= 0) return [];
    const r = await q.query<OutboxRow>(
      prepared(`UPDATE outbox o SET locked_until = now() + ($4::int * interval '1 millisecond'), locked_by = $3,
              attempts = o.attempts + 1, deliveries = o.deliveries + 1, updated_at = now()
         FROM (SELECT tenant_id, id FROM outbox
                WHERE tenant_id = $1 AND kind = $2 AND status = 'pending' AND attempts = 0 AND due_at <= now()
                  AND (locked_until IS NULL OR locked_until < now())
                ORDER BY due_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) c
        WHERE o.tenant_id = c.tenant_id AND o.id = c.id
        RETURNING ${ROW_COLUMNS.split(', ')
          .map((c) => `o.${c}`)
          .join(', ')}, ${DUE_US('o.')}`),
      [tenantId, kind, workerId, leaseMs, limit],
    );
    return r.rows;
  },

  /**
   * The oldest due, unlocked, never-tried pending row of one tenant and kind (what the next batch claim
   * would take first), as a ref to ring for; undefined when there is none.
   */
  async nextBatchable(q: Queryable, tenantId: string, kind: string): Promise<JobRef | undefined> {
    const r = await q.query<RefRow>(
      `SELECT ${REF_COLUMNS} FROM outbox
        WHERE tenant_id = $1 AND kind = $2 AND status = 'pending' AND attempts = 0 AND due_at <= now()
          AND (locked_until IS NULL OR locked_until < now())
        ORDER BY due_at, id LIMIT 1`,
      [tenantId, kind],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : toRef(row);
  },

  /** Extends the lease of every row of a batch this worker holds; answers the ids it no longer holds. */
  async extendLeases(q: Queryable, tenantId: string, ids: readonly string[], workerId: string, leaseMs: number): Promise<string[]> {
    const r = await q.query<{ id: string }>(
      `UPDATE outbox SET locked_until = now() + ($4::int * interval '1 millisecond')
        WHERE tenant_id = $1 AND id = ANY($2::text[]) AND status = 'pending' AND locked_by = $3
        RETURNING id`,
      [tenantId, [...ids], workerId, leaseMs],
    );
    const held = new Set(r.rows.map((row) => row.id));
    return ids.filter((id) => !held.has(id));
  },

  /** Completes the rows of a batch in one statement. */
  async completeMany(q: Queryable, tenantId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await q.query(
      prepared(`UPDATE outbox SET status = 'done', done_at = now(), updated_at = now(), locked_until = NULL, last_error = NULL
        WHERE tenant_id = $1 AND id = ANY($2::text[]) AND status = 'pending'`),
      [tenantId, [...ids]],
    );
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
      prepared(`UPDATE outbox SET status = 'done', done_at = now(), updated_at = now(), locked_until = NULL, last_error = NULL
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`),
      [ref.tenantId, ref.id],
    );
  },

  /**
   * Records a failure: back to pending at `retryAt`, or dead when attempts are used up (retryAt
   * undefined), keeping the error and when it died (to the millisecond, the dead-letter list's keyset).
   */
  async fail(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>, error: string, retryAt: Date | undefined): Promise<JobRef | undefined> {
    const r = await q.query<RefRow>(
      `UPDATE outbox SET status = CASE WHEN $4::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
              due_at = coalesce($4::timestamptz, due_at), locked_until = NULL, last_error = $3, updated_at = now(),
              dispatched_at = now(),
              dead_at = CASE WHEN $4::timestamptz IS NULL THEN date_trunc('milliseconds', now()) ELSE NULL END
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending'
        RETURNING ${REF_COLUMNS}`,
      [ref.tenantId, ref.id, error.slice(0, 2000), retryAt?.toISOString() ?? null],
    );
    const row = r.rows[0];
    return row !== undefined && retryAt !== undefined ? toRef(row) : undefined;
  },

  /**
   * A rate-limited try (the vendor said "retry after"): back to pending at `retryAt` WITHOUT using up
   * the attempt the claim took. Counted in rate_limit_waits, which the work runner bounds.
   */
  async deferRateLimited(q: Queryable, ref: Pick<JobRef, 'tenantId' | 'id'>, error: string, retryAt: Date): Promise<JobRef | undefined> {
    const r = await q.query<RefRow>(
      `UPDATE outbox SET attempts = greatest(attempts - 1, 0), rate_limit_waits = rate_limit_waits + 1, due_at = $4::timestamptz,
              locked_until = NULL, last_error = $3, updated_at = now(), dispatched_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending'
        RETURNING ${REF_COLUMNS}`,
      [ref.tenantId, ref.id, error.slice(0, 2000), retryAt.toISOString()],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : toRef(row);
  },

  /**
   * Rows the sweeper should (re-)dispatch: pending, due within `horizonMs`, not leased by a live worker,
   * and not dispatched within the last `redispatchAfterMs` (so a live queue message is not duplicated
   * on every sweep, while a lost one is re-sent). Marks them dispatched in the same statement.
   */
  async takeDue(q: Queryable, horizonMs: number, redispatchAfterMs: number, limit: number): Promise<JobRef[]> {
    const r = await q.query<RefRow>(
      `UPDATE outbox o SET dispatched_at = now()
        FROM (SELECT tenant_id, id FROM outbox
               WHERE status = 'pending' AND due_at <= now() + ($1::int * interval '1 millisecond')
                 AND (locked_until IS NULL OR locked_until < now())
                 AND (dispatched_at IS NULL OR dispatched_at < now() - ($2::int * interval '1 millisecond'))
               ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
       WHERE o.tenant_id = due.tenant_id AND o.id = due.id
       RETURNING o.tenant_id, o.id, o.deliveries, o.due_at`,
      [horizonMs, redispatchAfterMs, limit],
    );
    return r.rows.map(toRef);
  },

  async markDispatched(q: Queryable, refs: readonly JobRef[]): Promise<void> {
    if (refs.length === 0) return;
    await q.query(`UPDATE outbox SET dispatched_at = now() WHERE (tenant_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [
      refs.map((r) => r.tenantId),
      refs.map((r) => r.id),
    ]);
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
    const r = await q.query<OutboxRow>(`SELECT ${ROW_COLUMNS} FROM outbox WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return r.rows[0];
  },
};

/** The dead-letter list: rows whose attempts are used up, with their last error, and their redrive. */
export const deadLetters = {
  /** Newest deaths first, keyset-paged on (dead_at, id). */
  async list(q: Queryable, query: DeadLetterQuery): Promise<DeadLetterRow[]> {
    const r = await q.query<DeadLetterRow>(
      `SELECT ${DEAD_COLUMNS} FROM outbox
        WHERE status = 'dead' AND ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR kind = $2)
          AND ($3::timestamptz IS NULL OR (dead_at, id) < ($3::timestamptz, $4::text))
        ORDER BY dead_at DESC, id DESC
        LIMIT $5`,
      [
        query.tenantId ?? null,
        query.kind ?? null,
        query.before === undefined ? null : new Date(query.before.at).toISOString(),
        query.before?.id ?? '',
        query.limit,
      ],
    );
    return r.rows;
  },

  async get(q: Queryable, tenantId: string, id: string): Promise<(DeadLetterRow & { status: string }) | undefined> {
    const r = await q.query<DeadLetterRow & { status: string }>(
      `SELECT ${DEAD_COLUMNS}, status FROM outbox WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return r.rows[0];
  },

  /**
   * Puts one dead row back to work: pending, due now, attempts (and rate-limited waits) reset. Answers
   * the ref to dispatch, or why not: no such row for this tenant, or it is not dead.
   */
  async redrive(q: Queryable, tenantId: string, id: string): Promise<JobRef | 'not_found' | 'not_dead'> {
    const r = await q.query<RefRow>(
      `UPDATE outbox SET ${redriveSet('now()')} WHERE tenant_id = $1 AND id = $2 AND status = 'dead' RETURNING ${REF_COLUMNS}`,
      [tenantId, id],
    );
    const row = r.rows[0];
    if (row !== undefined) return toRef(row);
    const exists = await q.query('SELECT 1 FROM outbox WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return exists.rows.length === 0 ? 'not_found' : 'not_dead';
  },

  /** Redrives up to `limit` dead rows (of a tenant, of given ids, of a kind), oldest deaths first. */
  async redriveMany(q: Queryable, query: RedriveQuery): Promise<JobRef[]> {
    const r = await q.query<RefRow>(
      `UPDATE outbox o SET ${redriveSet(query.leaveToSweeper === true ? 'NULL' : 'now()')}
        FROM (SELECT tenant_id, id FROM outbox
               WHERE status = 'dead' AND ($1::text IS NULL OR tenant_id = $1) AND ($2::text[] IS NULL OR id = ANY($2::text[]))
                 AND ($3::text IS NULL OR kind = $3)
               ORDER BY dead_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) d
       WHERE o.tenant_id = d.tenant_id AND o.id = d.id
       RETURNING o.tenant_id, o.id, o.deliveries, o.due_at`,
      [query.tenantId ?? null, query.ids === undefined ? null : [...query.ids], query.kind ?? null, query.limit],
    );
    return r.rows.map(toRef);
  },

  /** How many dead rows match (to say whether a bounded bulk redrive left some). */
  async count(q: Queryable, query: Omit<RedriveQuery, 'limit'>): Promise<number> {
    const r = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox
        WHERE status = 'dead' AND ($1::text IS NULL OR tenant_id = $1) AND ($2::text[] IS NULL OR id = ANY($2::text[])) AND ($3::text IS NULL OR kind = $3)`,
      [query.tenantId ?? null, query.ids === undefined ? null : [...query.ids], query.kind ?? null],
    );
    return r.rows[0]?.n ?? 0;
  },
};
