/**
 * Runs started by ingested events (playbook triggers, automated decisions). Each start carries a key
 * derived from what caused it (event id + playbook id, or the decision id): the run id is a hash of
 * (tenant, key), so a redelivered event finds its run instead of starting a second one — also when
 * two deliveries race (the second insert hits the primary key) or the first run already ended.
 */
import { createHash } from 'node:crypto';
import { matchesEventType, startRun, type JsonObject, type PlaybookTrigger, type StartRunResult } from '../../app/orchestration';
import type { Database } from '../db/database';
import type { RunsService } from './runs.service';

export const triggeredRunId = (tenantId: string, key: string): string =>
  `run_${createHash('sha256').update(`${tenantId}\u0000${key}`).digest('hex').slice(0, 32)}`;

export type TriggeredStart =
  | { readonly ok: true; readonly runId: string; readonly created: boolean }
  | { readonly ok: false; readonly code: string; readonly message: string };

const isUniqueViolation = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * Starts the run for `key` once. `created: false` when the run for this key already exists, or when
 * the profile already has an active run of a one-per-profile playbook (its id is returned).
 */
export async function startTriggeredRun(
  runs: RunsService,
  input: { tenantId: string; playbookId: string; profileId: string; context: JsonObject; key: string },
): Promise<TriggeredStart> {
  const runId = triggeredRunId(input.tenantId, input.key);
  const known = await runs.db.query('SELECT 1 FROM runs WHERE tenant_id = $1 AND id = $2', [input.tenantId, runId]);
  if (known.rows.length > 0) return { ok: true, runId, created: false };
  const deps = { ...runs.deps, ids: { newId: (prefix: string) => (prefix === 'run' ? runId : runs.deps.ids.newId(prefix)) } };
  let started: StartRunResult;
  try {
    started = await startRun(deps, { tenantId: input.tenantId, playbookId: input.playbookId, profileId: input.profileId, context: input.context });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: true, runId, created: false };
    throw error;
  }
  if (!started.ok) return { ok: false, code: started.error.code, message: started.error.message };
  return { ok: true, runId: started.snapshot.run.id, created: started.created };
}

export interface TriggeredPlaybook {
  readonly playbookId: string;
  readonly trigger: PlaybookTrigger;
}

/** How long a process reuses a tenant's list of triggered playbooks (a publish shows up within this). */
const TRIGGERS_TTL_MS = 2_000;

/** The latest published version of each playbook that has a trigger, per tenant, cached briefly (read on every event). */
export class TriggeredPlaybooks {
  private readonly cache = new Map<string, { until: number; value: Promise<TriggeredPlaybook[]> }>();

  constructor(private readonly db: Database) {}

  /** The triggered playbooks whose event types match `type` (the `when` condition is the caller's). */
  async matching(tenantId: string, type: string): Promise<TriggeredPlaybook[]> {
    return (await this.all(tenantId)).filter((p) => matchesEventType(p.trigger.events, type));
  }

  private all(tenantId: string): Promise<TriggeredPlaybook[]> {
    const hit = this.cache.get(tenantId);
    if (hit !== undefined && hit.until > Date.now()) return hit.value;
    const value = this.db
      .query<{ id: string; trigger: PlaybookTrigger }>(
        `SELECT DISTINCT ON (id) id, definition->'trigger' AS trigger FROM playbooks
          WHERE tenant_id = $1 AND status = 'published' ORDER BY id, version DESC`,
        [tenantId],
      )
      .then((r) => r.rows.filter((row) => row.trigger !== null && typeof row.trigger === 'object').map((row) => ({ playbookId: row.id, trigger: row.trigger })));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(tenantId, { until: Date.now() + TRIGGERS_TTL_MS, value });
    value.catch(() => this.cache.delete(tenantId));
    return value;
  }
}
