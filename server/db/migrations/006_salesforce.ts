/**
 * Salesforce: single-use OAuth states with the sealed PKCE verifier, Change Data Capture positions
 * (replay id per org channel, written after the event it follows is stored) and which process follows
 * each org's stream, the Salesforce records seen for each profile with the Baton field values last
 * written to them, and the effect ledger of write-back actions Salesforce cannot deduplicate.
 * Installations and their sealed tokens live in `connections` (type 'salesforce', external_id = org id).
 */
export const sql = `
CREATE TABLE salesforce_oauth_states (
  id                   text PRIMARY KEY,
  tenant_id            text REFERENCES tenants(id) ON DELETE CASCADE,
  verifier_ciphertext  text NOT NULL,
  verifier_key_id      text NOT NULL,
  expires_at           timestamptz NOT NULL,
  used_at              timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE salesforce_stream_positions (
  tenant_id      text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id  text NOT NULL,
  channel        text NOT NULL,
  replay_id      bigint,
  last_event_at  timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, channel)
);

CREATE TABLE salesforce_stream_leases (
  tenant_id      text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id  text NOT NULL,
  owner          text NOT NULL,
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, connection_id)
);

CREATE TABLE salesforce_records (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  org_id       text NOT NULL,
  record_id    text NOT NULL,
  object_type  text NOT NULL,
  profile_id   text,
  written      jsonb,
  written_at   timestamptz,
  seen_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, org_id, record_id)
);
CREATE INDEX salesforce_records_profile_idx ON salesforce_records (tenant_id, profile_id);

CREATE TABLE salesforce_effects (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key  text NOT NULL,
  kind             text NOT NULL,
  status           text NOT NULL CHECK (status IN ('started', 'done')),
  output           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
`;
