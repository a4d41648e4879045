/**
 * warehouse_exports and warehouse_export_positions: one export of Baton's decisions, settled outcomes and
 * finished runs to a connection's table (at most one queued or running per connection), and per connection
 * and kind the keyset position (time, id) already written. The `warehouse.export` job (export.job.ts)
 * drives them.
 */
import type { ExportRow } from '../../connectors/warehouse';
import type { Queryable } from '../db/database';

export const EXPORT_KINDS = ['decision', 'outcome', 'run'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

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

/** Queues export `id` unless the connection already has a queued or running one, which is returned instead. */
export async function insertQueuedExport(
  tx: Queryable,
  tenantId: string,
  id: string,
  connectionId: string,
  table: string,
): Promise<{ export: ExportRecord; created: boolean }> {
  const inserted = await tx.query<ExportDbRow>(
    `INSERT INTO warehouse_exports (tenant_id, id, connection_id, status, table_name) VALUES ($1, $2, $3, 'queued', $4)
     ON CONFLICT (tenant_id, connection_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING *`,
    [tenantId, id, connectionId, table],
  );
  if (inserted.rows[0] !== undefined) return { export: recordOf(inserted.rows[0]), created: true };
  const active = await tx.query<ExportDbRow>(
    `SELECT * FROM warehouse_exports WHERE tenant_id = $1 AND connection_id = $2 AND status IN ('queued', 'running')`,
    [tenantId, connectionId],
  );
  if (active.rows[0] === undefined) throw new Error('export conflict without an active export');
  return { export: recordOf(active.rows[0]), created: false };
}

export async function markExportRunning(q: Queryable, tenantId: string, id: string): Promise<void> {
  await q.query(`UPDATE warehouse_exports SET status = 'running' WHERE tenant_id = $1 AND id = $2 AND status = 'queued'`, [tenantId, id]);
}

/** Ends a queued or running export (a finished one stays as it is). */
export async function finishExport(
  q: Queryable,
  tenantId: string,
  id: string,
  status: 'succeeded' | 'failed',
  error: string | null,
): Promise<void> {
  await q.query(
    `UPDATE warehouse_exports SET status = $3, error = $4, finished_at = now() WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running')`,
    [tenantId, id, status, error],
  );
}

export interface Position {
  readonly at: string;
  readonly id: string;
}

/** How far this connection's exports of `kind` have written, or null before the first batch. */
export async function exportPosition(q: Queryable, tenantId: string, connectionId: string, kind: ExportKind): Promise<Position | null> {
  const pos = await q.query<{ after_at: Date | string; after_id: string }>(
    'SELECT after_at, after_id FROM warehouse_export_positions WHERE tenant_id = $1 AND connection_id = $2 AND kind = $3',
    [tenantId, connectionId, kind],
  );
  const p = pos.rows[0];
  return p === undefined ? null : { at: new Date(p.after_at).toISOString(), id: p.after_id };
}

/** A written batch: the connection's position of `kind` moves to `last`, the export counts `rows` more. */
export async function recordExportProgress(
  tx: Queryable,
  tenantId: string,
  exportId: string,
  connectionId: string,
  kind: ExportKind,
  last: Position,
  rows: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO warehouse_export_positions (tenant_id, connection_id, kind, after_at, after_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, connection_id, kind) DO UPDATE SET after_at = EXCLUDED.after_at, after_id = EXCLUDED.after_id`,
    [tenantId, connectionId, kind, last.at, last.id],
  );
  await tx.query(
    `UPDATE warehouse_exports SET rows_written = rows_written + $3, counts = jsonb_set(counts, ARRAY[$4::text], to_jsonb(coalesce((counts->>$4)::int, 0) + $3)) WHERE tenant_id = $1 AND id = $2`,
    [tenantId, exportId, rows, kind],
  );
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
export async function exportBatch(
  q: Queryable,
  tenantId: string,
  kind: ExportKind,
  after: Position | null,
  until: Date,
  limit: number,
): Promise<{ rows: ExportRow[]; last: Position | null }> {
  const r = await q.query<{ item_id: string; profile_id: string | null; at: Date | string; data: Record<string, unknown> }>(
    `SELECT * FROM (${SOURCES[kind]}) s
      WHERE s.at <= $2 AND ($3::timestamptz IS NULL OR (s.at, s.item_id) > ($3::timestamptz, $4::text))
      ORDER BY s.at, s.item_id LIMIT $5`,
    [tenantId, until.toISOString(), after?.at ?? null, after?.id ?? '', limit],
  );
  const rows = r.rows.map((x) => ({
    id: `${kind}:${x.item_id}`,
    kind,
    tenantId,
    profileId: x.profile_id,
    occurredAt: new Date(x.at).toISOString(),
    data: x.data,
  }));
  const tail = r.rows[r.rows.length - 1];
  return { rows, last: tail === undefined ? null : { at: new Date(tail.at).toISOString(), id: tail.item_id } };
}
