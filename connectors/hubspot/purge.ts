/**
 * Disconnect purge: erases a tenant's HubSpot data in one transaction — Baton's HubSpot tables and
 * effect ledger entries, HubSpot-sourced events, the identity evidence HubSpot gave (identity.purgeSource:
 * every HubSpot source record, so identifiers only HubSpot knew go with it, and any identifier pointing
 * into the portal — `hubspotContactId` scoped by portal id, `externalId` scoped `hubspot-<portal>` —
 * another source's record carries) — and drops the tokens. Identifiers other sources gave (an email from Zendesk) stay.
 */
import { connectionStore, type Database, type IdentityService, SqlEffectLedger } from '../../server/platform';
import { installationsOfTenant } from './installations';
import { systemClock } from '../../app/shared/clock';

export interface PurgeResult {
  readonly events: number;
  /** HubSpot source records dropped from the identity graph. */
  readonly records: number;
  /** Portal identifiers (contact ids, record ids) removed from other sources' records. */
  readonly identifiers: number;
}

/**
 * Erases the tenant's HubSpot data (admin disconnect; an uninstall after its grace period) and marks
 * its installations disconnected with `reason`.
 */
export async function purgeTenantHubSpotData(db: Database, identity: IdentityService | undefined, tenantId: string, reason = 'disconnected by an admin; HubSpot data purged'): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('baton.erasure', 'on', true)`);
    const portals = (await installationsOfTenant(tx, tenantId)).map((i) => i.portalId);
    const eventIds = (await tx.query<{ id: string }>('SELECT id FROM events WHERE tenant_id = $1 AND source = $2', [tenantId, 'hubspot'])).rows.map((r) => r.id);
    const graph =
      identity === undefined
        ? { records: 0, identifiers: 0 }
        : await identity.purgeSource(tx, tenantId, {
            source: 'hubspot',
            identifierScopes: portals.flatMap((p) => [
              { type: 'hubspotContactId' as const, scope: p },
              { type: 'externalId' as const, scope: `hubspot-${p}` },
            ]),
            eventIds,
            at: new Date(systemClock.now()).toISOString(),
          });
    await new SqlEffectLedger(tx).forgetVendor(tenantId, ['hubspot']);
    for (const table of ['hubspot_workflow_calls', 'hubspot_writeback', 'hubspot_email_sends', 'hubspot_email_event_cursors', 'hubspot_email_capabilities']) await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
    const events = await tx.query('DELETE FROM events WHERE tenant_id = $1 AND source = $2', [tenantId, 'hubspot']);
    await connectionStore.update(tx, { tenantId, type: 'hubspot' }, { status: 'disconnected', statusReason: reason, sealed: null, configNow: { purgedAt: 'json' } });
    return { events: events.rowCount, ...graph };
  });
}
