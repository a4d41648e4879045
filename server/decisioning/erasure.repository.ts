/**
 * Privacy erasure of decisioning's data about a person (the module's `erase` hook, called inside
 * identity's erasure transaction). Event signals also go with their events (foreign key cascade);
 * learned posteriors are aggregates over many people and stay.
 */
import type { Queryable } from '../db/database';

const PERSONAL_TABLES = [
  'event_signals',
  'decisions', // outcomes cascade
  'journey_states',
  'journey_transitions',
  'profile_tickets',
  'profile_consent',
  'holdout_assignments',
  'contact_history',
  'decisioning_applied_events',
] as const;

export async function eraseDecisioningData(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void> {
  for (const table of PERSONAL_TABLES) {
    await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND profile_id = ANY($2::text[])`, [tenantId, [...profileIds]]);
  }
}
