/**
 * `POST /api/v1/connections/:id/export` → the `warehouse.export` job: writes Baton's decisions,
 * settled outcomes and finished runs into the connection's export table (PostgreSQL or DuckDB), one
 * row per item keyed `<kind>:<id>` with the tenant, profile, time and a JSON `data` column, so analysts
 * join them with their own tables. Incremental: per connection and kind, the keyset position (time,
 * id) already written is kept; each batch is upserted, then the position moves, so a crash in between
 * writes the batch again over itself (never a duplicate). Items newer than `horizonMs` wait for the
 * next export, so a transaction still committing an older time cannot be skipped.
 */
import { type ExportRow, type OpenWarehouse, type WarehouseClient, WarehouseError } from '../../connectors/warehouse';
import type { Database, Queryable } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import type { JobHandler } from '../dispatch/work-runner';
import { newId } from '../security/ids';
import type { WarehouseRepository } from './warehouse.repository';

export const WAREHOUSE_EXPORT_JOB = 'warehouse.export';
export const EXPORT_KINDS = ['decision', 'outcome', 'run'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
const BATCH = 500;
const EXPORT_MAX_ATTEMPTS = 8;

export interface ExportRecord {
  readonly id: string;
  readonly connectionId: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed';
  readonly table: string;
  readonly rowsWritten: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly error: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

interface ExportDbRow {
  id: string;
  connection_id: string;
  status: ExportRecord['status'];
  table_name: string;
  rows_written: number;
  counts: Record<string, number>;
  error: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

const recordOf = (r: ExportDbRow): ExportRecord => ({
  id: r.id,
  connectionId: r.connection_id,
  status: r.status,
  table: r.table_name,
  rowsWritten: r.rows_written,
  counts: r.counts,
  error: r.error,
  createdAt: new Date(r.created_at).toISOString(),
  finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
});

export async function getExport(q: Queryable, tenantId: string, id: string): Promise<ExportRecord | undefined> {
  const r = await q.query<ExportDbRow>('SELECT * FROM warehouse_exports WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return r.rows[0] === undefined ? undefined : recordOf(r.rows[0]);
}

/** A queued export (or the connection's active one) and its job, in one transaction. */
export async function startExport(deps: { db: Database; work: WorkQueue }, tenantId: string, connectionId: string, table: string): Promise<{ export: ExportRecord; created: boolean }> {
  const refs: Awaited<ReturnType<WorkQueue['record']>>[] = [];
  const out = await deps.db.transaction(async (tx) => {
    const id = newId('exp');
    const inserted = await tx.query<ExportDbRow>(
      `INSERT INTO warehouse_exports (tenant_id, id, connection_id, status, table_name) VALUES ($1, $2, $3, 'queued', $4)
       ON CONFLICT (tenant_id, connection_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING *`,
      [tenantId, id, connectionId, table],
    );
    if (inserted.rows[0] === undefined) {
      const active = await tx.query<ExportDbRow>(`SELECT * FROM warehouse_exports WHERE tenant_id = $1 AND connection_id = $2 AND status IN ('queued', 'running')`, [tenantId, connectionId]);
      if (active.rows[0] === undefined) throw new Error('export conflict without an active export');
      return { export: recordOf(active.rows[0]), created: false };
    }
    refs.push(await deps.work.record(tx, { tenantId, kind: WAREHOUSE_EXPORT_JOB, payload: { exportId: id }, dedupeKey: `warehouse.export:${id}`, maxAttempts: EXPORT_MAX_ATTEMPTS }));
    return { export: recordOf(inserted.rows[0]), created: true };
  });
  await deps.work.notify(refs);
  return out;
}

interface Position {
  readonly at: string;
  readonly id: string;
}

const SOURCES: Readonly<Record<ExportKind, string>> = {
  decision: `SELECT id AS item_id, profile_id, decided_at AS at,
      jsonb_build_object('actionId', action_id, 'holdout', holdout, 'mode', mode, 'propensity', propensity, 'score', score, 'status', status, 'origin', origin, 'runId', run_id) AS data
    FROM decisions WHERE tenant_id = $1`,
  outcome: `SELECT o.decision_id AS item_id, d.profile_id, o.at AS at,
      jsonb_build_object('decisionId', o.decision_id, 'outcome', o.outcome, 'value', o.value, 'implicit', o.implicit, 'liftGroup', o.lift_group, 'actionId', d.action_id) AS data
    FROM decision_outcomes o JOIN decisions d ON d.tenant_id = o.tenant_id AND d.id = o.decision_id WHERE o.tenant_id = $1`,
  run: `SELECT id AS item_id, profile_id, ended_at AS at,
      jsonb_build_object('playbookId', playbook_id, 'playbookVersion', playbook_version, 'status', status, 'error', error, 'endedBy', ended_by, 'startedAt', started_at) AS data
    FROM runs WHERE tenant_id = $1 AND ended_at IS NOT NULL`,
};

/** The next batch of one kind after `after`, no newer than `until`. */
export async function exportBatch(q: Queryable, tenantId: string, kind: ExportKind, after: Position | null, until: Date, limit = BATCH): Promise<{ rows: ExportRow[]; last: Position | null }> {
  const r = await q.query<{ item_id: string; profile_id: string | null; at: Date | string; data: Record<string, unknown> }>(
    `SELECT * FROM (${SOURCES[kind]}) s
      WHERE s.at <= $2 AND ($3::timestamptz IS NULL OR (s.at, s.item_id) > ($3::timestamptz, $4::text))
      ORDER BY s.at, s.item_id LIMIT $5`,
    [tenantId, until.toISOString(), after?.at ?? null, after?.id ?? '', limit],
  );
  const rows = r.rows.map((x) => ({ id: `${kind}:${x.item_id}`, kind, tenantId, profileId: x.profile_id, occurredAt: new Date(x.at).toISOString(), data: x.data }));
  const tail = r.rows[r.rows.length - 1];
  return { rows, last: tail === undefined ? null : { at: new Date(tail.at).toISOString(), id: tail.item_id } };
}

export function warehouseExportJob(deps: { db: Database; repo: WarehouseRepository; open: OpenWarehouse; horizonMs: number; now: () => number }): JobHandler {
  return async (job) => {
    const exportId = job.payload['exportId'];
    if (typeof exportId !== 'string') throw new Error('warehouse.export job without an exportId');
    const ex = await getExport(deps.db, job.tenantId, exportId);
    if (ex === undefined || ex.status === 'succeeded' || ex.status === 'failed') return;
    const finish = async (status: 'succeeded' | 'failed', error: string | null): Promise<void> => {
      await deps.db.query(`UPDATE warehouse_exports SET status = $3, error = $4, finished_at = now() WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running')`, [job.tenantId, exportId, status, error]);
    };
    const connection = await deps.repo.get(deps.db, job.tenantId, ex.connectionId);
    if (connection === undefined) return finish('failed', 'the connection was deleted');
    await deps.db.query(`UPDATE warehouse_exports SET status = 'running' WHERE tenant_id = $1 AND id = $2 AND status = 'queued'`, [job.tenantId, exportId]);
    const until = new Date(deps.now() - deps.horizonMs);
    let client: WarehouseClient | undefined;
    try {
      client = deps.open(connection.config);
      for (const kind of EXPORT_KINDS) {
        for (;;) {
          if (job.signal.aborted) throw new Error('export aborted; it resumes from its position');
          const pos = await deps.db.query<{ after_at: Date | string; after_id: string }>('SELECT after_at, after_id FROM warehouse_export_positions WHERE tenant_id = $1 AND connection_id = $2 AND kind = $3', [job.tenantId, connection.id, kind]);
          const p = pos.rows[0];
          const after = p === undefined ? null : { at: new Date(p.after_at).toISOString(), id: p.after_id };
          const batch = await exportBatch(deps.db, job.tenantId, kind, after, until);
          if (batch.rows.length === 0 || batch.last === null) break;
          await client.writeExport(ex.table, batch.rows);
          await deps.db.transaction(async (tx) => {
            await tx.query(
              `INSERT INTO warehouse_export_positions (tenant_id, connection_id, kind, after_at, after_id) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (tenant_id, connection_id, kind) DO UPDATE SET after_at = EXCLUDED.after_at, after_id = EXCLUDED.after_id`,
              [job.tenantId, connection.id, kind, batch.last?.at, batch.last?.id],
            );
            await tx.query(
              `UPDATE warehouse_exports SET rows_written = rows_written + $3, counts = jsonb_set(counts, ARRAY[$4::text], to_jsonb(coalesce((counts->>$4)::int, 0) + $3)) WHERE tenant_id = $1 AND id = $2`,
              [job.tenantId, exportId, batch.rows.length, kind],
            );
          });
          if (batch.rows.length < BATCH) break;
        }
      }
      await finish('succeeded', null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if ((err instanceof WarehouseError && err.category !== 'transient') || job.attempt >= EXPORT_MAX_ATTEMPTS) return finish('failed', message);
      throw err;
    } finally {
      await client?.close().catch(() => undefined);
    }
  };
}
