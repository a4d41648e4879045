/**
 * Baton properties on HubSpot contacts (stage, hotness, next best action, reason) follow the profile:
 * a pipeline stage that runs after decisioning marks the profile's contacts dirty; a per-portal job, a
 * couple of seconds later, builds each dirty profile's card once, compares its values with the last
 * ones written, and writes the changed contacts in batches of up to 100 (one batch update call), so a
 * burst of events costs one card build per profile and one API call per 100 contacts.
 */
import { createHash } from 'node:crypto';
import type { CardView } from '../../app/cards/card-view';
import type { HubSpotApi } from './client/api';
import { classifyHubSpotError } from './client/errors';
import {
  type CardService,
  connectionStore,
  type Database,
  type EventStage,
  type JobHandler,
  type Logger,
  RateLimitedError,
  type WorkQueue,
} from '../../server/platform';
import { contactsOfProfile } from './records.repository';
import { markWritebackPending, pendingWritebacks, writebackDone } from './writeback.repository';
import { systemClock, type Clock } from '../../app/shared/clock';

export const HUBSPOT_WRITEBACK_JOB = 'hubspot.writeback';
const BATCH_WINDOW_MS = 2_000;

/** The Baton properties a card implies (names from manifest.json). */
export function batonProperties(card: CardView): Record<string, string> {
  const nba = card.nextBestAction;
  return {
    baton_stage: card.journey?.stage ?? '',
    baton_hotness: card.hotness === null ? '' : String(Math.round(card.hotness.score)),
    baton_next_action: nba === null || nba.status === 'dismissed' ? '' : nba.action.label,
    baton_reason: nba?.reasons[0]?.text.slice(0, 1000) ?? '',
  };
}

const hashOf = (props: Record<string, string>): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(props).sort()))
    .digest('hex')
    .slice(0, 32);

export function writebackStage(deps: { db: Database; work: WorkQueue; cards: () => CardService | undefined; clock?: Clock }): EventStage {
  return {
    name: 'hubspot-writeback',
    // Cheap per event: mark the profile's contacts dirty and make sure a window job is queued. The card
    // is built once per profile per window by the job, not once per event.
    async run({ tenantId, profileId }) {
      if (profileId === null || deps.cards() === undefined) return {};
      // The tenant's active portal from the connection store's short cache (a read per event otherwise);
      // the window job reads the installation afresh before it writes.
      const active = (await connectionStore.ofTenantCached(deps.db, tenantId, 'hubspot')).find((c) => c.status === 'active');
      if (active === undefined || active.externalId === null) return {};
      const install = { portalId: active.externalId };
      const contacts = await contactsOfProfile(deps.db, tenantId, profileId, install.portalId);
      if (contacts.length === 0) return {};
      for (const contactId of contacts.slice(0, 5)) {
        await markWritebackPending(deps.db, tenantId, profileId, install.portalId, contactId);
      }
      const bucket = Math.floor((deps.clock ?? systemClock).now() / BATCH_WINDOW_MS);
      await deps.work.enqueue({
        tenantId,
        kind: HUBSPOT_WRITEBACK_JOB,
        payload: { portalId: install.portalId },
        dedupeKey: `hubspot-writeback:${install.portalId}:${bucket}`,
        dueAt: new Date((bucket + 1) * BATCH_WINDOW_MS),
      });
      return {};
    },
  };
}

/**
 * The window job: builds each dirty profile's card once, and writes the contacts whose Baton values
 * differ from the last written ones in batch updates of up to 100. A row marked dirty again while the
 * job runs stays pending (its updated_at moved) and is picked up by the next window.
 */
export function writebackHandler(deps: {
  db: Database;
  logger: Logger;
  api: () => HubSpotApi | undefined;
  cards: () => CardService | undefined;
}): JobHandler {
  return async (job) => {
    const api = deps.api();
    const cards = deps.cards();
    if (api === undefined || cards === undefined) return;
    const portalId = String(job.payload['portalId']);
    for (let round = 0; round < 20; round++) {
      const pending = await pendingWritebacks(deps.db, job.tenantId, portalId);
      if (pending.length === 0) return;
      const byProfile = new Map<string, Record<string, string>>();
      for (const row of pending) {
        if (!byProfile.has(row.profileId)) byProfile.set(row.profileId, batonProperties(await cards.view(job.tenantId, row.profileId)));
      }
      // One contact may appear for two profiles (before a merge settles): the last one wins.
      const inputs = new Map<string, Record<string, string>>();
      for (const row of pending) {
        const props = byProfile.get(row.profileId) ?? {};
        if (hashOf(props) !== row.valuesHash) inputs.set(row.contactId, props);
      }
      if (inputs.size > 0) {
        try {
          await api.batchUpdate(
            portalId,
            'contact',
            [...inputs].map(([id, properties]) => ({ id, properties })),
          );
        } catch (err) {
          const failure = classifyHubSpotError(err, 'Baton property write-back');
          if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
          if (failure.category === 'transient') throw err;
          // Permanent or auth (contact deleted, properties missing, disconnected): drop this batch, say why.
          deps.logger.warn({ portalId, tenantId: job.tenantId, failure }, 'HubSpot refused a Baton property write-back batch; dropped');
        }
      }
      for (const row of pending) {
        const props = byProfile.get(row.profileId) ?? {};
        await writebackDone(deps.db, job.tenantId, portalId, row, hashOf(props), props);
      }
    }
  };
}
