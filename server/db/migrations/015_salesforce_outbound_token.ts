/**
 * Salesforce Outbound Message endpoint tokens: the endpoint is `/webhooks/salesforce/outbound/<token>`
 * with a random per-org token (32 bytes, base64url) issued at install and rotatable. Only its SHA-256 is
 * stored (like API keys); one current token per (tenant, org), so a rotation replaces the old one at once.
 */
export const sql = `
CREATE TABLE salesforce_outbound_tokens (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  org_id      text NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, org_id)
);
`;
