/**
 * Disconnect purge: erases a tenant's HubSpot data in one transaction — Baton's HubSpot tables,
 * HubSpot-sourced events, the identity evidence HubSpot gave (every `rec:hubspot:*` source record, so
 * identifiers only HubSpot knew go with it) and any remaining identifier that points into the portal
 * (`hubspotContactId` scoped by portal id, `externalId` scoped `hubspot-<portal>`) carried by another
 * source's record — and drops the tokens. Identifiers other sources gave (an email from Zendesk) stay.
 */
import type { RawIdentifier } from '../../app/identity/types';
import type { Database, IdentityService, Queryable } from '../../server/platform';

export interface PurgeResult {
  readonly events: number;
  /** HubSpot source records dropped from the identity graph. */
  readonly records: number;
  /** Portal identifiers (contact ids, record ids) removed from other sources' records. */
  readonly identifiers: number;
}

const HUBSPOT_RECORD_PREFIX = 'rec:hubspot:';

/** `type:scope:value` (the normaliser's node key) → the raw identifier it came from. */
function rawOfKey(key: string): RawIdentifier | undefined {
  const first = key.indexOf(':');
  const second = key.indexOf(':', first + 1);
  if (first <= 0 || second <= first) return undefined;
  return { type: key.slice(0, first), scope: key.slice(first + 1, second), value: key.slice(second + 1) };
}

/** `rec:<source>:<recordId>` → the record reference. */
function recordOfKey(key: string): { source: string; recordId: string } | undefined {
  if (!key.startsWith('rec:')) return undefined;
  const colon = key.indexOf(':', 4);
  return colon < 0 ? undefined : { source: key.slice(4, colon), recordId: key.slice(colon + 1) };
}

async function purgeIdentity(tx: Queryable, identity: IdentityService, tenantId: string, portalIds: readonly string[]): Promise<{ records: number; identifiers: number }> {
  const resolver = await identity.resolver(tx, tenantId);
  const at = new Date().toISOString();
  const records = await tx.query<{ key: string }>(`SELECT key FROM identity_nodes WHERE tenant_id = $1 AND kind = 'record' AND left(key, $2) = $3`, [tenantId, HUBSPOT_RECORD_PREFIX.length, HUBSPOT_RECORD_PREFIX]);
  for (const { key } of records.rows) await resolver.deleteRecord({ source: 'hubspot', recordId: key.slice(HUBSPOT_RECORD_PREFIX.length) }, at);

  const prefixes = portalIds.flatMap((p) => [`hubspotContactId:${p}:`, `externalId:hubspot-${p}:`]);
  let identifiers = 0;
  if (prefixes.length === 0) return { records: records.rows.length, identifiers };
  const left = await tx.query<{ key: string }>(
    `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND kind = 'identifier' AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE left(key, length(p.prefix)) = p.prefix)`,
    [tenantId, prefixes],
  );
  for (const { key } of left.rows) {
    const raw = rawOfKey(key);
    if (raw === undefined) continue;
    const carriers = await tx.query<{ a: string }>(`SELECT DISTINCT a FROM identity_edges WHERE tenant_id = $1 AND b = $2 AND left(a, 4) = 'rec:'`, [tenantId, key]);
    for (const { a } of carriers.rows) {
      const record = recordOfKey(a);
      if (record === undefined) continue;
      await resolver.removeIdentifier(record, raw, at);
      identifiers++;
    }
  }
  return { records: records.rows.length, identifiers };
}

/**
 * Erases the tenant's HubSpot data (admin disconnect; an uninstall after its grace period) and marks
 * its installations disconnected with `reason`.
 */
export async function purgeTenantHubSpotData(db: Database, identity: IdentityService | undefined, tenantId: string, reason = 'disconnected by an admin; HubSpot data purged'): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('baton.erasure', 'on', true)`);
    const portals = await tx.query<{ external_id: string }>(`SELECT external_id FROM connections WHERE tenant_id = $1 AND type = 'hubspot'`, [tenantId]);
    const graph = identity === undefined ? { records: 0, identifiers: 0 } : await purgeIdentity(tx, identity, tenantId, portals.rows.map((r) => r.external_id));
    for (const table of ['hubspot_effects', 'hubspot_workflow_calls', 'hubspot_writeback', 'hubspot_email_sends', 'hubspot_email_event_cursors', 'hubspot_email_capabilities']) await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
    await tx.query('DELETE FROM identity_event_records WHERE tenant_id = $1 AND event_id IN (SELECT id FROM events WHERE tenant_id = $1 AND source = $2)', [tenantId, 'hubspot']);
    const events = await tx.query('DELETE FROM events WHERE tenant_id = $1 AND source = $2', [tenantId, 'hubspot']);
    await tx.query(
      `UPDATE connections SET status = 'disconnected', status_reason = $2, secret_ciphertext = NULL, secret_key_id = NULL,
              config = config || jsonb_build_object('purgedAt', now()), updated_at = now()
        WHERE tenant_id = $1 AND type = 'hubspot'`,
      [tenantId, reason],
    );
    return { events: events.rowCount, ...graph };
  });
}
