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
 * a claim, 0.75 -> 0.11 ms a nextBatchable). A claimed row leaves it (attempts > 0). It replaces
 * migration 023's outbox_batch_idx (the same rows without `id`, which the claims order by too), so an
 * outbox insert still maintains one such index.
 *
 * And no foreign key from run_steps to runs: its check on every new step row (one per step a run
 * enters) is a query PostgreSQL plans once per connection, and planned while runs is empty (a new
 * database, a new schema) it looks the run up by tenant_id alone through runs_status_idx and filters
 * the id (a tie with the primary key, lost by the older index), so each check walked all of the
 * tenant's runs for as long as the connection lived (bench: 11.1 million index entries read for 4,401
 * checks of 3,000 runs). The store writes a run's steps only in the statement that creates or
 * updates that run (its CTE inserts them only for the runs it wrote), so a step row cannot name a
 * missing run; a statement trigger deletes the steps of deleted runs, as ON DELETE CASCADE did
 * (a tenant's deletion cascades to its runs, and from them to their steps).
 */
export const sql = `
ALTER TABLE runs SET (fillfactor = 70);
ALTER TABLE run_steps SET (fillfactor = 80);
CREATE INDEX outbox_batchable_idx ON outbox (tenant_id, kind, due_at, id) WHERE status = 'pending' AND attempts = 0;
DROP INDEX IF EXISTS outbox_batch_idx;
ALTER TABLE run_steps DROP CONSTRAINT run_steps_tenant_id_run_id_fkey;
CREATE FUNCTION runs_deleted_steps() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM run_steps s USING gone g WHERE s.tenant_id = g.tenant_id AND s.run_id = g.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER runs_deleted_steps AFTER DELETE ON runs REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION runs_deleted_steps();
`;
