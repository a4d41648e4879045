import {
  ACTIVE_RUN_STATUSES,
  type CommitResult,
  type CreateRunResult,
  type Run,
  type RunListFilter,
  type RunSnapshot,
  type RunStore,
  type WakeRequest,
} from '../../app/orchestration';
import type { Database, Queryable } from '../db/database';
import type { JobRef } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';
import { wakeJob } from './outbox-scheduler.adapter';
import { runFromJson, stepFromJson, stepRecord, STEP_RECORD_COLUMNS, toTimestamp, type RunJson } from './run-row.mapping';

const ACTIVE_SQL = `('pending', 'running', 'waiting', 'failed')`;
const SNAPSHOT_SELECT = `SELECT to_jsonb(r) AS run,
  coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.position) FROM run_steps s WHERE s.tenant_id = r.tenant_id AND s.run_id = r.id), '[]'::jsonb) AS steps
  FROM runs r`;

interface SnapshotRow {
  run: RunJson;
  steps: RunJson[];
}

const toSnapshot = (row: SnapshotRow): RunSnapshot => ({ run: runFromJson(row.run), steps: row.steps.map(stepFromJson) });
const j = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** Step upsert, as a data-modifying CTE over `$1` (jsonb array of step records), run only if `guard` returned a row. */
const upsertStepsSql = (guard: string): string => `
  INSERT INTO run_steps (tenant_id, run_id, step_id, position, kind, status, input, output, attempt, rate_limit_waits, error,
      idempotency_key, key_generation, decision, due_at, attempts, scheduled_at, started_at, attempt_started_at, finished_at, updated_at)
  SELECT x.* FROM jsonb_to_recordset($1::jsonb) AS x(${STEP_RECORD_COLUMNS})
   WHERE EXISTS (SELECT 1 FROM ${guard})
  ON CONFLICT (tenant_id, run_id, step_id) DO UPDATE SET
    status = excluded.status, input = excluded.input, output = excluded.output, attempt = excluded.attempt,
    rate_limit_waits = excluded.rate_limit_waits, error = excluded.error, idempotency_key = excluded.idempotency_key,
    key_generation = excluded.key_generation, decision = excluded.decision, due_at = excluded.due_at,
    attempts = excluded.attempts, started_at = excluded.started_at, attempt_started_at = excluded.attempt_started_at,
    finished_at = excluded.finished_at, updated_at = excluded.updated_at`;

/** Position is the order the steps were entered; kept on update so a stale snapshot cannot reorder. */
const stepRecords = (snapshot: RunSnapshot): string =>
  JSON.stringify(snapshot.steps.map((exec, position) => stepRecord(snapshot.run.tenantId, snapshot.run.id, position, exec)));

/**
 * RunStore on PostgreSQL / PGlite, with the contract of app/orchestration/ports.ts:
 * - every statement is scoped by tenant_id (another tenant's run is "not found");
 * - `create` relies on the partial unique index runs_active_concurrency_uq (one active run per key);
 * - `commit` is an UPDATE … WHERE version = expected plus the step upserts, in ONE statement (a
 *   data-modifying CTE: atomic, and one round trip instead of BEGIN/UPDATE/UPSERT/COMMIT);
 * - `load` reads the run and its steps in ONE statement, i.e. one consistent snapshot;
 * - a wake-up given to `create` / `commit` is a `run.advance` outbox row inserted through the
 *   WorkQueue (outbox.repository) in the SAME transaction as the write, and the dispatcher is rung
 *   only after COMMIT: a wake-up never runs before the state it wakes for is durable, and committed
 *   state that needs a wake-up always has one.
 */
export class SqlRunStore implements RunStore {
  /** @param work Records and rings wake-ups; required only when wake-ups are passed. */
  constructor(private readonly db: Database, private readonly work?: WorkQueue) {}

  /**
   * Runs `write` (which returns whether it wrote) and, if a wake-up is given, records it in the same
   * transaction; rings the dispatcher after the commit. Without a wake-up: one plain statement.
   */
  private async writeWithWake<T>(wake: WakeRequest | undefined, write: (q: Queryable) => Promise<T>, wrote: (result: T) => boolean): Promise<T> {
    if (wake === undefined) return write(this.db);
    const work = this.work;
    if (work === undefined) throw new Error('SqlRunStore was given a wake-up but has no work queue to record it in');
    let ref: JobRef | undefined;
    const result = await this.db.transaction(async (tx) => {
      const written = await write(tx);
      if (wrote(written)) ref = await work.record(tx, wakeJob(wake));
      return written;
    });
    if (ref !== undefined) await work.notify([ref]);
    return result;
  }

  async create(snapshot: RunSnapshot, wake?: WakeRequest): Promise<CreateRunResult> {
    const { run } = snapshot;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const r = await this.writeWithWake(wake, (q) => q.query<{ id: string }>(
        `WITH created AS (
           INSERT INTO runs (tenant_id, id, playbook_id, playbook_version, profile_id, concurrency_key, status, context, cursor,
             waiting_for, wake_at, error, ended_by, lease_owner, lease_expires_at, resume_count, consumed_event_ids, version,
             created_at, updated_at, started_at, ended_at)
           VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $20, $21, $22)
           ON CONFLICT (tenant_id, concurrency_key) WHERE concurrency_key IS NOT NULL AND status IN ${ACTIVE_SQL} DO NOTHING
           RETURNING id),
         steps AS (${upsertStepsSql('created')})
         SELECT id FROM created`,
        [
          stepRecords(snapshot),
          run.tenantId, run.id, run.playbookId, run.playbookVersion, run.profileId, run.concurrencyKey, run.status, JSON.stringify(run.context),
          run.cursor, run.waitingFor, toTimestamp(run.wakeAt), j(run.error), j(run.end), run.lease?.owner ?? null,
          toTimestamp(run.lease?.expiresAt ?? null), run.resumeCount, JSON.stringify(run.consumedEventIds),
          toTimestamp(run.createdAt), toTimestamp(run.updatedAt), toTimestamp(run.startedAt), toTimestamp(run.endedAt),
        ],
      ), (written) => written.rows.length > 0);
      if (r.rows.length > 0) {
        const stored = structuredClone(snapshot);
        stored.run.version = 1;
        return { created: true, snapshot: stored };
      }
      const existing = await this.db.query<SnapshotRow>(
        `${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.concurrency_key = $2 AND r.status IN ${ACTIVE_SQL}`,
        [run.tenantId, run.concurrencyKey],
      );
      const row = existing.rows[0];
      if (row !== undefined) return { created: false, snapshot: toSnapshot(row) };
      // The holder ended between our insert and our read: the key is free again, try once more.
    }
    throw new Error(`run ${run.id}: concurrency key ${run.concurrencyKey ?? ''} kept changing hands`);
  }

  async load(tenantId: string, runId: string): Promise<RunSnapshot | null> {
    const r = await this.db.query<SnapshotRow>(`${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.id = $2`, [tenantId, runId]);
    const row = r.rows[0];
    return row === undefined ? null : toSnapshot(row);
  }

  async commit(snapshot: RunSnapshot, expectedVersion: number, wake?: WakeRequest): Promise<CommitResult> {
    const { run } = snapshot;
    const updated = await this.writeWithWake(wake, (q) => q.query<{ version: number }>(
      `WITH updated AS (
         UPDATE runs SET status = $5, cursor = $6, waiting_for = $7, wake_at = $8, error = $9, ended_by = $10,
                lease_owner = $11, lease_expires_at = $12, resume_count = $13, consumed_event_ids = $14,
                version = $4::int + 1, updated_at = $15, started_at = $16, ended_at = $17, context = $18
          WHERE tenant_id = $2 AND id = $3 AND version = $4
          RETURNING version),
       steps AS (${upsertStepsSql('updated')})
       SELECT version FROM updated`,
      [
        stepRecords(snapshot),
        run.tenantId, run.id, expectedVersion, run.status, run.cursor, run.waitingFor, toTimestamp(run.wakeAt), j(run.error), j(run.end),
        run.lease?.owner ?? null, toTimestamp(run.lease?.expiresAt ?? null), run.resumeCount, JSON.stringify(run.consumedEventIds),
        toTimestamp(run.updatedAt), toTimestamp(run.startedAt), toTimestamp(run.endedAt), JSON.stringify(run.context),
      ],
    ), (written) => written.rows.length > 0);
    const row = updated.rows[0];
    if (row !== undefined) return { ok: true, version: row.version };
    const exists = await this.db.query('SELECT 1 FROM runs WHERE tenant_id = $1 AND id = $2', [run.tenantId, run.id]);
    return { ok: false, reason: exists.rows.length === 0 ? 'not_found' : 'version_conflict' };
  }

  async listActiveForProfile(tenantId: string, profileId: string): Promise<Run[]> {
    return this.list(tenantId, { profileId, statuses: ACTIVE_RUN_STATUSES });
  }

  async list(tenantId: string, filter: RunListFilter): Promise<Run[]> {
    // Two fixed statements (no SQL built from input): ascending, or newest first.
    const [beyond, order] = filter.order === 'newest' ? ['<', 'r.created_at DESC, r.id DESC'] : ['>', 'r.created_at, r.id'];
    const r = await this.db.query<{ run: RunJson }>(
      `SELECT to_jsonb(r) AS run FROM runs r
        WHERE r.tenant_id = $1 AND ($2::text IS NULL OR r.profile_id = $2) AND ($3::text IS NULL OR r.playbook_id = $3)
          AND ($4::text[] IS NULL OR r.status = ANY($4::text[]))
          AND ($6::timestamptz IS NULL OR (r.created_at, r.id) ${beyond} ($6::timestamptz, $7::text))
        ORDER BY ${order}
        LIMIT $5`,
      [
        tenantId, filter.profileId ?? null, filter.playbookId ?? null, filter.statuses === undefined ? null : [...filter.statuses], filter.limit ?? null,
        toTimestamp(filter.after?.createdAt ?? null), filter.after?.id ?? null,
      ],
    );
    return r.rows.map((row) => runFromJson(row.run));
  }
}
