/**
 * `GET /api/v1/salesforce/stream`: how the tenant's change event streams are doing, per entity, from the
 * position rows (whichever process follows the org): the stored replay id, the last event's commit time,
 * when Salesforce was last heard from, how often the stream went silent (stalls, detected and recovered)
 * and how often a stored replay id had expired (gap filled by query). When this process follows the org
 * (`followedHere`), each entity also shows its state (live, retrying, resyncing), re-subscriptions and
 * flow-control counters (requested, received, handled, most in flight at once).
 */
import { Router } from 'express';
import { CDC_ENTITIES, channelOf, replayIdText } from './client';
import { type Database, HttpError, tenantOf } from '../../server/platform';
import type { SalesforceInstallations } from './installations';
import type { StreamManager } from './streams';
import { streamPositions } from './stream-positions.repository';

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export function streamStatusRoutes(deps: { db: Database; installations: SalesforceInstallations; streams: StreamManager }): Router {
  const r = Router();
  r.get('/salesforce/stream', async (_req, res) => {
    const tenantId = tenantOf(res);
    const install = await deps.installations.active(tenantId);
    if (install === undefined) throw new HttpError(404, 'not_found', 'this tenant has no active Salesforce connection');
    const rows = await streamPositions(deps.db, tenantId, install.connectionId);
    const here = deps.streams.status().find((s) => s.connectionId === install.connectionId);
    res.json({
      orgId: install.orgId,
      followedHere: here !== undefined,
      entities: CDC_ENTITIES.map((entity) => {
        const row = rows.find((x) => x.channel === channelOf(entity));
        const replay = row?.replay_id;
        const live = here?.health.find((h) => h.entity === entity);
        return {
          entity,
          topic: channelOf(entity),
          replayId: replay instanceof Uint8Array ? replayIdText(Buffer.from(replay)) : null,
          lastEventAt: iso(row?.last_event_at ?? null),
          lastHeardAt: iso(row?.last_heard_at ?? null),
          stalls: row?.stalls ?? 0,
          lastStallAt: iso(row?.last_stall_at ?? null),
          expiredReplays: row?.expired_replays ?? 0,
          lastResyncAt: iso(row?.last_resync_at ?? null),
          lastProblem: row?.last_problem ?? null,
          ...(live === undefined
            ? {}
            : { state: here?.entities.includes(entity) === true ? live.state : 'not_subscribed', retries: live.retries }),
          ...(here?.flow[entity] === undefined ? {} : { flow: here.flow[entity] }),
        };
      }),
    });
  });
  return r;
}
