/**
 * Traits on profiles, with where and when each came from. Every processed event's subject traits are
 * recorded here by the `traits` pipeline stage (a warehouse row's trait.changed, a CRM update, an API
 * event alike), newest first-seen time wins per trait; `GET /api/v1/profiles/:id` shows them as
 * `traits` (name → value, as JSON-logic reads `profile.traits.<name>`) and `traitSources`.
 */
import type { Database } from '../db/database';
import type { EventStage } from '../events/event-processor';
import { recordTraits } from './traits.repository';

export function traitsStage(db: Database): EventStage {
  return {
    name: 'traits',
    async run({ tenantId, event, profileId }) {
      if (profileId === null) return {};
      const traits = Object.entries(event.subject.traits ?? {}).filter(([, v]) => v !== null && v !== '');
      if (traits.length === 0) return {};
      const connectionId = typeof event.properties['connectionId'] === 'string' ? event.properties['connectionId'] : undefined;
      const source = event.source === 'warehouse' && connectionId !== undefined ? `warehouse:${connectionId}` : event.source;
      await recordTraits(db, { tenantId, profileId, source, eventId: event.id, at: event.occurredAt, traits });
      return {};
    },
  };
}
