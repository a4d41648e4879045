/**
 * The record card's traits: what profile_traits holds for the person (their profile and every profile
 * merged into it), with source and time, chosen and made safe by app/cards/card-traits.
 */
import { cardTraits } from '../../app/cards/card-traits';
import type { CardTrait } from '../../app/cards/card-view';
import type { Queryable } from '../db/database';

/** Rows read per alias set: enough for the newest 12 names after merged duplicates and empty values. */
const READ_LIMIT = 200;

export async function traitsCard(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<CardTrait[]> {
  if (profileIds.length === 0) return [];
  const r = await q.query<{ name: string; value: unknown; source: string; updated_at: Date | string }>(
    `SELECT name, value, source, updated_at FROM profile_traits
      WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY updated_at DESC, name LIMIT ${READ_LIMIT}`,
    [tenantId, [...profileIds]],
  );
  return cardTraits(r.rows.map((row) => ({ name: row.name, value: row.value, source: row.source, at: new Date(row.updated_at).getTime() })));
}
