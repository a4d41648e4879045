/**
 * The email-event poll's state: the sends Baton made (hubspot_email_sends) an event is matched to, and
 * the per-portal cursor over HubSpot's email events (hubspot_email_event_cursors).
 */
import type { Queryable } from '../../server/platform';

export interface EmailSend {
  idempotency_key: string;
  profile_id: string;
  contact_id: string;
  run_id: string | null;
  route: string;
  recipient: string;
}

export interface EmailEventCursor {
  start_ms: string;
  end_ms: string | null;
  offset_token: string | null;
}

/** The send an email event (to `recipient` at `created`) is about: the same send id first, then the latest within the window. */
export async function matchingSend(
  q: Queryable,
  tenantId: string,
  portalId: string,
  recipient: string,
  createdMs: number,
  windowMs: number,
  sendId: string | null,
): Promise<EmailSend | undefined> {
  const r = await q.query<EmailSend>(
    `SELECT idempotency_key, profile_id, contact_id, run_id, route, recipient FROM hubspot_email_sends
      WHERE tenant_id = $1 AND portal_id = $2 AND lower(recipient) = lower($3) AND sent_at <= $4 AND sent_at >= $5
      ORDER BY (send_id IS NOT DISTINCT FROM $6) DESC, sent_at DESC LIMIT 1`,
    [tenantId, portalId, recipient, new Date(createdMs + 5 * 60_000).toISOString(), new Date(createdMs - windowMs).toISOString(), sendId],
  );
  return r.rows[0];
}

export async function emailEventCursor(q: Queryable, tenantId: string, portalId: string): Promise<EmailEventCursor | undefined> {
  const found = await q.query<EmailEventCursor>(
    'SELECT start_ms, end_ms, offset_token FROM hubspot_email_event_cursors WHERE portal_id = $1 AND tenant_id = $2',
    [portalId, tenantId],
  );
  return found.rows[0];
}

/** When Baton first sent an email in the portal (null: never). */
export async function firstSendAt(q: Queryable, tenantId: string, portalId: string): Promise<Date | string | null | undefined> {
  const first = await q.query<{ at: Date | string | null }>(
    'SELECT min(sent_at) AS at FROM hubspot_email_sends WHERE tenant_id = $1 AND portal_id = $2',
    [tenantId, portalId],
  );
  return first.rows[0]?.at;
}

export async function createEmailEventCursor(q: Queryable, tenantId: string, portalId: string, startMs: number): Promise<void> {
  await q.query(
    'INSERT INTO hubspot_email_event_cursors (portal_id, tenant_id, start_ms) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, portal_id) DO NOTHING',
    [portalId, tenantId, startMs],
  );
}

/** Whether Baton sent an email in the portal after `sinceMs`. */
export async function sentSince(q: Queryable, tenantId: string, portalId: string, sinceMs: number): Promise<boolean> {
  const recent = await q.query('SELECT 1 FROM hubspot_email_sends WHERE tenant_id = $1 AND portal_id = $2 AND sent_at > $3 LIMIT 1', [
    tenantId,
    portalId,
    new Date(sinceMs).toISOString(),
  ]);
  return recent.rows.length > 0;
}

/** The window is done: the next starts at `startMs`. */
export async function advanceEmailEventCursor(q: Queryable, portalId: string, startMs: number, clearError: boolean): Promise<void> {
  await q.query(
    clearError
      ? 'UPDATE hubspot_email_event_cursors SET start_ms = $2, end_ms = NULL, offset_token = NULL, polled_at = now(), last_error = NULL, updated_at = now() WHERE portal_id = $1'
      : 'UPDATE hubspot_email_event_cursors SET start_ms = $2, end_ms = NULL, offset_token = NULL, polled_at = now(), updated_at = now() WHERE portal_id = $1',
    [portalId, startMs],
  );
}

export async function setEmailEventWindowEnd(q: Queryable, portalId: string, endMs: number): Promise<void> {
  await q.query('UPDATE hubspot_email_event_cursors SET end_ms = $2, updated_at = now() WHERE portal_id = $1', [portalId, endMs]);
}

export async function setEmailEventOffset(q: Queryable, portalId: string, offset: string | null): Promise<void> {
  await q.query('UPDATE hubspot_email_event_cursors SET offset_token = $2, updated_at = now() WHERE portal_id = $1', [portalId, offset]);
}

export async function setEmailEventError(q: Queryable, portalId: string, error: string): Promise<void> {
  await q.query('UPDATE hubspot_email_event_cursors SET last_error = $2, updated_at = now() WHERE portal_id = $1', [portalId, error]);
}
