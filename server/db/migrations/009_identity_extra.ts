/**
 * Per-tenant match model: the Fellegi–Sunter parameters (m and u per comparison level, prior)
 * estimated by EM on the tenant's own records, used by online probabilistic matching instead of the
 * built-in priors. Derived from personal data but holds none (aggregate probabilities only).
 */
export const sql = `
CREATE TABLE identity_models (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  fields      jsonb NOT NULL,
  params      jsonb NOT NULL,
  records     integer NOT NULL,
  pairs       integer NOT NULL,
  trained_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
`;
