/** Tenants, API keys, connections, the append-only event log and the outbox/timer table. */
export const sql = `
CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  label        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  PRIMARY KEY (tenant_id, id)
);

-- Installations (HubSpot portal, Salesforce org) and tenant-level connections (Zendesk, Twilio, WhatsApp).
-- Secrets are AES-256-GCM ciphertext; secret_key_id names the key that sealed them (for rotation).
CREATE TABLE connections (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                 text NOT NULL,
  type               text NOT NULL CHECK (type IN ('hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp')),
  external_id        text,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disconnected', 'error')),
  status_reason      text,
  config             jsonb NOT NULL DEFAULT '{}'::jsonb,
  secret_ciphertext  text,
  secret_key_id      text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
-- One installation of a portal/org/account routes to exactly one tenant.
CREATE UNIQUE INDEX connections_external_uq ON connections (type, external_id) WHERE external_id IS NOT NULL;

-- The append-only event log. Content columns never change after insert (a trigger enforces it);
-- profile_id and processed_at are filled in by the pipeline. Rows are deleted only by privacy erasure.
CREATE TABLE events (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               text NOT NULL,
  seq              bigint GENERATED ALWAYS AS IDENTITY,
  source           text NOT NULL,
  source_event_id  text NOT NULL,
  type             text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  subject          jsonb NOT NULL,
  text             text,
  properties       jsonb NOT NULL DEFAULT '{}'::jsonb,
  profile_id       text,
  processed_at     timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, source, source_event_id)
);
CREATE INDEX events_profile_idx ON events (tenant_id, profile_id, occurred_at DESC);
CREATE INDEX events_seq_idx ON events (tenant_id, seq);

CREATE FUNCTION baton_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF coalesce(current_setting('baton.erasure', true), '') <> 'on' THEN
      RAISE EXCEPTION 'events is append-only: rows are removed only by privacy erasure';
    END IF;
    RETURN OLD;
  END IF;
  IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.id IS DISTINCT FROM OLD.id
     OR NEW.source IS DISTINCT FROM OLD.source OR NEW.source_event_id IS DISTINCT FROM OLD.source_event_id
     OR NEW.type IS DISTINCT FROM OLD.type OR NEW.occurred_at IS DISTINCT FROM OLD.occurred_at
     OR NEW.received_at IS DISTINCT FROM OLD.received_at OR NEW.subject IS DISTINCT FROM OLD.subject
     OR NEW.text IS DISTINCT FROM OLD.text OR NEW.properties IS DISTINCT FROM OLD.properties THEN
    RAISE EXCEPTION 'events is append-only: only profile_id and processed_at may change';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION baton_events_append_only();

-- Durable work: "do X now" and "wake Y at time T". The queue (BullMQ or in-process) only delivers
-- (tenant_id, id); this table is the truth, and the sweeper re-dispatches due rows.
CREATE TABLE outbox (
  tenant_id      text NOT NULL,
  id             text NOT NULL,
  kind           text NOT NULL,
  payload        jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key     text,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  due_at         timestamptz NOT NULL DEFAULT now(),
  attempts       integer NOT NULL DEFAULT 0,
  max_attempts   integer NOT NULL DEFAULT 10,
  locked_until   timestamptz,
  locked_by      text,
  dispatched_at  timestamptz,
  last_error     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  done_at        timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX outbox_dedupe_uq ON outbox (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_due_idx ON outbox (due_at) WHERE status = 'pending';
`;
