/**
 * The record card's traits: what profile_traits holds for the person (their profile and every profile
 * merged into it), with source and time, chosen and made safe by app/cards/card-traits.
 */
import { cardTraits } from '../../app/cards/card-traits';
import type { CardTrait } from '../../app/cards/card-view';
import type { Queryable } from '../db/database';
import { newestTraitRows } from './traits.repository';

/** Rows read per alias set: enough for the newest 12 names after merged duplicates and empty values. */
const READ_LIMIT = 200;

export async function traitsCard(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<CardTrait[]> {
  if (profileIds.length === 0) return [];
  return cardTraits(await newestTraitRows(q, tenantId, profileIds, READ_LIMIT));
}
