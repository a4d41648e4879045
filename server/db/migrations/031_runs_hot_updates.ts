/**
 * Room on the run tables' pages for HOT updates (issue #16, target 3). A run that advances until
 * blocked commits once per step; the commits between its claim and its end change no indexed column
 * of `runs` (the lease is kept while it still nearly covers a port call: leaseRenewSlackMs), and a
 * step row's later writes change none of `run_steps`, so PostgreSQL can write them as heap-only
 * tuples (no new entry in any index) — but only when the new version fits on the same page. With
 * full pages every commit added an entry to each of the runs' five indexes (measured: 0 HOT updates
 * of 4,171), and every key lookup of the run (the step rows' foreign-key check, the next commit,
 * the next load) then walked the run's dead versions. Applies to pages written from now on.
 *
 * And an index for the work runner's batch claim (outbox.claimBatch, outbox.nextBatchable: a tenant's
 * due, never-tried pending rows of one kind, oldest first): without it each claim read and sorted
 * every pending row of the tenant, so a burst of run starts (or of events) cost each claim of ~30
 * rows a sort of the whole backlog (orchestration bench, 3,000 runs started at once: 6.7 -> 1.4 ms
 * a claim, 0.75 -> 0.11 ms a nextBatchable). A claimed row leaves it (attempts > 0).
 */
export const sql = `
ALTER TABLE runs SET (fillfactor = 70);
ALTER TABLE run_steps SET (fillfactor = 80);
CREATE INDEX outbox_batchable_idx ON outbox (tenant_id, kind, due_at, id) WHERE status = 'pending' AND attempts = 0;
`;
