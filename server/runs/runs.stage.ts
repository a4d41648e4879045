import { deliverEvent, toJson, isJsonObject, type JsonObject } from '../../app/orchestration';
import type { Database } from '../db/database';
import type { EventStage } from '../events/event-processor';
import { profilesWithActiveRuns } from './run.repository';
import type { RunsService } from './runs.service';

/**
 * Event-pipeline stage: hands every event about a known profile to that profile's active runs —
 * exit criteria end them, a matching wait-for-event resumes them. Idempotent: the engine remembers
 * consumed event ids, so a redelivered event changes nothing. Events without a profile are skipped.
 *
 * In a micro-batch, which of the batch's people have an active run is read once, for all of them, and
 * a person with none is passed over. Every event of the batch was stored before that read, and a wait
 * only sees events that arrive while it is waiting (app/orchestration/engine/signals.ts): a run started
 * after the read (by this batch's automation stage or anyone else) has nothing to receive from it.
 */
export function runsStage(service: RunsService, db?: Database): EventStage {
  return {
    name: 'runs',
    async run({ tenantId, event, profileId, batch }) {
      if (profileId === null) return {};
      if (db !== undefined && batch?.profileIds.includes(profileId) === true) {
        const active = await batch.memo('runs.activeProfiles', () => profilesWithActiveRuns(db, tenantId, batch.profileIds));
        if (!active.has(profileId)) return {};
      }
      const properties = toJson(event.properties);
      await deliverEvent(service.deps, tenantId, {
        id: event.id,
        type: event.type,
        occurredAt: Date.parse(event.occurredAt),
        profileId,
        ...(isJsonObject(properties) ? { properties: properties as JsonObject } : {}),
      });
      return {};
    },
  };
}
