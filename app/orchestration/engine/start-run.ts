import type { JsonObject } from '../json';
import type { StoredPlaybook } from '../ports';
import type { Run, RunSnapshot } from '../runs/run.types';
import { StalePlaybookError, type EngineDeps } from './engine-deps';
import { newExecution } from './snapshot-ops';

export interface StartRunInput {
  readonly tenantId: string;
  readonly playbookId: string;
  readonly profileId: string;
  /** The run's input, read by expressions as `context.*` (e.g. `{ profile: { timeZone } }`). */
  readonly context?: JsonObject;
  /** Start on this published version instead of the latest published one. */
  readonly version?: number;
  /**
   * What caused this start, when it may be delivered again (CreateRunOptions.startKey): a key that
   * already started or joined a run answers that run (`created: false`) and writes nothing.
   */
  readonly startKey?: string;
}

export type StartRunError = { readonly code: 'playbook_not_found' | 'playbook_not_published'; readonly message: string };

export type StartRunResult =
  { readonly ok: true; readonly created: boolean; readonly snapshot: RunSnapshot } | { readonly ok: false; readonly error: StartRunError };

export const concurrencyKeyFor = (playbookId: string, profileId: string): string => `${playbookId}:${profileId}`;

/** Fresh reads of the latest published version after a cached one turned out stale, at most. */
const STALE_RETRIES = 5;

/** `cached`: the latest published version may come from the store's cache (the create then checks it is still the latest). */
async function choosePlaybook(deps: EngineDeps, input: StartRunInput, cached: boolean): Promise<StoredPlaybook | StartRunError> {
  const { tenantId, playbookId, version } = input;
  if (version === undefined) {
    const latest = await deps.playbooks.latestPublished(tenantId, playbookId, { cached });
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
 * (and not at all when an active run already held the slot). The active run is found by the create
 * itself (RunStore contract item 2), not read before it: a start is one write, whether it creates
 * the run or joins one (and, with a start key, remembers the key in that write too).
 *
 * The latest published version is first taken from the playbook store's cache (no read per start);
 * the create then writes the run only if that version is still the latest published one, in the
 * same statement, so a publish (or archive) committed before the start is always honoured: on a
 * stale answer nothing is written and the playbook is read afresh.
 */
export async function startRun(deps: EngineDeps, input: StartRunInput): Promise<StartRunResult> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await startOnce(deps, input, attempt === 0);
    } catch (error) {
      if (!(error instanceof StalePlaybookError) || attempt >= STALE_RETRIES) throw error;
    }
  }
}

async function startOnce(deps: EngineDeps, input: StartRunInput, cached: boolean): Promise<StartRunResult> {
  const chosen = await choosePlaybook(deps, input, cached);
  if ('code' in chosen) return { ok: false, error: chosen };
  const { playbook } = chosen;
  const { tenantId, profileId } = input;
  const concurrencyKey = playbook.concurrency === 'one_per_profile' ? concurrencyKeyFor(playbook.id, profileId) : null;
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
  const created = await deps.runs.create(
    snapshot,
    { tenantId, runId: run.id, at: now, reason: 'start' },
    // Only a version chosen as "the latest" is checked: a start on an explicit version needs it published, as read above.
    { requireLatestPublished: input.version === undefined, ...(input.startKey === undefined ? {} : { startKey: input.startKey }) },
  );
  return { ok: true, created: created.created, snapshot: created.snapshot };
}
