/**
 * Exports of decisions, outcomes and run results into a customer's warehouse table (issue #21):
 * each export job, and per connection and kind the keyset position (time, id) already written, so the
 * next export writes only what is new.
 */
export const sql = `
CREATE TABLE warehouse_exports (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                 text NOT NULL,
  connection_id      text NOT NULL,
  status             text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  table_name         text NOT NULL,
  rows_written       integer NOT NULL DEFAULT 0,
  counts             jsonb NOT NULL DEFAULT '{}'::jsonb,
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  finished_at        timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX warehouse_exports_active_uq ON warehouse_exports (tenant_id, connection_id) WHERE status IN ('queued', 'running');

CREATE TABLE warehouse_export_positions (
  tenant_id          text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id      text NOT NULL,
  kind               text NOT NULL,
  after_at           timestamptz NOT NULL,
  after_id           text NOT NULL,
  PRIMARY KEY (tenant_id, connection_id, kind)
);
`;
