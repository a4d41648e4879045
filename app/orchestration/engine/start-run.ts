import type { JsonObject } from '../json';
import type { StoredPlaybook } from '../ports';
import { ACTIVE_RUN_STATUSES, type Run, type RunSnapshot } from '../runs/run.types';
import type { EngineDeps } from './engine-deps';
import { newExecution } from './snapshot-ops';

export interface StartRunInput {
  readonly tenantId: string;
  readonly playbookId: string;
  readonly profileId: string;
  /** The run's input, read by expressions as `context.*` (e.g. `{ profile: { timeZone } }`). */
  readonly context?: JsonObject;
  /** Start on this published version instead of the latest published one. */
  readonly version?: number;
}

export type StartRunError = { readonly code: 'playbook_not_found' | 'playbook_not_published'; readonly message: string };

export type StartRunResult =
  { readonly ok: true; readonly created: boolean; readonly snapshot: RunSnapshot } | { readonly ok: false; readonly error: StartRunError };

export const concurrencyKeyFor = (playbookId: string, profileId: string): string => `${playbookId}:${profileId}`;

async function choosePlaybook(deps: EngineDeps, input: StartRunInput): Promise<StoredPlaybook | StartRunError> {
  const { tenantId, playbookId, version } = input;
  if (version === undefined) {
    const latest = await deps.playbooks.latestPublished(tenantId, playbookId);
    if (latest !== null) return latest;
    const any = await deps.playbooks.listVersions(tenantId, playbookId);
    return any.length === 0
      ? { code: 'playbook_not_found', message: `no playbook "${playbookId}"` }
      : { code: 'playbook_not_published', message: `playbook "${playbookId}" has no published version` };
  }
  const stored = await deps.playbooks.get(tenantId, playbookId, version);
  if (stored === null) return { code: 'playbook_not_found', message: `no playbook "${playbookId}" v${version}` };
  if (stored.playbook.status !== 'published') {
    return { code: 'playbook_not_published', message: `playbook "${playbookId}" v${version} is ${stored.playbook.status}, not published` };
  }
  return stored;
}

/**
 * Starts a run pinned to a published playbook version, or returns the profile's active run of that
 * playbook (one_per_profile, Temporal's "UseExisting" conflict policy). The first advance is
 * recorded in the same transaction that creates the run, so it is delivered only once the run exists
 * (and not at all when an active run already held the slot).
 */
export async function startRun(deps: EngineDeps, input: StartRunInput): Promise<StartRunResult> {
  const chosen = await choosePlaybook(deps, input);
  if ('code' in chosen) return { ok: false, error: chosen };
  const { playbook } = chosen;
  const { tenantId, profileId } = input;
  const concurrencyKey = playbook.concurrency === 'one_per_profile' ? concurrencyKeyFor(playbook.id, profileId) : null;

  if (concurrencyKey !== null) {
    const active = await deps.runs.list(tenantId, { profileId, playbookId: playbook.id, statuses: ACTIVE_RUN_STATUSES });
    const existing = active.find((r) => r.concurrencyKey === concurrencyKey);
    if (existing !== undefined) {
      const snapshot = await deps.runs.load(tenantId, existing.id);
      if (snapshot !== null) return { ok: true, created: false, snapshot };
    }
  }

  const now = deps.clock.now();
  const first = playbook.steps[0];
  if (first === undefined) throw new Error(`playbook ${playbook.id} v${playbook.version} has no steps`);
  const run: Run = {
    tenantId,
    id: deps.ids.newId('run'),
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    profileId,
    concurrencyKey,
    status: 'pending',
    context: input.context ?? {},
    cursor: first.id,
    waitingFor: null,
    wakeAt: now,
    error: null,
    end: null,
    lease: null,
    resumeCount: 0,
    consumedEventIds: [],
    version: 0,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    endedAt: null,
  };
  const snapshot: RunSnapshot = { run, steps: [newExecution(playbook, first.id, now)] };
  const created = await deps.runs.create(snapshot, { tenantId, runId: run.id, at: now, reason: 'start' });
  return { ok: true, created: created.created, snapshot: created.snapshot };
}
