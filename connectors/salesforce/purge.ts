/**
 * Disconnect purge of one Salesforce org, in one transaction: Baton's Salesforce rows for the org
 * (records seen, write-back memory, stream positions and lease, the tenant's effect ledger when no other
 * org stays connected), the org's events, and the identity evidence the org gave — every source record
 * `rec:salesforce:salesforceId:<org>:*` is deleted from the graph (identifiers only Salesforce knew go with
 * it), and any `salesforceId` identifier of the org another source's record still carries is removed from
 * that record. Identifiers other sources gave (an email from Zendesk) stay, and profiles are recomputed.
 */
import type { Database, IdentityService, Queryable } from '../../server/platform';
import type { Installation } from './installations';

export interface SalesforcePurgeResult {
  readonly events: number;
  /** Salesforce source records dropped from the identity graph. */
  readonly records: number;
  /** Org record ids removed from other sources' records. */
  readonly identifiers: number;
}

const RECORD_PREFIX = 'rec:salesforce:';

async function purgeIdentity(tx: Queryable, identity: IdentityService, tenantId: string, org15: string): Promise<{ records: number; identifiers: number }> {
  const resolver = await identity.resolver(tx, tenantId);
  const at = new Date().toISOString();
  const idPrefix = `salesforceId:${org15}:`;
  const recordPrefix = `${RECORD_PREFIX}${idPrefix}`;
  const records = await tx.query<{ key: string }>(`SELECT key FROM identity_nodes WHERE tenant_id = $1 AND kind = 'record' AND left(key, $2) = $3`, [tenantId, recordPrefix.length, recordPrefix]);
  for (const { key } of records.rows) await resolver.deleteRecord({ source: 'salesforce', recordId: key.slice(RECORD_PREFIX.length) }, at);

  let identifiers = 0;
  const left = await tx.query<{ key: string }>(`SELECT key FROM identity_nodes WHERE tenant_id = $1 AND kind = 'identifier' AND left(key, $2) = $3`, [tenantId, idPrefix.length, idPrefix]);
  for (const { key } of left.rows) {
    const carriers = await tx.query<{ a: string }>(`SELECT DISTINCT a FROM identity_edges WHERE tenant_id = $1 AND b = $2 AND left(a, 4) = 'rec:'`, [tenantId, key]);
    for (const { a } of carriers.rows) {
      const colon = a.indexOf(':', 4);
      if (colon < 0) continue;
      await resolver.removeIdentifier({ source: a.slice(4, colon), recordId: a.slice(colon + 1) }, { type: 'salesforceId', scope: org15, value: key.slice(idPrefix.length) }, at);
      identifiers++;
    }
  }
  return { records: records.rows.length, identifiers };
}

/** Erases what Baton holds from this org and marks the connection disconnected (tokens dropped). */
export async function purgeSalesforceOrg(db: Database, identity: IdentityService | undefined, i: Installation, reason: string): Promise<SalesforcePurgeResult> {
  const org15 = i.orgId.slice(0, 15);
  return db.transaction(async (tx) => {
    // The event log refuses DELETE except under privacy erasure, which this is.
    await tx.query(`SELECT set_config('baton.erasure', 'on', true)`);
    const graph = identity === undefined ? { records: 0, identifiers: 0 } : await purgeIdentity(tx, identity, i.tenantId, org15);
    await tx.query('DELETE FROM salesforce_records WHERE tenant_id = $1 AND left(org_id, 15) = $2', [i.tenantId, org15]);
    for (const table of ['salesforce_stream_positions', 'salesforce_stream_leases', 'salesforce_packages']) await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND connection_id = $2`, [i.tenantId, i.connectionId]);
    const others = await tx.query(`SELECT 1 FROM connections WHERE tenant_id = $1 AND type = 'salesforce' AND status = 'active' AND id <> $2`, [i.tenantId, i.connectionId]);
    if (others.rows.length === 0) await tx.query('DELETE FROM salesforce_effects WHERE tenant_id = $1', [i.tenantId]);
    const orgEvents = `SELECT id FROM events WHERE tenant_id = $1 AND source = 'salesforce' AND left(properties->>'orgId', 15) = $2`;
    await tx.query(`DELETE FROM identity_event_records WHERE tenant_id = $1 AND event_id IN (${orgEvents})`, [i.tenantId, org15]);
    const events = await tx.query(`DELETE FROM events WHERE id IN (${orgEvents}) AND tenant_id = $1`, [i.tenantId, org15]);
    await tx.query(
      `UPDATE connections SET status = 'disconnected', status_reason = $3, secret_ciphertext = NULL, secret_key_id = NULL,
              config = config || jsonb_build_object('purgedAt', now()::text, 'secretDelivered', false), updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [i.tenantId, i.connectionId, reason],
    );
    return { events: events.rowCount, ...graph };
  });
}
