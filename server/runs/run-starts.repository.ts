/**
 * run_starts: which run a start key (an event and playbook, or a decision) started or joined, so a
 * redelivered event never starts a second run; and the published playbooks that have a trigger.
 */
import type { PlaybookTrigger } from '../../app/orchestration';
import type { Queryable } from '../db/database';

/**
 * The run this key started before, or the run with this id if it exists. (A start checks its key in
 * its create statement, SqlRunStore.createRuns; this is for a start that could not get that far.)
 */
export async function knownStart(q: Queryable, tenantId: string, key: string, runId: string): Promise<string | undefined> {
  const known = await q.query<{ run_id: string }>(
    `SELECT run_id FROM run_starts WHERE tenant_id = $1 AND start_key = $2
     UNION ALL SELECT id FROM runs WHERE tenant_id = $1 AND id = $3 LIMIT 1`,
    [tenantId, key, runId],
  );
  return known.rows[0]?.run_id;
}

/**
 * The key started (or joined) this run; the first remembered run wins. (A create remembers its key
 * itself; this is for a create that joined a run its statement could not see, SqlRunStore.create.)
 */
export async function rememberStart(q: Queryable, tenantId: string, key: string, runId: string): Promise<void> {
  await q.query('INSERT INTO run_starts (tenant_id, start_key, run_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenantId, key, runId]);
}

/** The latest published version of each of the tenant's playbooks that has a trigger. */
export async function publishedTriggers(q: Queryable, tenantId: string): Promise<{ playbookId: string; trigger: PlaybookTrigger }[]> {
  const r = await q.query<{ id: string; trigger: PlaybookTrigger }>(
    `SELECT DISTINCT ON (id) id, definition->'trigger' AS trigger FROM playbooks
      WHERE tenant_id = $1 AND status = 'published' ORDER BY id, version DESC`,
    [tenantId],
  );
  return r.rows
    .filter((row) => row.trigger !== null && typeof row.trigger === 'object')
    .map((row) => ({ playbookId: row.id, trigger: row.trigger }));
}
