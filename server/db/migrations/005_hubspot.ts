/**
 * HubSpot: single-use OAuth states, the effect ledger of write-back actions (so a retried task or note
 * is not created twice), workflow-action executions keyed by callbackId, and the Baton property values
 * last written to each contact (written again only when they change). Installations and their sealed
 * tokens live in `connections` (type 'hubspot', external_id = portal id).
 */
export const sql = `
CREATE TABLE hubspot_oauth_states (
  id          text PRIMARY KEY,
  tenant_id   text REFERENCES tenants(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hubspot_effects (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key  text NOT NULL,
  portal_id        text NOT NULL,
  kind             text NOT NULL,
  status           text NOT NULL CHECK (status IN ('attempting', 'done')),
  attempts         integer NOT NULL DEFAULT 1,
  output           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);

CREATE TABLE hubspot_workflow_calls (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  callback_id  text NOT NULL,
  action_uid   text NOT NULL,
  object_type  text NOT NULL,
  object_id    text NOT NULL,
  status       text NOT NULL CHECK (status IN ('answered', 'blocked', 'completed')),
  output       jsonb NOT NULL DEFAULT '{}'::jsonb,
  run_id       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, callback_id)
);
CREATE INDEX hubspot_workflow_calls_run_idx ON hubspot_workflow_calls (tenant_id, run_id) WHERE status = 'blocked';

CREATE TABLE hubspot_writeback (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id   text NOT NULL,
  portal_id    text NOT NULL,
  contact_id   text NOT NULL,
  values_hash  text NOT NULL,
  properties   jsonb NOT NULL,
  written_at   timestamptz,
  pending      boolean NOT NULL DEFAULT true,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, profile_id, portal_id, contact_id)
);
CREATE INDEX hubspot_writeback_pending_idx ON hubspot_writeback (tenant_id, portal_id) WHERE pending;
`;
