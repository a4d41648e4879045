/**
 * `POST /api/v1/connections/:id/export` → the `warehouse.export` job: writes Baton's decisions,
 * settled outcomes and finished runs into the connection's export table (PostgreSQL or DuckDB), one
 * row per item keyed `<kind>:<id>` with the tenant, profile, time and a JSON `data` column, so analysts
 * join them with their own tables. Incremental: per connection and kind, the keyset position (time,
 * id) already written is kept; each batch is upserted, then the position moves, so a crash in between
 * writes the batch again over itself (never a duplicate). Items newer than `horizonMs` wait for the
 * next export, so a transaction still committing an older time cannot be skipped.
 */
import { type OpenWarehouse, type WarehouseClient, WarehouseError } from '../../connectors/warehouse';
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import type { JobHandler } from '../dispatch/work-runner';
import { newId } from '../security/ids';
import {
  EXPORT_KINDS,
  type ExportRecord,
  exportBatch,
  exportPosition,
  finishExport,
  getExport,
  insertQueuedExport,
  markExportRunning,
  recordExportProgress,
} from './export.repository';
import type { WarehouseRepository } from './warehouse.repository';

export const WAREHOUSE_EXPORT_JOB = 'warehouse.export';
const BATCH = 500;
const EXPORT_MAX_ATTEMPTS = 8;

/** A queued export (or the connection's active one) and its job, in one transaction. */
export async function startExport(
  deps: { db: Database; work: WorkQueue },
  tenantId: string,
  connectionId: string,
  table: string,
): Promise<{ export: ExportRecord; created: boolean }> {
  const refs: Awaited<ReturnType<WorkQueue['record']>>[] = [];
  const out = await deps.db.transaction(async (tx) => {
    const id = newId('exp');
    const queued = await insertQueuedExport(tx, tenantId, id, connectionId, table);
    if (queued.created)
      refs.push(
        await deps.work.record(tx, {
          tenantId,
          kind: WAREHOUSE_EXPORT_JOB,
          payload: { exportId: id },
          dedupeKey: `warehouse.export:${id}`,
          maxAttempts: EXPORT_MAX_ATTEMPTS,
        }),
      );
    return queued;
  });
  await deps.work.notify(refs);
  return out;
}

export function warehouseExportJob(deps: {
  db: Database;
  repo: WarehouseRepository;
  open: OpenWarehouse;
  horizonMs: number;
  now: () => number;
}): JobHandler {
  return async (job) => {
    const exportId = job.payload['exportId'];
    if (typeof exportId !== 'string') throw new Error('warehouse.export job without an exportId');
    const ex = await getExport(deps.db, job.tenantId, exportId);
    if (ex === undefined || ex.status === 'succeeded' || ex.status === 'failed') return;
    const finish = (status: 'succeeded' | 'failed', error: string | null): Promise<void> =>
      finishExport(deps.db, job.tenantId, exportId, status, error);
    const connection = await deps.repo.get(deps.db, job.tenantId, ex.connectionId);
    if (connection === undefined) return finish('failed', 'the connection was deleted');
    await markExportRunning(deps.db, job.tenantId, exportId);
    const until = new Date(deps.now() - deps.horizonMs);
    let client: WarehouseClient | undefined;
    try {
      client = deps.open(connection.config);
      for (const kind of EXPORT_KINDS) {
        for (;;) {
          if (job.signal.aborted) throw new Error('export aborted; it resumes from its position');
          const after = await exportPosition(deps.db, job.tenantId, connection.id, kind);
          const batch = await exportBatch(deps.db, job.tenantId, kind, after, until, BATCH);
          const last = batch.last;
          if (batch.rows.length === 0 || last === null) break;
          await client.writeExport(ex.table, batch.rows);
          await deps.db.transaction((tx) => recordExportProgress(tx, job.tenantId, exportId, connection.id, kind, last, batch.rows.length));
          if (batch.rows.length < BATCH) break;
        }
      }
      await finish('succeeded', null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if ((err instanceof WarehouseError && err.category !== 'transient') || job.attempt >= EXPORT_MAX_ATTEMPTS)
        return finish('failed', message);
      throw err;
    } finally {
      await client?.close().catch(() => undefined);
    }
  };
}
