/**
 * Dead letters: when an outbox row died (its attempts used up), rate-limited waits that did not use an
 * attempt, how often an operator redrove it, and a delivery counter that never goes back (queue message
 * ids are built from it, so a refunded or redriven attempt is still a new message).
 */
export const sql = `
ALTER TABLE outbox ADD COLUMN dead_at timestamptz;
ALTER TABLE outbox ADD COLUMN rate_limit_waits integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN redrives integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN deliveries integer NOT NULL DEFAULT 0;
UPDATE outbox SET deliveries = attempts;
UPDATE outbox SET dead_at = date_trunc('milliseconds', updated_at) WHERE status = 'dead';
CREATE INDEX outbox_dead_idx ON outbox (tenant_id, dead_at DESC, id DESC) WHERE status = 'dead';
`;
