/** profile_traits: each profile's traits with the source and event they came from (newest first-seen wins). */
import { prepared, type Queryable } from '../db/database';
import { profileAliases } from '../identity/profiles.repository';

/** Records an event's subject traits in one statement (names are unique within an event); an older value never overwrites a newer one. */
export async function recordTraits(
  q: Queryable,
  input: {
    tenantId: string;
    profileId: string;
    source: string;
    eventId: string;
    at: string;
    traits: readonly (readonly [string, unknown])[];
  },
): Promise<void> {
  const { traits } = input;
  const values = traits
    .map((_, i) => `($1, $2, $${i * 2 + 5}, $${i * 2 + 6}::jsonb, $3, $4, $${traits.length * 2 + 5}::timestamptz)`)
    .join(', ');
  await q.query(
    `INSERT INTO profile_traits (tenant_id, profile_id, name, value, source, event_id, updated_at) VALUES ${values}
     ON CONFLICT (tenant_id, profile_id, name) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
     WHERE profile_traits.updated_at <= EXCLUDED.updated_at`,
    [
      input.tenantId,
      input.profileId,
      input.source,
      input.eventId,
      ...traits.flatMap(([name, value]) => [name, JSON.stringify(value)]),
      input.at,
    ],
  );
}

export interface TraitWrite {
  readonly profileId: string;
  readonly name: string;
  readonly value: unknown;
  readonly source: string;
  readonly eventId: string;
  /** ISO time the value was first seen (the event's occurrence). */
  readonly at: string;
}

/**
 * Records many events' traits in one statement, with the outcome of recording them one event at a time
 * in the given order: per profile and name the newest value wins, and of equally new ones the later row.
 */
export async function recordTraitsMany(q: Queryable, tenantId: string, rows: readonly TraitWrite[]): Promise<void> {
  const newest = new Map<string, TraitWrite>();
  for (const row of rows) {
    const key = JSON.stringify([row.profileId, row.name]);
    const had = newest.get(key);
    if (had === undefined || Date.parse(had.at) <= Date.parse(row.at)) newest.set(key, row);
  }
  if (newest.size === 0) return;
  await q.query(
    prepared(`INSERT INTO profile_traits (tenant_id, profile_id, name, value, source, event_id, updated_at)
     SELECT $1, r.profile_id, r.name, r.value, r.source, r.event_id, r.at
       FROM jsonb_to_recordset($2::jsonb) AS r(profile_id text, name text, value jsonb, source text, event_id text, at timestamptz)
     ON CONFLICT (tenant_id, profile_id, name) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
     WHERE profile_traits.updated_at <= EXCLUDED.updated_at`),
    [
      tenantId,
      JSON.stringify(
        [...newest.values()].map((r) => ({
          profile_id: r.profileId,
          name: r.name,
          value: r.value,
          source: r.source,
          event_id: r.eventId,
          at: r.at,
        })),
      ),
    ],
  );
}

export interface TraitSource {
  readonly source: string;
  readonly eventId: string;
  readonly at: string;
}

/** The person's traits (their profile and every profile merged into it; the newest value per name). */
export async function profileTraits(
  q: Queryable,
  tenantId: string,
  profileId: string,
): Promise<{ traits: Record<string, unknown>; sources: Record<string, TraitSource> }> {
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

export interface TraitRow {
  readonly name: string;
  readonly value: unknown;
  readonly source: string;
  readonly at: number;
}

/** The newest `limit` trait rows of these profiles (a person's profile and every profile merged into it), newest first. */
export async function newestTraitRows(q: Queryable, tenantId: string, profileIds: readonly string[], limit: number): Promise<TraitRow[]> {
  const r = await q.query<{ name: string; value: unknown; source: string; updated_at: Date | string }>(
    `SELECT name, value, source, updated_at FROM profile_traits
      WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY updated_at DESC, name LIMIT $3`,
    [tenantId, [...profileIds], limit],
  );
  return r.rows.map((row) => ({ name: row.name, value: row.value, source: row.source, at: new Date(row.updated_at).getTime() }));
}

export async function eraseWarehouseData(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM profile_traits WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
  await tx.query('DELETE FROM warehouse_rows WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
}
