/**
 * The warehouse part of `/api/v1/connections` (mounted before the messaging connections router, so
 * `type: "warehouse"` and warehouse connection ids are answered here and everything else passes on):
 * create / read / update / delete, test, syncs (`POST …/sync` → 202 { syncId }, `GET …/syncs/:syncId`)
 * and exports (`POST …/export` → 202 { exportId }). Secrets (the URL) are sealed and never returned.
 */
import { Router, type NextFunction, type Response } from 'express';
import { mergePatch } from '../../app/shared/json-merge-patch';
import { z } from 'zod';
import { EXPORT_ENGINES, warehouseConfigSchema, type WarehouseConfig } from '../connections/connection-config';
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import type { OpenWarehouse, WarehouseClient } from '../../connectors/warehouse';
import { startExport } from './export.job';
import { getExport, type ExportRecord } from './export.repository';
import { nextSlot } from './schedule';
import { startSync } from './sync.job';
import type { SyncRecord, WarehouseConnectionView, WarehouseRepository } from './warehouse.repository';

export interface WarehouseRouteDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly repo: WarehouseRepository;
  readonly open: OpenWarehouse;
  readonly now: () => number;
  /** Why a DuckDB path is refused (outside the service's warehouse directory), or undefined. */
  readonly checkPath: (file: string) => string | undefined;
  /** Why a PostgreSQL URL is refused (Baton's own database), or undefined. */
  readonly checkUrl: (url: string) => string | undefined;
}

function checkedConfig(deps: WarehouseRouteDeps, input: unknown): WarehouseConfig {
  const config = warehouseConfigSchema.safeParse(input);
  if (!config.success) throw validationError(config.error, 'warehouse config');
  const problem = config.data.engine === 'duckdb' ? deps.checkPath(config.data.path ?? '') : undefined;
  if (problem !== undefined)
    throw new HttpError(400, 'invalid_request', `invalid warehouse config: path ${problem}`, [{ path: 'path', message: problem }]);
  const urlProblem = config.data.engine === 'postgres' ? deps.checkUrl(config.data.url ?? '') : undefined;
  if (urlProblem !== undefined)
    throw new HttpError(400, 'invalid_request', `invalid warehouse config: url ${urlProblem}`, [{ path: 'url', message: urlProblem }]);
  return config.data;
}

const exportBodySchema = z.strictObject({}).optional();

export function syncView(s: SyncRecord): Record<string, unknown> {
  const end = s.finishedAt ?? null;
  return {
    syncId: s.id,
    connectionId: s.connectionId,
    status: s.status,
    trigger: s.trigger,
    rowsRead: s.rowsRead,
    rowsRejected: s.rowsRejected,
    rowsUnchanged: s.rowsUnchanged,
    profilesMatched: s.profilesMatched,
    profilesCreated: s.profilesCreated,
    eventsEmitted: s.eventsEmitted,
    rejections: s.rejections,
    cursor: { after: s.cursorAfter, upTo: s.cursorUpTo },
    error: s.error,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.startedAt === null || end === null ? null : new Date(end).getTime() - new Date(s.startedAt).getTime(),
  };
}

const exportView = (e: ExportRecord): Record<string, unknown> => ({
  exportId: e.id,
  connectionId: e.connectionId,
  status: e.status,
  table: e.table,
  rowsWritten: e.rowsWritten,
  counts: e.counts,
  error: e.error,
  createdAt: e.createdAt,
  finishedAt: e.finishedAt,
});

export function warehouseRoutes(deps: WarehouseRouteDeps): Router {
  const router = Router();
  const { db, repo } = deps;

  const present = async (tenantId: string, v: WarehouseConnectionView): Promise<Record<string, unknown>> => {
    const schedule = typeof v.config['schedule'] === 'string' ? v.config['schedule'] : undefined;
    const state = await repo.state(db, tenantId, v.id);
    const last = (await repo.syncs(db, tenantId, v.id, 1))[0];
    const nextSyncAt =
      schedule === undefined
        ? null
        : (nextSlot(schedule, new Date(Math.max(deps.now() - 1, new Date(state.lastSlotAt ?? v.createdAt).getTime())))?.toISOString() ??
          null);
    return { connectionId: v.id, ...v, cursor: state.cursor, nextSyncAt, lastSync: last === undefined ? null : syncView(last) };
  };
  const mine = async (res: Response, id: string): Promise<WarehouseConnectionView | undefined> => repo.view1(db, tenantOf(res), id);
  const required = async (res: Response, id: string): Promise<WarehouseConnectionView> => {
    const v = await mine(res, id);
    if (v === undefined) throw new HttpError(404, 'not_found', 'no warehouse connection with this id in your tenant');
    return v;
  };

  router.post('/connections', async (req, res, next: NextFunction) => {
    const body = req.body as { type?: unknown; config?: unknown } | undefined;
    if (body === undefined || body === null || typeof body !== 'object' || body.type !== 'warehouse') return next();
    const extra = Object.keys(body).filter((k) => k !== 'type' && k !== 'config');
    if (extra.length > 0)
      throw new HttpError(
        400,
        'invalid_request',
        `invalid connection: unknown field ${extra.join(', ')} (expected { "type": "warehouse", "config": { … } })`,
      );
    const view = await repo.create(db, tenantOf(res), checkedConfig(deps, body.config));
    res.status(201).json(await present(tenantOf(res), view));
  });

  // Adds the warehouse connections to the messaging router's list (it answers GET /connections).
  router.get('/connections', async (_req, res, next: NextFunction) => {
    const tenantId = tenantOf(res);
    const list = await Promise.all((await repo.list(db, tenantId)).map((v) => present(tenantId, v)));
    const send = res.json.bind(res);
    res.json = ((payload: unknown) => {
      const p = payload as { connections?: unknown } | null;
      return send(
        p !== null && typeof p === 'object' && Array.isArray(p.connections)
          ? { ...p, connections: [...(p.connections as unknown[]), ...list] }
          : payload,
      );
    }) as typeof res.json;
    next();
  });

  router.get('/connections/:id', async (req, res, next: NextFunction) => {
    const v = await mine(res, req.params['id'] ?? '');
    if (v === undefined) return next();
    res.json(await present(tenantOf(res), v));
  });

  router.patch('/connections/:id', async (req, res, next: NextFunction) => {
    const tenantId = tenantOf(res);
    const id = req.params['id'] ?? '';
    const current = await repo.get(db, tenantId, id);
    if (current === undefined) return next();
    const body = req.body as { config?: unknown } | undefined;
    if (body === undefined || body.config === null || typeof body.config !== 'object' || Array.isArray(body.config)) {
      throw new HttpError(400, 'invalid_request', 'expected { "config": { ...fields to change } }');
    }
    const merged = mergePatch(current.config, body.config as Record<string, unknown>);
    const view = await repo.update(db, tenantId, id, checkedConfig(deps, merged));
    if (view === undefined) throw new HttpError(404, 'not_found', 'the connection was deleted meanwhile');
    res.json(await present(tenantId, view));
  });

  router.delete('/connections/:id', async (req, res, next: NextFunction) => {
    const id = req.params['id'] ?? '';
    if ((await mine(res, id)) === undefined) return next();
    await repo.delete(db, tenantOf(res), id);
    res.status(204).end();
  });

  /** Runs the query for one row: 200 with ok and the columns, or ok false with the warehouse's error. */
  router.post('/connections/:id/test', async (req, res, next: NextFunction) => {
    const tenantId = tenantOf(res);
    const connection = await repo.get(db, tenantId, req.params['id'] ?? '');
    if (connection === undefined) return next();
    let client: WarehouseClient | undefined;
    try {
      client = deps.open(connection.config);
      const rows = await client.readPage({ query: connection.config.query, orderBy: [], offset: 0, limit: 1 });
      await repo.setStatus(db, tenantId, connection.id, 'active', null);
      res.json({
        connectionId: connection.id,
        type: 'warehouse',
        ok: true,
        details: { columns: rows[0] === undefined ? [] : Object.keys(rows[0]) },
      });
    } catch (err) {
      const category = typeof (err as { category?: unknown }).category === 'string' ? (err as { category: string }).category : 'transient';
      const message = err instanceof Error ? err.message : String(err);
      if (category === 'auth') await repo.setStatus(db, tenantId, connection.id, 'error', message);
      res.json({ connectionId: connection.id, type: 'warehouse', ok: false, error: { code: `warehouse.${category}`, category, message } });
    } finally {
      await client?.close().catch(() => undefined);
    }
  });

  router.post('/connections/:id/sync', async (req, res) => {
    const v = await required(res, req.params['id'] ?? '');
    const { sync, created } = await startSync(deps, tenantOf(res), v.id, req.get('x-baton-client') === 'cli' ? 'cli' : 'api');
    res.status(202).json({ syncId: sync.id, status: sync.status, alreadyRunning: !created });
  });

  router.get('/connections/:id/syncs', async (req, res) => {
    const v = await required(res, req.params['id'] ?? '');
    res.json({ syncs: (await repo.syncs(db, tenantOf(res), v.id, 50)).map(syncView) });
  });

  router.get('/connections/:id/syncs/:syncId', async (req, res) => {
    const v = await required(res, req.params['id'] ?? '');
    const s = await repo.sync(db, tenantOf(res), req.params['syncId'] ?? '');
    if (s === undefined || s.connectionId !== v.id) throw new HttpError(404, 'not_found', 'no sync with this id for this connection');
    res.json(syncView(s));
  });

  router.post('/connections/:id/export', async (req, res) => {
    const tenantId = tenantOf(res);
    const parsed = exportBodySchema.safeParse(
      req.body === undefined || (typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length === 0)
        ? undefined
        : req.body,
    );
    if (!parsed.success) throw validationError(parsed.error, 'export request (set exportTable on the connection instead)');
    const connection = await repo.get(db, tenantId, req.params['id'] ?? '');
    if (connection === undefined) throw new HttpError(404, 'not_found', 'no warehouse connection with this id in your tenant');
    if (!EXPORT_ENGINES.includes(connection.config.engine)) {
      throw new HttpError(
        400,
        'export_unsupported',
        `export writes to a PostgreSQL or DuckDB warehouse; this connection is ${connection.config.engine} (create a postgres or duckdb connection for the export)`,
      );
    }
    const out = await startExport(deps, tenantId, connection.id, connection.config.exportTable);
    res.status(202).json({ exportId: out.export.id, status: out.export.status, table: out.export.table, alreadyRunning: !out.created });
  });

  router.get('/connections/:id/exports/:exportId', async (req, res) => {
    const v = await required(res, req.params['id'] ?? '');
    const e = await getExport(db, tenantOf(res), req.params['exportId'] ?? '');
    if (e === undefined || e.connectionId !== v.id) throw new HttpError(404, 'not_found', 'no export with this id for this connection');
    res.json(exportView(e));
  });

  return router;
}
