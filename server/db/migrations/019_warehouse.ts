/**
 * Warehouse connections (issue #21): the `warehouse` connection type, syncs (durable, resumable from
 * a checkpoint), the per-row state that makes syncs incremental and idempotent, the connection's
 * cursor watermark and schedule bookkeeping, and traits on profiles with their source and time.
 */
export const sql = `
ALTER TABLE connections DROP CONSTRAINT IF EXISTS connections_type_check;
ALTER TABLE connections ADD CONSTRAINT connections_type_check
  CHECK (type IN ('hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp', 'warehouse'));

-- One sync of a warehouse connection. offset_rows is the checkpoint: rows of the (ordered, windowed)
-- query already applied; counters move in the same transaction as the checkpoint.
CREATE TABLE warehouse_syncs (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                 text NOT NULL,
  connection_id      text NOT NULL,
  status             text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  trigger            text NOT NULL CHECK (trigger IN ('api', 'schedule', 'cli')),
  cursor_after       jsonb,
  cursor_up_to       jsonb,
  offset_rows        integer NOT NULL DEFAULT 0,
  rows_read          integer NOT NULL DEFAULT 0,
  rows_rejected      integer NOT NULL DEFAULT 0,
  rows_unchanged     integer NOT NULL DEFAULT 0,
  profiles_matched   integer NOT NULL DEFAULT 0,
  profiles_created   integer NOT NULL DEFAULT 0,
  events_emitted     integer NOT NULL DEFAULT 0,
  rejections         jsonb NOT NULL DEFAULT '[]'::jsonb,
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  finished_at        timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX warehouse_syncs_active_uq ON warehouse_syncs (tenant_id, connection_id) WHERE status IN ('queued', 'running');
CREATE INDEX warehouse_syncs_connection_idx ON warehouse_syncs (tenant_id, connection_id, created_at DESC);

-- Per connection: the cursor reached by the last successful sync, and the last scheduled slot started.
CREATE TABLE warehouse_state (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id      text NOT NULL,
  cursor_value       jsonb,
  last_sync_id       text,
  last_slot_at       timestamptz,
  PRIMARY KEY (tenant_id, connection_id)
);

-- The last applied content of each warehouse row (row key = hash of its identifiers), so an unchanged
-- row emits nothing and a changed one emits one trait.changed; seen_sync_id marks audience presence.
CREATE TABLE warehouse_rows (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id      text NOT NULL,
  row_key            text NOT NULL,
  identifiers        jsonb NOT NULL,
  traits             jsonb NOT NULL,
  traits_hash        text NOT NULL,
  profile_id         text,
  seen_sync_id       text NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, row_key)
);
CREATE INDEX warehouse_rows_profile_idx ON warehouse_rows (tenant_id, profile_id);

-- Traits on profiles with where and when they came from (any event's subject traits; warehouse rows).
CREATE TABLE profile_traits (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id         text NOT NULL,
  name               text NOT NULL,
  value              jsonb NOT NULL,
  source             text NOT NULL,
  event_id           text NOT NULL,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, profile_id, name)
);
`;
