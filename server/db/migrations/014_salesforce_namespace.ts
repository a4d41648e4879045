/**
 * How the Baton package is installed in each Salesforce org, discovered from the org at install, on
 * reconnect and again while something is missing: its namespace ('' when deployed from source without
 * one, 'baton' for the managed package, NULL when not found), whether the Baton fields and the Apex
 * REST resource are usable by the connected user, and what the admin must fix (shown as the
 * connection's statusReason).
 */
export const sql = `
CREATE TABLE salesforce_packages (
  tenant_id      text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id  text NOT NULL,
  namespace      text,
  fields_ready   boolean NOT NULL DEFAULT false,
  apex_ready     boolean NOT NULL DEFAULT false,
  problem        text,
  checked_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id)
);
`;
