import { deliverEvent, toJson, isJsonObject, type JsonObject } from '../../app/orchestration';
import type { EventStage } from '../events/event-processor';
import type { RunsService } from './runs.service';

/**
 * Event-pipeline stage: hands every event about a known profile to that profile's active runs —
 * exit criteria end them, a matching wait-for-event resumes them. Idempotent: the engine remembers
 * consumed event ids, so a redelivered event changes nothing. Events without a profile are skipped.
 */
export function runsStage(service: RunsService): EventStage {
  return {
    name: 'runs',
    async run({ tenantId, event, profileId }) {
      if (profileId === null) return {};
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
