/**
 * The conversation graph: one row per message between a person and the business, on any channel
 * (CRM e-mails and notes, HubSpot inbox, Zendesk comments, SMS, WhatsApp, API), grouped by thread.
 * `speaker` says who spoke; the signals (intent, sentiment, urgency, language) are set for the
 * customer's own messages only. `source_id` makes filling idempotent: the stored event id for
 * messages that arrived as events (their rows go with the event: foreign key cascade), `step:<key>`
 * for messages Baton's runs sent. Privacy erasure also deletes by profile id (the module's erase hook).
 */
export const sql = `
CREATE TABLE conversation_messages (
  tenant_id         text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                text NOT NULL,
  source_id         text NOT NULL,
  profile_id        text NOT NULL,
  event_id          text,
  channel           text NOT NULL,
  thread_key        text NOT NULL,
  speaker           text NOT NULL CHECK (speaker IN ('customer', 'rep', 'bot', 'unknown')),
  occurred_at       timestamptz NOT NULL,
  source            text NOT NULL,
  event_type        text NOT NULL,
  subject           text,
  text              text,
  intent            text,
  intent_confidence double precision,
  sentiment         double precision,
  sentiment_label   text CHECK (sentiment_label IN ('positive', 'neutral', 'negative')),
  urgency           text CHECK (urgency IN ('low', 'medium', 'high')),
  language          text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, source_id),
  FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_messages_profile_idx ON conversation_messages (tenant_id, profile_id, occurred_at DESC, id DESC);
CREATE INDEX conversation_messages_thread_idx ON conversation_messages (tenant_id, thread_key, occurred_at DESC);
`;
