/** The SQL of the HubSpot purge: the tenant's HubSpot events and HubSpot's own tables. Run inside the purge's erasure transaction. */
import type { Queryable } from '../../server/platform';

const HUBSPOT_TABLES = [
  'hubspot_workflow_calls',
  'hubspot_writeback',
  'hubspot_email_sends',
  'hubspot_email_event_cursors',
  'hubspot_email_capabilities',
] as const;

export async function hubspotEventIds(tx: Queryable, tenantId: string): Promise<string[]> {
  return (await tx.query<{ id: string }>('SELECT id FROM events WHERE tenant_id = $1 AND source = $2', [tenantId, 'hubspot'])).rows.map(
    (r) => r.id,
  );
}

export async function deleteHubSpotTables(tx: Queryable, tenantId: string): Promise<void> {
  for (const table of HUBSPOT_TABLES) await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
}

/** Deletes the tenant's HubSpot events (the transaction must be a privacy erasure); how many. */
export async function deleteHubSpotEvents(tx: Queryable, tenantId: string): Promise<number> {
  return (await tx.query('DELETE FROM events WHERE tenant_id = $1 AND source = $2', [tenantId, 'hubspot'])).rowCount;
}
