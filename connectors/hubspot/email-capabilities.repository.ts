/**
 * hubspot_email_capabilities (what email routes a portal allows, per tenant), the bounces HubSpot
 * reported (email.bounced events) and hubspot_email_sends (what Baton sent, for matching email events).
 */
import type { EmailCapabilities } from './client/email';
import type { EmailRouting } from './client/action.port';
import type { Queryable } from '../../server/platform';

/** Stores what a portal allows for this tenant; the same portal under another tenant is forgotten (re-installed elsewhere). */
export async function saveCapabilities(
  q: Queryable,
  tenantId: string,
  portalId: string,
  caps: EmailCapabilities,
  scopes: readonly string[],
): Promise<void> {
  await q.query('DELETE FROM hubspot_email_capabilities WHERE portal_id = $1 AND tenant_id <> $2', [portalId, tenantId]);
  await q.query(
    `INSERT INTO hubspot_email_capabilities (portal_id, tenant_id, routes, scopes, learned_at, updated_at) VALUES ($1, $2, $3, $4, now(), now())
     ON CONFLICT (tenant_id, portal_id) DO UPDATE SET routes = EXCLUDED.routes, scopes = EXCLUDED.scopes, learned_at = now(), updated_at = now()`,
    [portalId, tenantId, JSON.stringify(caps), JSON.stringify(scopes)],
  );
}

export async function storedCapabilities(q: Queryable, tenantId: string, portalId: string): Promise<EmailCapabilities | undefined> {
  const r = await q.query<{ routes: EmailCapabilities }>(
    'SELECT routes FROM hubspot_email_capabilities WHERE portal_id = $1 AND tenant_id = $2',
    [portalId, tenantId],
  );
  return r.rows[0]?.routes;
}

/** Replaces one capability's state (e.g. turned off after HubSpot refused it). */
export async function setCapabilityState(
  q: Queryable,
  tenantId: string,
  portalId: string,
  capability: string,
  state: unknown,
): Promise<void> {
  await q.query(
    `UPDATE hubspot_email_capabilities SET routes = jsonb_set(routes, $3::text[], $4::jsonb), updated_at = now() WHERE portal_id = $1 AND tenant_id = $2`,
    [portalId, tenantId, [capability], JSON.stringify(state)],
  );
}

/** The latest bounce HubSpot reported for this address of the person, if any. */
export async function latestBounce(
  q: Queryable,
  tenantId: string,
  profileId: string,
  address: string,
): Promise<{ occurredAt: Date | string; category: string | null } | undefined> {
  const r = await q.query<{ occurred_at: Date | string; category: string | null }>(
    `SELECT occurred_at, properties->>'category' AS category FROM events
      WHERE tenant_id = $1 AND profile_id = $2 AND source = 'hubspot' AND type = 'email.bounced' AND lower(properties->>'address') = lower($3)
      ORDER BY occurred_at DESC LIMIT 1`,
    [tenantId, profileId, address],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : { occurredAt: row.occurred_at, category: row.category };
}

/** Remembers a send once per idempotency key. */
export async function recordEmailSend(q: Queryable, send: Parameters<EmailRouting['recordSend']>[0]): Promise<void> {
  await q.query(
    `INSERT INTO hubspot_email_sends (tenant_id, idempotency_key, portal_id, profile_id, contact_id, run_id, route, recipient, send_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
    [
      send.tenantId,
      send.idempotencyKey,
      send.portalId,
      send.profileId,
      send.contactId,
      send.runId,
      send.route,
      send.recipient,
      send.sendId,
    ],
  );
}
