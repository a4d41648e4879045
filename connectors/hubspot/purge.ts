/**
 * Disconnect purge: erases a tenant's HubSpot data in one transaction — Baton's HubSpot tables and
 * effect ledger entries, HubSpot-sourced events, the identity evidence HubSpot gave (identity.purgeSource:
 * every HubSpot source record, so identifiers only HubSpot knew go with it, and any identifier pointing
 * into the portal — `hubspotContactId` scoped by portal id, `externalId` scoped `hubspot-<portal>` —
 * another source's record carries) — and drops the tokens. Identifiers other sources gave (an email from Zendesk) stay.
 */
import { beginErasure, connectionStore, type Database, type IdentityService, SqlEffectLedger } from '../../server/platform';
import { installationsOfTenant } from './installations';
import { systemClock } from '../../app/shared/clock';
import { deleteHubSpotEvents, deleteHubSpotTables, hubspotEventIds } from './purge.repository';

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
export async function purgeTenantHubSpotData(
  db: Database,
  identity: IdentityService | undefined,
  tenantId: string,
  reason = 'disconnected by an admin; HubSpot data purged',
): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    await beginErasure(tx);
    const portals = (await installationsOfTenant(tx, tenantId)).map((i) => i.portalId);
    const eventIds = await hubspotEventIds(tx, tenantId);
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
    await deleteHubSpotTables(tx, tenantId);
    const events = await deleteHubSpotEvents(tx, tenantId);
    await connectionStore.update(
      tx,
      { tenantId, type: 'hubspot' },
      { status: 'disconnected', statusReason: reason, sealed: null, configNow: { purgedAt: 'json' } },
    );
    return { events, ...graph };
  });
}
