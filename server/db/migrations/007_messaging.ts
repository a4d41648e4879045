/**
 * Messaging and support connectors (Zendesk, Twilio, WhatsApp Cloud): per-address messaging state
 * (consent keyword and last inbound message, which the send path checks before calling a vendor),
 * the effect ledger of message and ticket actions (at most one vendor effect per idempotency key,
 * delivery state from status callbacks), and the ticket state Zendesk webhooks report (priority,
 * status, the requester's latest sentiment, so a solved ticket can be judged a positive outcome).
 * profile_id is the person the identity hook resolved; privacy erasure deletes by it.
 */
export const sql = `
CREATE TABLE messaging_contacts (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  channel          text NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
  address          text NOT NULL,
  consent          text NOT NULL DEFAULT 'unknown' CHECK (consent IN ('opted_in', 'opted_out', 'unknown')),
  consent_at       timestamptz,
  consent_source   text,
  last_inbound_at  timestamptz,
  profile_id       text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, channel, address)
);
CREATE INDEX messaging_contacts_profile_idx ON messaging_contacts (tenant_id, profile_id) WHERE profile_id IS NOT NULL;

CREATE TABLE messaging_effects (
  tenant_id         text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key   text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('message', 'ticket')),
  connection_id     text NOT NULL,
  provider          text NOT NULL,
  channel           text,
  recipient         text,
  profile_id        text,
  run_id            text,
  state             text NOT NULL CHECK (state IN ('pending', 'unknown', 'done', 'failed')),
  provider_ref      text,
  delivery_status   text,
  delivery_rank     integer NOT NULL DEFAULT 0,
  error_code        text,
  request           jsonb NOT NULL DEFAULT '{}'::jsonb,
  output            jsonb,
  attempts          integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX messaging_effects_ref_idx ON messaging_effects (tenant_id, provider, provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX messaging_effects_profile_idx ON messaging_effects (tenant_id, profile_id);

CREATE TABLE support_tickets (
  tenant_id                 text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id             text NOT NULL,
  ticket_id                 text NOT NULL,
  requester_id              text,
  status                    text,
  priority                  text,
  last_requester_sentiment  double precision,
  profile_id                text,
  source_updated_at         timestamptz NOT NULL,
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, ticket_id)
);
CREATE INDEX support_tickets_profile_idx ON support_tickets (tenant_id, profile_id) WHERE profile_id IS NOT NULL;
`;
