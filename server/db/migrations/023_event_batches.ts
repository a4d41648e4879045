/**
 * Micro-batches of the event pipeline (issue #16): a worker that claims one `event.process` row claims
 * up to a batch of the tenant's other pending, never-tried rows of the same kind in one statement
 * (server/dispatch/outbox.repository.ts `claimBatch`); this index finds them without scanning the outbox.
 */
export const sql = `
CREATE INDEX outbox_batch_idx ON outbox (tenant_id, kind, due_at) WHERE status = 'pending' AND attempts = 0;
`;
