import { Router } from 'express';
import { canonicalEventSchema } from '../../app/events/canonical-event';
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import { getEvent, type Identify, type IdentifyMany } from '../events/events.repository';
import { IngestBatcher } from '../events/ingest-batcher';
import type { Metrics } from '../observability/metrics';
import { tenantOf } from './auth';
import { HttpError, validationError } from './errors';

/** Whether a Prefer header (RFC 7240: comma-separated preferences, names case-insensitive) asks for respond-async. */
export function prefersAsync(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((p) => p.split(';')[0]?.trim().toLowerCase() === 'respond-async');
}

export function eventRoutes(deps: {
  db: Database;
  work: WorkQueue;
  metrics: Metrics;
  identify?: Identify;
  identifyMany?: IdentifyMany;
}): Router {
  const router = Router();
  // Concurrent requests share one transaction (group commit); each is answered after its commit.
  const batcher = new IngestBatcher(
    deps.db,
    deps.work,
    deps.identify,
    deps.identifyMany === undefined ? {} : { identifyMany: deps.identifyMany },
  );
  router.post('/events', async (req, res) => {
    const parsed = canonicalEventSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error, 'event');
    const tenantId = tenantOf(res);
    // `Prefer: respond-async` (RFC 7240): acknowledged once stored, before identity resolves the person
    // (profileId null; the worker resolves it, a batch at a time). For bulk senders that do not need the id.
    const deferIdentity = prefersAsync(req.get('prefer')) && (deps.identify !== undefined || deps.identifyMany !== undefined);
    const result = await batcher.ingest(tenantId, parsed.data, req.get('idempotency-key'), { deferIdentity });
    deps.metrics.eventsIngested.inc({ source: parsed.data.source, outcome: result.duplicate ? 'duplicate' : 'stored' });
    if (deferIdentity) res.set('Preference-Applied', 'respond-async');
    res.status(202).json(result);
  });
  router.get('/events/:eventId', async (req, res) => {
    const event = await getEvent(deps.db, tenantOf(res), req.params['eventId'] ?? '');
    if (event === undefined) throw new HttpError(404, 'not_found', 'no event with this id in your tenant');
    res.json(event);
  });
  return router;
}
