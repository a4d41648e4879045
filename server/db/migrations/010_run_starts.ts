/**
 * Runs started by something that may be delivered twice (an ingested event matching a playbook
 * trigger, an automated decision): one row per start key, so a redelivery finds the run it started —
 * or the active run it joined — instead of starting another. Holds no personal data (ids only).
 */
export const sql = `
CREATE TABLE run_starts (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  start_key   text NOT NULL,
  run_id      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, start_key)
);
`;
