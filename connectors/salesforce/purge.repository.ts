/** The SQL of a Salesforce org purge: the org's events, records and per-connection rows. Run inside the purge's erasure transaction. */
import type { Queryable } from '../../server/platform';

const ORG_EVENTS = `SELECT id FROM events WHERE tenant_id = $1 AND source = 'salesforce' AND left(properties->>'orgId', 15) = $2`;
const CONNECTION_TABLES = ['salesforce_stream_positions', 'salesforce_stream_leases', 'salesforce_packages'] as const;

/** The ids of the org's events (`org15`: the 15-character org id). */
export async function orgEventIds(tx: Queryable, tenantId: string, org15: string): Promise<string[]> {
  return (await tx.query<{ id: string }>(ORG_EVENTS, [tenantId, org15])).rows.map((r) => r.id);
}

/** The org's record links and the connection's stream and package rows. */
export async function deleteOrgRows(tx: Queryable, tenantId: string, org15: string, connectionId: string): Promise<void> {
  await tx.query('DELETE FROM salesforce_records WHERE tenant_id = $1 AND left(org_id, 15) = $2', [tenantId, org15]);
  for (const table of CONNECTION_TABLES)
    await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND connection_id = $2`, [tenantId, connectionId]);
}

/** Deletes the org's events (the transaction must be a privacy erasure); how many. */
export async function deleteOrgEvents(tx: Queryable, tenantId: string, org15: string): Promise<number> {
  return (await tx.query(`DELETE FROM events WHERE id IN (${ORG_EVENTS}) AND tenant_id = $1`, [tenantId, org15])).rowCount;
}
