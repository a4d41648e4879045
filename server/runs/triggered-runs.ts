/**
 * Runs started by ingested events (playbook triggers, automated decisions). Each start carries a key
 * derived from what caused it (event id + playbook id, or the decision id), remembered in
 * `run_starts` with the run it started or joined, in the statement that creates (or joins) the run
 * (RunStore contract item 9); the run id is also a hash of (tenant, key), so two racing deliveries
 * (the second insert hits the primary key) still end with one run, and a run whose key was never
 * remembered (written before the key and the run were one statement) is found by its id. A
 * redelivered event never starts a second run.
 */
import { systemClock, type Clock } from '../../app/shared/clock';
import { createHash } from 'node:crypto';
import { matchesEventType, startRun, type JsonObject, type PlaybookTrigger, type StartRunResult } from '../../app/orchestration';
import type { Database } from '../db/database';
import { knownStart, publishedTriggers } from './run-starts.repository';
import type { RunsService } from './runs.service';

export const triggeredRunId = (tenantId: string, key: string): string =>
  `run_${createHash('sha256').update(`${tenantId}\u0000${key}`).digest('hex').slice(0, 32)}`;

export type TriggeredStart =
  | { readonly ok: true; readonly runId: string; readonly created: boolean }
  | { readonly ok: false; readonly code: string; readonly message: string };

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * Starts the run for `key` once. `created: false` when the run for this key already exists, or when
 * the profile already has an active run of a one-per-profile playbook (its id is returned).
 *
 * One statement when the playbook's latest published version is cached (the usual case): the create
 * checks the key, writes the run (or finds the active run it joins) and remembers the key together.
 * A start whose playbook can no longer be started (unpublished since) still answers the run its key
 * started before, if any (one more statement).
 */
export async function startTriggeredRun(
  runs: RunsService,
  input: { tenantId: string; playbookId: string; profileId: string; context: JsonObject; key: string },
): Promise<TriggeredStart> {
  const runId = triggeredRunId(input.tenantId, input.key);
  const deps = { ...runs.deps, ids: { newId: (prefix: string) => (prefix === 'run' ? runId : runs.deps.ids.newId(prefix)) } };
  let started: StartRunResult;
  try {
    started = await startRun(deps, {
      tenantId: input.tenantId,
      playbookId: input.playbookId,
      profileId: input.profileId,
      context: input.context,
      startKey: input.key,
    });
  } catch (error) {
    // A concurrent start with this key created the run (and remembered the key) first.
    if (isUniqueViolation(error)) return { ok: true, runId, created: false };
    throw error;
  }
  if (!started.ok) {
    const startedBefore = await knownStart(runs.db, input.tenantId, input.key, runId);
    if (startedBefore !== undefined) return { ok: true, runId: startedBefore, created: false };
    return { ok: false, code: started.error.code, message: started.error.message };
  }
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

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The triggered playbooks whose event types match `type` (the `when` condition is the caller's). */
  async matching(tenantId: string, type: string): Promise<TriggeredPlaybook[]> {
    return (await this.all(tenantId)).filter((p) => matchesEventType(p.trigger.events, type));
  }

  private all(tenantId: string): Promise<TriggeredPlaybook[]> {
    const hit = this.cache.get(tenantId);
    if (hit !== undefined && hit.until > this.clock.now()) return hit.value;
    const value = publishedTriggers(this.db, tenantId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(tenantId, { until: this.clock.now() + TRIGGERS_TTL_MS, value });
    value.catch(() => this.cache.delete(tenantId));
    return value;
  }
}
