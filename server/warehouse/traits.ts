/**
 * Traits on profiles, with where and when each came from. Every processed event's subject traits are
 * recorded here by the `traits` pipeline stage (a warehouse row's trait.changed, a CRM update, an API
 * event alike), newest first-seen time wins per trait; `GET /api/v1/profiles/:id` shows them as
 * `traits` (name → value, as JSON-logic reads `profile.traits.<name>`) and `traitSources`.
 */
import type { Database, Queryable } from '../db/database';
import type { EventStage } from '../events/event-processor';
import { profileAliases } from '../identity/profiles.repository';

export function traitsStage(db: Database): EventStage {
  return {
    name: 'traits',
    async run({ tenantId, event, profileId }) {
      if (profileId === null) return {};
      const traits = Object.entries(event.subject.traits ?? {}).filter(([, v]) => v !== null && v !== '');
      if (traits.length === 0) return {};
      const connectionId = typeof event.properties['connectionId'] === 'string' ? event.properties['connectionId'] : undefined;
      const source = event.source === 'warehouse' && connectionId !== undefined ? `warehouse:${connectionId}` : event.source;
      // One statement for all of the event's traits (names are unique within an event).
      const values = traits.map((_, i) => `($1, $2, $${i * 2 + 5}, $${i * 2 + 6}::jsonb, $3, $4, $${traits.length * 2 + 5}::timestamptz)`).join(', ');
      await db.query(
        `INSERT INTO profile_traits (tenant_id, profile_id, name, value, source, event_id, updated_at) VALUES ${values}
         ON CONFLICT (tenant_id, profile_id, name) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
         WHERE profile_traits.updated_at <= EXCLUDED.updated_at`,
        [tenantId, profileId, source, event.id, ...traits.flatMap(([name, value]) => [name, JSON.stringify(value)]), event.occurredAt],
      );
      return {};
    },
  };
}

export interface TraitSource {
  readonly source: string;
  readonly eventId: string;
  readonly at: string;
}

/** The person's traits (their profile and every profile merged into it; the newest value per name). */
export async function profileTraits(q: Queryable, tenantId: string, profileId: string): Promise<{ traits: Record<string, unknown>; sources: Record<string, TraitSource> }> {
  const ids = await profileAliases(q, tenantId, profileId);
  const r = await q.query<{ name: string; value: unknown; source: string; event_id: string; updated_at: Date | string }>(
    'SELECT name, value, source, event_id, updated_at FROM profile_traits WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY updated_at, name',
    [tenantId, ids],
  );
  const traits: Record<string, unknown> = {};
  const sources: Record<string, TraitSource> = {};
  for (const row of r.rows) {
    traits[row.name] = row.value;
    sources[row.name] = { source: row.source, eventId: row.event_id, at: new Date(row.updated_at).toISOString() };
  }
  return { traits, sources };
}

export async function eraseWarehouseData(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM profile_traits WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
  await tx.query('DELETE FROM warehouse_rows WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
}
