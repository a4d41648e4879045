/**
 * Disconnect purge of one Salesforce org, in one transaction: Baton's Salesforce rows for the org
 * (records seen, write-back memory, stream positions and lease, the tenant's effect ledger when no other
 * org stays connected), the org's events, and the identity evidence the org gave (identity.purgeSource:
 * every Salesforce source record of the org is deleted from the graph, so identifiers only Salesforce knew
 * go with it, and any `salesforceId` identifier of the org another source's record still carries is
 * removed from that record). Identifiers other sources gave (an email from Zendesk) stay, and profiles are recomputed.
 */
import { beginErasure, connectionStore, type Database, type IdentityService, SqlEffectLedger } from '../../server/platform';
import type { Installation } from './installations';
import { systemClock } from '../../app/shared/clock';
import { deleteOrgEvents, deleteOrgRows, orgEventIds } from './purge.repository';

export interface SalesforcePurgeResult {
  readonly events: number;
  /** Salesforce source records dropped from the identity graph. */
  readonly records: number;
  /** Org record ids removed from other sources' records. */
  readonly identifiers: number;
}

/** Erases what Baton holds from this org and marks the connection disconnected (tokens dropped). */
export async function purgeSalesforceOrg(
  db: Database,
  identity: IdentityService | undefined,
  i: Installation,
  reason: string,
): Promise<SalesforcePurgeResult> {
  const org15 = i.orgId.slice(0, 15);
  return db.transaction(async (tx) => {
    // Marked first: a stream position written meanwhile waits for this transaction and then writes
    // nothing, or was written before the mark and is deleted below (stream-positions.repository.ts).
    await connectionStore.update(
      tx,
      { tenantId: i.tenantId, id: i.connectionId },
      {
        status: 'disconnected',
        statusReason: reason,
        sealed: null,
        configNow: { purgedAt: 'text' },
        configPatch: { secretDelivered: false },
      },
    );
    // The event log refuses DELETE except under privacy erasure, which this is.
    await beginErasure(tx);
    const eventIds = await orgEventIds(tx, i.tenantId, org15);
    const graph =
      identity === undefined
        ? { records: 0, identifiers: 0 }
        : await identity.purgeSource(tx, i.tenantId, {
            source: 'salesforce',
            recordIdPrefix: `salesforceId:${org15}:`,
            identifierScopes: [{ type: 'salesforceId', scope: org15 }],
            eventIds,
            at: new Date(systemClock.now()).toISOString(),
          });
    await deleteOrgRows(tx, i.tenantId, org15, i.connectionId);
    const others = await connectionStore.count(tx, { tenantId: i.tenantId, type: 'salesforce', status: 'active', notId: i.connectionId });
    if (others === 0) await new SqlEffectLedger(tx).forgetVendor(i.tenantId, ['salesforce']);
    const events = await deleteOrgEvents(tx, i.tenantId, org15);
    return { events, ...graph };
  });
}
