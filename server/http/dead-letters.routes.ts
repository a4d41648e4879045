import { Router } from 'express';
import { z } from 'zod';
import type { DeadLetterBody, RedriveOneBody } from '../../app/contracts';
import type { Database } from '../db/database';
import { deadLetters, type DeadLetterRow } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';
import { tenantOf } from './auth';
import { HttpError, validationError } from './errors';
import { encodeCursor, pageCursor } from './page-cursor';

/** Most rows one bulk redrive puts back to work; the answer says when more remain. */
export const REDRIVE_BATCH_LIMIT = 500;

const jobId = z.string().trim().min(1).max(100);
const kind = z.string().trim().min(1).max(100);

const listQuery = z.strictObject({
  kind: kind.optional(),
  limit: z.coerce.number().int().min(1).max(200, 'must be at most 200').default(50),
  cursor: pageCursor.optional(),
});

const bulkBody = z.strictObject({
  ids: z
    .array(jobId)
    .min(1, 'must name at least one id (or leave "ids" out to redrive every dead letter)')
    .max(REDRIVE_BATCH_LIMIT, `must name at most ${REDRIVE_BATCH_LIMIT} ids`)
    .optional(),
  kind: kind.optional(),
});

const at = (d: Date | string): string => new Date(d).toISOString();

/**
 * A payload reduced to what an operator needs to recognise the work (ids, counts, kinds): scalar
 * values up to 120 characters, nested values described, at most 12 keys. Payloads can be large
 * (a stored webhook batch) and hold personal data; the full one stays in the database.
 */
export function summarizePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(payload);
  for (const key of keys.slice(0, 12)) {
    const v = payload[key];
    if (typeof v === 'string') out[key] = v.length > 120 ? `${v.slice(0, 119)}…` : v;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[key] = v;
    else if (Array.isArray(v)) out[key] = `[${v.length} item${v.length === 1 ? '' : 's'}]`;
    else if (typeof v === 'object') out[key] = `{${Object.keys(v).length} field${Object.keys(v).length === 1 ? '' : 's'}}`;
  }
  if (keys.length > 12) out['…'] = `${keys.length - 12} more field${keys.length - 12 === 1 ? '' : 's'}`;
  return out;
}

/** The JSON of one dead letter (the API's, the CLI's and the console's). */
export function deadLetterView(row: DeadLetterRow) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    error: row.last_error,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    rateLimitedWaits: row.rate_limit_waits,
    redrives: row.redrives,
    payload: summarizePayload(row.payload),
    createdAt: at(row.created_at),
    diedAt: at(row.dead_at),
  } satisfies DeadLetterBody;
}

export type DeadLetterView = ReturnType<typeof deadLetterView>;

/** One page of dead letters, newest deaths first, and the cursor of the next page (null on the last). */
export async function deadLetterPage(
  db: Database,
  query: { tenantId?: string; kind?: string; limit: number; cursor?: { at: number; id: string } },
): Promise<{ deadLetters: DeadLetterView[]; nextCursor: string | null }> {
  const rows = await deadLetters.list(db, {
    ...(query.tenantId === undefined ? {} : { tenantId: query.tenantId }),
    ...(query.kind === undefined ? {} : { kind: query.kind }),
    limit: query.limit + 1,
    ...(query.cursor === undefined ? {} : { before: query.cursor }),
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    deadLetters: page.map(deadLetterView),
    nextCursor:
      rows.length > query.limit && last !== undefined ? encodeCursor({ at: new Date(last.dead_at).getTime(), id: last.id }) : null,
  };
}

/** Bulk redrive (bounded): puts matching dead letters back to work and dispatches them. */
export async function redriveDeadLetters(
  db: Database,
  work: WorkQueue | undefined,
  query: { tenantId?: string; ids?: readonly string[]; kind?: string },
): Promise<{ redriven: number; ids: string[]; remaining: number }> {
  // Without a work queue (the CLI on the database) the service's sweeper dispatches the rows.
  const refs = await deadLetters.redriveMany(db, { ...query, limit: REDRIVE_BATCH_LIMIT, leaveToSweeper: work === undefined });
  if (work !== undefined) await work.notify(refs);
  const remaining = refs.length < REDRIVE_BATCH_LIMIT ? 0 : await deadLetters.count(db, query);
  return { redriven: refs.length, ids: refs.map((r) => r.id), remaining };
}

/**
 * The tenant's dead letters (work that used up its attempts), under /api/v1 behind API-key auth:
 * list, get one, redrive one, redrive many. Another tenant's row answers 404, like an unknown id.
 */
export function deadLetterRoutes(deps: { db: Database; work: WorkQueue }): Router {
  const router = Router();

  router.get('/dead-letters', async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const { kind: k, limit, cursor } = query.data;
    res.json(
      await deadLetterPage(deps.db, {
        tenantId: tenantOf(res),
        limit,
        ...(k === undefined ? {} : { kind: k }),
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
  });

  router.post('/dead-letters/redrive', async (req, res) => {
    const body = bulkBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    const { ids, kind: k } = body.data;
    res.json(
      await redriveDeadLetters(deps.db, deps.work, {
        tenantId: tenantOf(res),
        ...(ids === undefined ? {} : { ids }),
        ...(k === undefined ? {} : { kind: k }),
      }),
    );
  });

  router.get('/dead-letters/:id', async (req, res) => {
    const id = jobId.safeParse(req.params['id']);
    if (!id.success) throw validationError(id.error, 'path');
    const row = await deadLetters.get(deps.db, tenantOf(res), id.data);
    if (row === undefined || row.status !== 'dead') throw new HttpError(404, 'not_found', `no dead letter ${id.data}`);
    res.json(deadLetterView(row));
  });

  router.post('/dead-letters/:id/redrive', async (req, res) => {
    const id = jobId.safeParse(req.params['id']);
    if (!id.success) throw validationError(id.error, 'path');
    const result = await deadLetters.redrive(deps.db, tenantOf(res), id.data);
    if (result === 'not_found') throw new HttpError(404, 'not_found', `no dead letter ${id.data}`);
    if (result === 'not_dead')
      throw new HttpError(409, 'not_dead', `work ${id.data} is not dead (it is pending or done), so there is nothing to redrive`);
    await deps.work.notify([result]);
    res.json({ id: result.id, status: 'pending', dueAt: result.dueAt.toISOString() } satisfies RedriveOneBody);
  });

  return router;
}

const adminListQuery = listQuery.extend({ tenant: z.string().trim().min(1).max(100).optional() });
const adminRedriveBody = z
  .strictObject({
    tenant: z.string().trim().min(1).max(100).optional(),
    kind: kind.optional(),
    ids: z.array(jobId).min(1).max(REDRIVE_BATCH_LIMIT).optional(),
    all: z.boolean().optional(),
  })
  .refine((b) => (b.ids === undefined) !== (b.all !== true), { message: 'give either "ids" or "all": true' });

/**
 * The operator's view across tenants, for the CLI while the service holds the embedded database.
 * Mounted under /internal/admin after adminRoutes, whose guard (loopback and the lock file's token)
 * runs first for every path there.
 */
export function deadLetterAdminRoutes(deps: { db: Database; work: WorkQueue }): Router {
  const router = Router();
  router.get('/dead-letters', async (req, res) => {
    const query = adminListQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const { tenant, kind: k, limit, cursor } = query.data;
    res.json(
      await deadLetterPage(deps.db, {
        limit,
        ...(tenant === undefined ? {} : { tenantId: tenant }),
        ...(k === undefined ? {} : { kind: k }),
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
  });
  router.post('/dead-letters/redrive', async (req, res) => {
    const body = adminRedriveBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    const { tenant, kind: k, ids } = body.data;
    res.json(
      await redriveDeadLetters(deps.db, deps.work, {
        ...(tenant === undefined ? {} : { tenantId: tenant }),
        ...(k === undefined ? {} : { kind: k }),
        ...(ids === undefined ? {} : { ids }),
      }),
    );
  });
  return router;
}
