/** The tenant's decisions newest first (GET /api/v1/decisions, the console's list), read by keyset. */
export const sql = `
CREATE INDEX decisions_recent_idx ON decisions (tenant_id, decided_at DESC, id DESC);
`;
