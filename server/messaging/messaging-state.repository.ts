/**
 * Messaging state the connectors keep for themselves (migration 007): consent keyword and last
 * inbound time per (channel, address) — checked before sending — and Zendesk ticket state. Message
 * and ticket actions are recorded in the one effect ledger (vendor = provider); erasure forgets them. Decisioning keeps its own per-profile view from the
 * canonical events these connectors emit (consent.updated, ticket.*, message.received).
 */
import type { Queryable } from '../db/database';
import { SqlEffectLedger } from '../effects/effect-ledger.repository';

/** The effect ledger's vendors of message and ticket actions (a privacy erasure forgets their entries). */
export const MESSAGING_VENDORS: readonly string[] = ['twilio', 'whatsapp', 'zendesk'];

export type MessagingChannel = 'sms' | 'whatsapp';
export type Consent = 'opted_in' | 'opted_out' | 'unknown';

export interface ContactState {
  readonly consent: Consent;
  readonly lastInboundAt: number | undefined;
}

export async function recordInbound(q: Queryable, tenantId: string, channel: MessagingChannel, address: string, at: string): Promise<void> {
  await q.query(
    `INSERT INTO messaging_contacts (tenant_id, channel, address, last_inbound_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, channel, address) DO UPDATE SET last_inbound_at = greatest(messaging_contacts.last_inbound_at, excluded.last_inbound_at), updated_at = now()`,
    [tenantId, channel, address, at],
  );
}

/** Records a consent change unless a later one is already stored (webhooks arrive out of order). */
export async function recordConsent(
  q: Queryable,
  tenantId: string,
  channel: MessagingChannel,
  address: string,
  consent: Consent,
  at: string,
  source: string,
): Promise<void> {
  await q.query(
    `INSERT INTO messaging_contacts (tenant_id, channel, address, consent, consent_at, consent_source) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, channel, address) DO UPDATE SET consent = excluded.consent, consent_at = excluded.consent_at, consent_source = excluded.consent_source, updated_at = now()
      WHERE messaging_contacts.consent_at IS NULL OR messaging_contacts.consent_at <= excluded.consent_at`,
    [tenantId, channel, address, consent, at, source],
  );
}

export async function contactState(q: Queryable, tenantId: string, channel: MessagingChannel, address: string): Promise<ContactState> {
  const r = await q.query<{ consent: Consent; last_inbound_at: Date | string | null }>(
    'SELECT consent, last_inbound_at FROM messaging_contacts WHERE tenant_id = $1 AND channel = $2 AND address = $3',
    [tenantId, channel, address],
  );
  const row = r.rows[0];
  return {
    consent: row?.consent ?? 'unknown',
    lastInboundAt: row?.last_inbound_at === undefined || row.last_inbound_at === null ? undefined : new Date(row.last_inbound_at).getTime(),
  };
}

/**
 * The person's own consent for a channel (profile_consent: set by consent.updated events from any
 * source, e.g. a CRM's Do Not Call or email opt-out), across the ids merged into the profile; the
 * latest word wins. Undefined when no source ever said.
 */
export async function profileConsent(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  channel: MessagingChannel,
): Promise<{ status: Consent; source: string } | undefined> {
  const r = await q.query<{ status: Consent; source: string }>(
    'SELECT status, source FROM profile_consent WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) AND channel = $3 ORDER BY updated_at DESC LIMIT 1',
    [tenantId, [...profileIds], channel],
  );
  return r.rows[0];
}

// ---- tickets ----

export interface TicketRow {
  readonly status: string | null;
  readonly priority: string | null;
  readonly lastRequesterSentiment: number | null;
}

/**
 * Upserts a ticket from a webhook (newer source time wins) and, for a requester comment, its
 * sentiment. Returns the row after the update.
 */
export async function upsertTicket(
  q: Queryable,
  t: {
    tenantId: string;
    connectionId: string;
    ticketId: string;
    requesterId: string | undefined;
    status: string | undefined;
    priority: string | undefined;
    sourceUpdatedAt: string;
    sentiment: number | undefined;
  },
): Promise<TicketRow> {
  const r = await q.query<{ status: string | null; priority: string | null; last_requester_sentiment: number | null }>(
    `INSERT INTO support_tickets (tenant_id, connection_id, ticket_id, requester_id, status, priority, last_requester_sentiment, source_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, connection_id, ticket_id) DO UPDATE SET
       requester_id = coalesce(excluded.requester_id, support_tickets.requester_id),
       status = CASE WHEN excluded.source_updated_at >= support_tickets.source_updated_at THEN coalesce(excluded.status, support_tickets.status) ELSE support_tickets.status END,
       priority = CASE WHEN excluded.source_updated_at >= support_tickets.source_updated_at THEN coalesce(excluded.priority, support_tickets.priority) ELSE support_tickets.priority END,
       last_requester_sentiment = coalesce(excluded.last_requester_sentiment, support_tickets.last_requester_sentiment),
       source_updated_at = greatest(support_tickets.source_updated_at, excluded.source_updated_at),
       updated_at = now()
     RETURNING status, priority, last_requester_sentiment`,
    [
      t.tenantId,
      t.connectionId,
      t.ticketId,
      t.requesterId ?? null,
      t.status ?? null,
      t.priority ?? null,
      t.sentiment ?? null,
      t.sourceUpdatedAt,
    ],
  );
  const row = r.rows[0];
  return { status: row?.status ?? null, priority: row?.priority ?? null, lastRequesterSentiment: row?.last_requester_sentiment ?? null };
}

// ---- profiles (erasure, profile view) ----

/** Remembers which profile an address / ticket belongs to (set after the identity hook resolved the event). */
export async function linkProfile(
  q: Queryable,
  tenantId: string,
  target: { channel: MessagingChannel; address: string } | { connectionId: string; ticketId: string },
  profileId: string | null,
): Promise<void> {
  if (profileId === null) return;
  if ('channel' in target) {
    await q.query('UPDATE messaging_contacts SET profile_id = $4 WHERE tenant_id = $1 AND channel = $2 AND address = $3', [
      tenantId,
      target.channel,
      target.address,
      profileId,
    ]);
  } else {
    await q.query('UPDATE support_tickets SET profile_id = $4 WHERE tenant_id = $1 AND connection_id = $2 AND ticket_id = $3', [
      tenantId,
      target.connectionId,
      target.ticketId,
      profileId,
    ]);
  }
}

/** Privacy erasure: everything these connectors keep about the given profiles. */
export async function eraseMessagingData(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void> {
  const ids = [...profileIds];
  const recipients = await new SqlEffectLedger(q).eraseProfiles(tenantId, MESSAGING_VENDORS, ids);
  await q.query('DELETE FROM messaging_contacts WHERE tenant_id = $1 AND (profile_id = ANY($2::text[]) OR address = ANY($3::text[]))', [
    tenantId,
    ids,
    recipients,
  ]);
  await q.query('DELETE FROM support_tickets WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, ids]);
}

/** The messaging part of GET /api/v1/profiles/:id: consent and last inbound per address, support tickets. */
export async function messagingView(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
): Promise<{ contacts: unknown[]; tickets: unknown[] }> {
  const ids = [...profileIds];
  const contacts = await q.query<{
    channel: string;
    address: string;
    consent: string;
    consent_at: Date | string | null;
    consent_source: string | null;
    last_inbound_at: Date | string | null;
  }>(
    'SELECT channel, address, consent, consent_at, consent_source, last_inbound_at FROM messaging_contacts WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY channel, address',
    [tenantId, ids],
  );
  const tickets = await q.query<{
    connection_id: string;
    ticket_id: string;
    status: string | null;
    priority: string | null;
    last_requester_sentiment: number | null;
    source_updated_at: Date | string;
  }>(
    'SELECT connection_id, ticket_id, status, priority, last_requester_sentiment, source_updated_at FROM support_tickets WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY source_updated_at DESC LIMIT 50',
    [tenantId, ids],
  );
  const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
  return {
    contacts: contacts.rows.map((c) => ({
      channel: c.channel,
      address: c.address,
      consent: c.consent,
      consentAt: iso(c.consent_at),
      consentSource: c.consent_source,
      lastInboundAt: iso(c.last_inbound_at),
    })),
    tickets: tickets.rows.map((t) => ({
      connectionId: t.connection_id,
      ticketId: t.ticket_id,
      status: t.status,
      priority: t.priority,
      requesterSentiment: t.last_requester_sentiment,
      updatedAt: iso(t.source_updated_at),
    })),
  };
}
