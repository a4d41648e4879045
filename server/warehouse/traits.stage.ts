/**
 * Traits on profiles, with where and when each came from. Every processed event's subject traits are
 * recorded here by the `traits` pipeline stage (a warehouse row's trait.changed, a CRM update, an API
 * event alike), newest first-seen time wins per trait; `GET /api/v1/profiles/:id` shows them as
 * `traits` (name → value, as JSON-logic reads `profile.traits.<name>`) and `traitSources`.
 */
import type { Database } from '../db/database';
import type { EventStage, StageInput } from '../events/event-processor';
import { recordTraits, recordTraitsMany, type TraitWrite } from './traits.repository';

/** The trait rows an event brings (none without a profile or traits), with where they came from. */
function traitRows({ event, profileId }: StageInput): TraitWrite[] {
  if (profileId === null) return [];
  const connectionId = typeof event.properties['connectionId'] === 'string' ? event.properties['connectionId'] : undefined;
  const source = event.source === 'warehouse' && connectionId !== undefined ? `warehouse:${connectionId}` : event.source;
  return Object.entries(event.subject.traits ?? {})
    .filter(([, v]) => v !== null && v !== '')
    .map(([name, value]) => ({ profileId, name, value, source, eventId: event.id, at: event.occurredAt }));
}

export function traitsStage(db: Database): EventStage {
  return {
    name: 'traits',
    async run(input) {
      const rows = traitRows(input);
      const first = rows[0];
      if (first === undefined) return {};
      await recordTraits(db, {
        tenantId: input.tenantId,
        profileId: first.profileId,
        source: first.source,
        eventId: first.eventId,
        at: first.at,
        traits: rows.map((r) => [r.name, r.value] as const),
      });
      return {};
    },
    // A micro-batch's traits in one statement (issue #16): nothing else in the pipeline reads them.
    async runBatch(inputs) {
      const tenantId = inputs[0]?.tenantId;
      if (tenantId === undefined) return;
      await recordTraitsMany(db, tenantId, inputs.flatMap(traitRows));
    },
  };
}
