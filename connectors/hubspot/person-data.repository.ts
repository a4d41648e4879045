/** HubSpot's reads and erasure of what it keeps about a person (inbox threads seen in events, write-back rows, email sends). */
import type { Queryable } from '../../server/platform';

/** The person's latest HubSpot inbox thread in the portal, from their stored inbox message events. */
export async function latestInboxThread(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  portalId: string,
): Promise<string | undefined> {
  const r = await q.query<{ thread: string | null }>(
    `SELECT properties->>'objectId' AS thread FROM events
      WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) AND source = 'hubspot' AND type = 'conversation.message_received' AND properties->>'portalId' = $3
      ORDER BY occurred_at DESC LIMIT 1`,
    [tenantId, [...profileIds], portalId],
  );
  return r.rows[0]?.thread ?? undefined;
}

/** Privacy erasure: the person's write-back rows and email sends. */
export async function eraseHubSpotPersonData(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM hubspot_writeback WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
  await tx.query('DELETE FROM hubspot_email_sends WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
}
