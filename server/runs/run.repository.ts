import { systemClock, type Clock } from '../../app/shared/clock';
import {
  StalePlaybookError,
  type CommitResult,
  type CreateRunOptions,
  type CreateRunResult,
  type Run,
  type RunListFilter,
  type RunSnapshot,
  type RunStore,
  type WakeRequest,
} from '../../app/orchestration';
import { prepared, preparedGeneric, type Database, type Queryable } from '../db/database';
import { Doorbell } from '../dispatch/doorbell';
import type { JobRef } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';
import { newId } from '../security/ids';
import { CommitBatcher } from './commit-batcher';
import { rememberStart } from './run-starts.repository';
import { wakeJob } from './outbox-scheduler.adapter';
import { runFromJson, stepFromJson, stepRecord, STEP_RECORD_COLUMNS, toTimestamp, type RunJson } from './run-row.mapping';

const ACTIVE_SQL = `('pending', 'running', 'waiting', 'failed')`;
/** A run `r` and its steps as the columns `run` and `steps` of a SnapshotRow. */
const SNAPSHOT_COLUMNS = `to_jsonb(r) AS run,
  coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.position) FROM run_steps s WHERE s.tenant_id = r.tenant_id AND s.run_id = r.id), '[]'::jsonb) AS steps`;
const SNAPSHOT_SELECT = `SELECT ${SNAPSHOT_COLUMNS}
  FROM runs r`;

const LOAD_SQL = prepared(`${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.id = $2`);
const LOAD_MANY_SQL = preparedGeneric(`${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.id = ANY($2::text[])`);

interface SnapshotRow {
  run: RunJson;
  steps: RunJson[];
}

const toSnapshot = (row: SnapshotRow): RunSnapshot => ({ run: runFromJson(row.run), steps: row.steps.map(stepFromJson) });

/** Step upsert, as a data-modifying CTE over `param` (jsonb array of step records, `x`), run for the records `guard` returns a row for. */
const upsertStepsSql = (guard: string, param = '$1'): string => `
  INSERT INTO run_steps (tenant_id, run_id, step_id, position, kind, status, input, output, attempt, rate_limit_waits, error,
      idempotency_key, key_generation, decision, due_at, attempts, scheduled_at, started_at, attempt_started_at, finished_at, updated_at)
  SELECT x.* FROM jsonb_to_recordset(${param}::jsonb) AS x(${STEP_RECORD_COLUMNS})
   WHERE EXISTS (SELECT 1 FROM ${guard})
  ON CONFLICT (tenant_id, run_id, step_id) DO UPDATE SET
    status = excluded.status, input = excluded.input, output = excluded.output, attempt = excluded.attempt,
    rate_limit_waits = excluded.rate_limit_waits, error = excluded.error, idempotency_key = excluded.idempotency_key,
    key_generation = excluded.key_generation, decision = excluded.decision, due_at = excluded.due_at,
    attempts = excluded.attempts, started_at = excluded.started_at, attempt_started_at = excluded.attempt_started_at,
    finished_at = excluded.finished_at, updated_at = excluded.updated_at`;

/** Position is the order the steps were entered; kept on update so a stale snapshot cannot reorder. */
const stepRecords = (snapshot: RunSnapshot): Record<string, unknown>[] =>
  snapshot.steps.map((exec, position) => stepRecord(snapshot.run.tenantId, snapshot.run.id, position, exec));

/** Deep equality of plain data (run snapshots): false whenever unsure, which only costs a write. */
function samePlain(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePlain(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!samePlain((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * The step records a commit must write: every step, or, given the committed snapshot `base` the
 * new one was planned from, only those that differ from their stored counterpart (a step usually
 * changes in the commit that finishes it and in the one that enters it, not in the others). Steps
 * are compared as objects (same position, deeply equal), not as rendered records: a commit of the
 * k-th step no longer renders and serialises the k-1 unchanged ones twice.
 */
function changedStepRecords(snapshot: RunSnapshot, base: RunSnapshot | undefined): Record<string, unknown>[] {
  const { tenantId, id } = snapshot.run;
  const stored = base !== undefined && base.run.tenantId === tenantId && base.run.id === id ? base.steps : [];
  const records: Record<string, unknown>[] = [];
  snapshot.steps.forEach((exec, position) => {
    const before = stored[position];
    if (before === undefined || before.stepId !== exec.stepId || !samePlain(before, exec))
      records.push(stepRecord(tenantId, id, position, exec));
  });
  return records;
}

/** One run's commit, as records (taken when it is submitted, so a later change to the snapshot cannot leak in). */
interface CommitItem {
  readonly key: string;
  readonly run: Record<string, unknown>;
  readonly steps: readonly Record<string, unknown>[];
  /** The wake-up the commit records (its outbox row, as wakeRecord makes it), written only if the run is. */
  readonly wake: Record<string, unknown> | null;
}

/** What a commit of a batch answered: the run's new version and its wake-up's row (false: lost race or no such run). */
type CommitAnswer = { readonly version: number; readonly wake: JobRef | null } | false;

const runKey = (tenantId: string, runId: string): string => `${tenantId}\u0000${runId}`;

function commitItem(
  snapshot: RunSnapshot,
  expectedVersion: number,
  base: RunSnapshot | undefined,
  wake: WakeRequest | undefined,
): CommitItem {
  return {
    key: runKey(snapshot.run.tenantId, snapshot.run.id),
    run: runCommitRecord(snapshot.run, expectedVersion),
    steps: changedStepRecords(snapshot, base),
    wake: wake === undefined ? null : wakeRecord(wake),
  };
}

/** The run columns a commit sets, as a record for `jsonb_to_recordset` (RUN_COMMIT_COLUMNS). */
const runCommitRecord = (run: Run, expectedVersion: number): Record<string, unknown> => ({
  tenant_id: run.tenantId,
  id: run.id,
  expected: expectedVersion,
  status: run.status,
  cursor: run.cursor,
  waiting_for: run.waitingFor,
  wake_at: toTimestamp(run.wakeAt),
  error: run.error,
  ended_by: run.end,
  lease_owner: run.lease?.owner ?? null,
  lease_expires_at: toTimestamp(run.lease?.expiresAt ?? null),
  resume_count: run.resumeCount,
  consumed_event_ids: run.consumedEventIds,
  updated_at: toTimestamp(run.updatedAt),
  started_at: toTimestamp(run.startedAt),
  ended_at: toTimestamp(run.endedAt),
  context: run.context,
});

const RUN_COMMIT_COLUMNS = `tenant_id text, id text, expected integer, status text, cursor text, waiting_for text, wake_at timestamptz,
  error jsonb, ended_by jsonb, lease_owner text, lease_expires_at timestamptz, resume_count integer, consumed_event_ids jsonb,
  updated_at timestamptz, started_at timestamptz, ended_at timestamptz, context jsonb`;

/**
 * Commits several runs in ONE statement (a data-modifying CTE, atomic): each run row is updated
 * only if its version is the expected one (compare-and-set), and the step rows and the wake-up's
 * outbox row of exactly the runs that were updated are written. Answers, per item in order, the new
 * version with the wake-up's row, or false (lost race or no such run). The items must be of distinct runs.
 */
async function commitRuns(q: Queryable, items: readonly CommitItem[], now: number): Promise<CommitAnswer[]> {
  const wakes = items.flatMap((item) => (item.wake === null ? [] : [item.wake]));
  const r = await q.query<{
    what: 'run' | 'wake';
    tenant_id: string;
    id: string;
    version: number | null;
    deliveries: number | null;
    due_at: Date | string | null;
  }>(
    // With a generic plan (preparedGeneric): planned per call it cost 0.2 ms (alone) to 1.1 ms (the
    // orchestration bench) of planning a call, more than its execution for a few runs, and every read
    // in it is a key equality (`= ANY` on the keys).
    wakes.length === 0 ? COMMIT_RUNS_SQL : COMMIT_RUNS_WITH_WAKES_SQL,
    [...commitRunsParams(items), ...(wakes.length === 0 ? [] : [JSON.stringify(wakes)])],
  );
  const versions = new Map<string, number>();
  // A wake-up's row by its (tenant, job id): each item's wake record carries the job id it was given.
  const refs = new Map<string, JobRef>();
  for (const row of r.rows) {
    if (row.what === 'run' && row.version !== null) versions.set(runKey(row.tenant_id, row.id), row.version);
    else if (row.what === 'wake')
      refs.set(runKey(row.tenant_id, row.id), {
        tenantId: row.tenant_id,
        id: row.id,
        attempt: row.deliveries ?? 0,
        dueAt: new Date(row.due_at ?? now),
      });
  }
  return items.map((item) => {
    const version = versions.get(item.key);
    if (version === undefined) return false;
    const wake = item.wake === null ? null : (refs.get(runKey(String(item.wake['tenant_id']), String(item.wake['id']))) ?? null);
    return { version, wake };
  });
}

/**
 * The CTEs of a commit (`updated` answers the runs written), with parameters from `$p`. The runs are
 * also named by key arrays (`= ANY`), which the planner sees the size of: it looks them up through
 * the primary key. Joined only to the input (whose size it takes for 100 rows), it hashed the whole
 * runs table on every commit once the table had a few thousand rows (a sequential scan per commit,
 * growing with the table).
 */
const commitRunsCtes = (p: number): string => `
     input AS (SELECT * FROM jsonb_to_recordset($${p}::jsonb) AS i(${RUN_COMMIT_COLUMNS})),
     updated AS (
       UPDATE runs r SET status = i.status, cursor = i.cursor, waiting_for = i.waiting_for, wake_at = i.wake_at, error = i.error,
              ended_by = i.ended_by, lease_owner = i.lease_owner, lease_expires_at = i.lease_expires_at, resume_count = i.resume_count,
              consumed_event_ids = i.consumed_event_ids, version = i.expected + 1, updated_at = i.updated_at, started_at = i.started_at,
              ended_at = i.ended_at, context = i.context
         FROM input i
        WHERE r.tenant_id = i.tenant_id AND r.id = i.id AND r.version = i.expected
          AND r.tenant_id = ANY($${p + 2}::text[]) AND r.id = ANY($${p + 3}::text[])
        RETURNING r.tenant_id, r.id, r.version),
     steps AS (${upsertStepsSql('updated u WHERE u.tenant_id = x.tenant_id AND u.id = x.run_id', `$${p + 1}`)})`;

/** A commit without wake-ups, and one that also writes wake-ups ($5) for the runs it updated. */
const COMMIT_RUNS_SQL = preparedGeneric(
  `WITH ${commitRunsCtes(1)} SELECT 'run' AS what, tenant_id, id, version, NULL::integer AS deliveries, NULL::timestamptz AS due_at FROM updated`,
);
const COMMIT_RUNS_WITH_WAKES_SQL = preparedGeneric(`WITH ${commitRunsCtes(1)},
       wakes AS (
         INSERT INTO outbox (tenant_id, id, kind, payload, due_at, max_attempts, dispatched_at)
         SELECT w.tenant_id, w.id, w.kind, w.payload, coalesce(w.due_at, now()), w.max_attempts, now()
           FROM jsonb_to_recordset($5::jsonb) AS w(tenant_id text, id text, run_id text, kind text, payload jsonb, due_at timestamptz, max_attempts integer)
          WHERE EXISTS (SELECT 1 FROM updated u WHERE u.tenant_id = w.tenant_id AND u.id = w.run_id)
         RETURNING tenant_id, id, deliveries, due_at)
       SELECT 'run' AS what, tenant_id, id, version, NULL::integer AS deliveries, NULL::timestamptz AS due_at FROM updated
       UNION ALL SELECT 'wake', tenant_id, id, NULL, deliveries, due_at FROM wakes`);

const commitRunsParams = (items: readonly CommitItem[]): unknown[] => [
  JSON.stringify(items.map((item) => item.run)),
  JSON.stringify(items.flatMap((item) => item.steps)),
  [...new Set(items.map((item) => String(item.run['tenant_id'])))],
  items.map((item) => String(item.run['id'])),
];

const RUN_CREATE_COLUMNS = `tenant_id, id, playbook_id, playbook_version, profile_id, concurrency_key, status, context, cursor, waiting_for, wake_at,
  error, ended_by, lease_owner, lease_expires_at, resume_count, consumed_event_ids, version, created_at, updated_at, started_at, ended_at`;

/** One run to create: its row, its step rows and its first wake-up's outbox row (as outbox.insert would write it). */
interface CreateItem {
  /** Create only if the run's playbook version is the latest published one (CreateRunOptions). */
  readonly requireLatest: boolean;
  /** The start key to check and remember with the run (CreateRunOptions.startKey), if any. */
  readonly startKey: string | null;
  readonly run: Record<string, unknown>;
  readonly steps: readonly Record<string, unknown>[];
  readonly wake: Record<string, unknown> | null;
}

/**
 * The tenant, run id and start key of each create with a start key, as three arrays (for `unnest`: the
 * planner sees how many there are, and reads run_starts and runs through their primary keys for
 * them; a jsonb recordset it takes for 100 rows, and hashed both whole tables for a single start).
 */
function keyedParams(items: readonly CreateItem[]): [string[], string[], string[]] {
  const keyed = items.filter((item) => item.startKey !== null);
  return [
    keyed.map((item) => String(item.run['tenant_id'])),
    keyed.map((item) => String(item.run['id'])),
    keyed.map((item) => String(item.startKey)),
  ];
}

/**
 * What became of one run of a create batch: written (`created`); not written because its start key
 * already started or joined a run, or its id is taken (`known`: that run), because an active run
 * holds its concurrency key (`joined`: that run, its start key now remembered with it), because an
 * active run this statement could not see yet holds the key (`taken`: a concurrent create committed
 * meanwhile), or because its playbook version is no longer the latest published one (`stale`).
 */
type CreateOutcome =
  { readonly what: 'created' | 'taken' | 'stale' } | { readonly what: 'known' | 'joined'; readonly snapshot: RunSnapshot };

const wakeRecord = (wake: WakeRequest): Record<string, unknown> => {
  const job = wakeJob(wake);
  return {
    tenant_id: job.tenantId,
    id: newId('job'),
    run_id: wake.runId,
    kind: job.kind,
    payload: job.payload ?? {},
    due_at: job.dueAt?.toISOString() ?? null,
    max_attempts: job.maxAttempts ?? 10,
  };
};

/** A new run's row (version 1), as a record for `jsonb_populate_record(NULL::runs, …)`. */
const runCreateRecord = (run: Run): Record<string, unknown> => ({
  ...runCommitRecord(run, 0),
  expected: undefined,
  playbook_id: run.playbookId,
  playbook_version: run.playbookVersion,
  profile_id: run.profileId,
  concurrency_key: run.concurrencyKey,
  version: 1,
  created_at: toTimestamp(run.createdAt),
});

/**
 * RunStore on PostgreSQL / PGlite, with the contract of app/orchestration/ports.ts:
 * - every statement is scoped by tenant_id (another tenant's run is "not found");
 * - `create` relies on the partial unique index runs_active_concurrency_uq (one active run per key);
 * - `commit` is an UPDATE … WHERE version = expected plus the step upserts, in ONE statement (a
 *   data-modifying CTE: atomic, and one round trip instead of BEGIN/UPDATE/UPSERT/COMMIT);
 * - `load` reads the run and its steps in ONE statement, i.e. one consistent snapshot;
 * - a wake-up given to `create` / `commit` is a `run.advance` outbox row inserted through the
 *   WorkQueue (outbox.repository) in the SAME transaction as the write, and the dispatcher is rung
 *   only after COMMIT: a wake-up never runs before the state it wakes for is durable, and committed
 *   state that needs a wake-up always has one.
 */
/**
 * The active runs (pending, running, waiting or failed) of each of these profiles, with their steps
 * (each a committed snapshot), oldest first, in one statement; a profile with none is absent.
 */
export async function activeRunsOf(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<Map<string, RunSnapshot[]>> {
  const byProfile = new Map<string, RunSnapshot[]>();
  if (profileIds.length === 0) return byProfile;
  const r = await q.query<SnapshotRow>(
    `${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.profile_id = ANY($2::text[]) AND r.status IN ${ACTIVE_SQL} ORDER BY r.created_at, r.id`,
    [tenantId, [...profileIds]],
  );
  for (const row of r.rows) {
    const snapshot = toSnapshot(row);
    const runs = byProfile.get(snapshot.run.profileId);
    if (runs === undefined) byProfile.set(snapshot.run.profileId, [snapshot]);
    else runs.push(snapshot);
  }
  return byProfile;
}

/**
 * The refs worth a queue message among new runs' first wake-ups: a delivered `run.advance` wake-up
 * claims up to `batch` - 1 more of its tenant's due, never-tried ones (oldest first; the work
 * runner's batch claim, which rings for the oldest left behind when its batch was full), so of a
 * tenant's refs due by `now`, in the order they were recorded, one in `batch` is rung (the 1st, the
 * `batch`+1st, …: each message's claim takes the ones after it). Refs due later are all rung (a batch
 * claim takes only due rows). A ref nobody rang for is still a durable row: the sweeper dispatches it.
 */
export function refsToRing(refs: readonly JobRef[], batch: number, now: number): JobRef[] {
  if (batch <= 1) return [...refs];
  const seen = new Map<string, number>();
  return refs.filter((ref) => {
    if (ref.dueAt.getTime() > now) return true;
    const n = seen.get(ref.tenantId) ?? 0;
    seen.set(ref.tenantId, n + 1);
    return n % batch === 0;
  });
}

export interface SqlRunStoreOptions {
  /**
   * Due `run.advance` wake-ups one delivery claims together (the runs module's advanceBatchSize): new
   * runs' first wake-ups and commits' due wake-ups are rung one per this many (refsToRing). Default 1: every one is rung.
   */
  readonly advanceBatchSize?: number;
}

export class SqlRunStore implements RunStore {
  private readonly batcher: CommitBatcher<CommitItem, CommitAnswer>;
  private readonly creates: CommitBatcher<CreateItem, CreateOutcome>;
  /**
   * Rings wake-ups after the create or commit that recorded them committed, without holding up the
   * callers that wait for it; the refs of statements committed while a ring is under way go in its next call.
   */
  private readonly wakeBell: Doorbell | undefined;

  /** @param work Records and rings wake-ups; required only when wake-ups are passed. */
  constructor(
    private readonly db: Database,
    private readonly work?: WorkQueue,
    private readonly clock: Clock = systemClock,
    options: SqlRunStoreOptions = {},
  ) {
    const every = options.advanceBatchSize ?? 1;
    this.wakeBell =
      work === undefined ? undefined : new Doorbell({ notify: (refs) => work.notify(refsToRing(refs, every, this.clock.now())) }, 0);
    // PGlite runs one statement at a time: one batch in flight, the next one forms behind it.
    // On PostgreSQL two statements in flight: with four, most commits and creates of the event pipeline
    // (a few people's lanes at once) went alone, each planned and sent on its own; with two they group,
    // and the database spends less per run (issue #16, measured: 3,000 runs of 5 steps, PostgreSQL CPU
    // 1.35-1.41 -> 1.11-1.24 ms a run, 823-842 -> 903-952 runs/s; create statements per triggered start 0.9 -> 0.7).
    const grouping = db.kind === 'pglite' ? { maxInFlight: 1, maxBatch: 64 } : { maxInFlight: 2, maxBatch: 64 };
    this.batcher = new CommitBatcher((items) => commitRuns(this.db, items, this.clock.now()), grouping);
    // Creates group the same way (one per run or concurrency key per statement); their wake-ups are rung together after it.
    this.creates = new CommitBatcher((items) => this.createRuns(items), grouping);
  }

  /**
   * One statement (createRuns, grouped with concurrent creates) whatever the outcome, but for a
   * create that lost a race with one this statement could not see (`taken`): the active run holding
   * the concurrency key is then read (and the start key remembered with it) in one or two more.
   * A created run is answered from the snapshot given (stored as version 1), not read back.
   */
  async create(snapshot: RunSnapshot, wake?: WakeRequest, options?: CreateRunOptions): Promise<CreateRunResult> {
    const { run } = snapshot;
    const startKey = options?.startKey ?? null;
    // One create per concurrency key (or run) and per start key in a statement.
    const keys = [`${run.tenantId}\u0000${run.concurrencyKey ?? run.id}`];
    if (startKey !== null) keys.push(`${run.tenantId}\u0000start\u0000${startKey}`);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const outcome = await this.creates.submit(keys, {
        requireLatest: options?.requireLatestPublished === true,
        startKey,
        run: runCreateRecord(run),
        steps: stepRecords(snapshot),
        wake: wake === undefined ? null : wakeRecord(wake),
      });
      switch (outcome.what) {
        case 'created': {
          const stored = structuredClone(snapshot);
          stored.run.version = 1;
          return { created: true, snapshot: stored };
        }
        case 'known':
        case 'joined':
          return { created: false, snapshot: outcome.snapshot };
        case 'stale':
          throw new StalePlaybookError(run.playbookId, run.playbookVersion);
        case 'taken':
          break;
      }
      const existing = await this.db.query<SnapshotRow>(
        `${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.concurrency_key = $2 AND r.status IN ${ACTIVE_SQL}`,
        [run.tenantId, run.concurrencyKey],
      );
      const row = existing.rows[0];
      if (row !== undefined) {
        const holder = toSnapshot(row);
        if (startKey !== null) await rememberStart(this.db, run.tenantId, startKey, holder.run.id);
        return { created: false, snapshot: holder };
      }
      // The holder ended between our insert and our read: the key is free again, try once more.
    }
    throw new Error(`run ${run.id}: concurrency key ${run.concurrencyKey ?? ''} kept changing hands`);
  }

  /**
   * Inserts several new runs in ONE statement (a data-modifying CTE, atomic): each run unless its
   * start key already started or joined a run or its id is taken (`known`), an active run holds its
   * concurrency key (`joined`, or `taken` when that run was not visible to the statement) or (when
   * asked) its playbook version is no longer the latest published one (`stale`); the steps and the
   * wake-up's outbox row of exactly the runs inserted; and the start key of each run created or
   * joined (run_starts). Answers, per item, what became of it, with the run it found (`known`,
   * `joined`) as a snapshot read by the same statement. Then rings the dispatcher once for all the
   * wake-ups, after the commit.
   *
   * All of the statement's parts read one snapshot, taken before its writes: `held` does not see the
   * runs `created` inserts, and a create that loses its concurrency key to a create committed after
   * the snapshot (the index check waits for it) sees no holder: `taken`. Two creates with one start
   * key race on the run id (the triggered starts' id is a hash of the key): the loser's statement
   * fails with the primary key's unique violation and writes nothing.
   */
  private async createRuns(items: readonly CreateItem[]): Promise<CreateOutcome[]> {
    const wakes = items.flatMap((item) => (item.wake === null ? [] : [item.wake]));
    if (wakes.length > 0 && this.work === undefined)
      throw new Error('SqlRunStore was given a wake-up but has no work queue to record it in');
    const r = await this.db.query<{
      what: 'run' | 'wake' | 'stale' | 'known' | 'joined';
      tenant_id: string;
      id: string;
      deliveries: number | null;
      due_at: Date | string | null;
      run: RunJson | null;
      steps: RunJson[] | null;
    }>(
      // `known`: the run each start key ($5-$7) started or joined before, or the run already holding the
      // new run's id. `fresh`: the runs that may be written — all but those and those whose start took
      // "the latest published version" (ids in $4) when that version no longer is
      // (CreateRunOptions.requireLatestPublished). `held`: the active run holding the concurrency key
      // of a run not written. `remembered`: the start keys of the runs created or joined (or known
      // only by id).
      preparedGeneric(`WITH input AS (SELECT * FROM jsonb_populate_recordset(NULL::runs, $1::jsonb)),
       keyed AS (SELECT * FROM unnest($5::text[], $6::text[], $7::text[]) AS k(tenant_id, id, start_key)),
       known AS (
         SELECT k.tenant_id, k.id, k.start_key, r.id AS run_id, rs.run_id IS NOT NULL AS remembered, ${SNAPSHOT_COLUMNS}
           FROM keyed k
           LEFT JOIN run_starts rs ON rs.tenant_id = k.tenant_id AND rs.start_key = k.start_key
           JOIN runs r ON r.tenant_id = k.tenant_id AND r.id = coalesce(rs.run_id, k.id)),
       fresh AS (
         SELECT i.* FROM input i
          WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.tenant_id = i.tenant_id AND k.id = i.id)
            AND (i.id <> ALL($4::text[])
                 OR i.playbook_version = (SELECT max(p.version) FROM playbooks p
                                           WHERE p.tenant_id = i.tenant_id AND p.id = i.playbook_id AND p.status = 'published'))),
       created AS (
         INSERT INTO runs (${RUN_CREATE_COLUMNS})
         SELECT ${RUN_CREATE_COLUMNS} FROM fresh
         ON CONFLICT (tenant_id, concurrency_key) WHERE concurrency_key IS NOT NULL AND status IN ${ACTIVE_SQL} DO NOTHING
         RETURNING tenant_id, id),
       steps AS (${upsertStepsSql('created u WHERE u.tenant_id = x.tenant_id AND u.id = x.run_id', '$2')}),
       wakes AS (
         INSERT INTO outbox (tenant_id, id, kind, payload, due_at, max_attempts, dispatched_at)
         SELECT w.tenant_id, w.id, w.kind, w.payload, coalesce(w.due_at, now()), w.max_attempts, now()
           FROM jsonb_to_recordset($3::jsonb) AS w(tenant_id text, id text, run_id text, kind text, payload jsonb, due_at timestamptz, max_attempts integer)
          WHERE EXISTS (SELECT 1 FROM created c WHERE c.tenant_id = w.tenant_id AND c.id = w.run_id)
         RETURNING tenant_id, id, deliveries, due_at),
       held AS (
         SELECT i.tenant_id, i.id, r.id AS run_id, ${SNAPSHOT_COLUMNS}
           FROM input i
           JOIN runs r ON r.tenant_id = i.tenant_id AND r.concurrency_key = i.concurrency_key AND r.status IN ${ACTIVE_SQL}
          WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.tenant_id = i.tenant_id AND k.id = i.id)
            AND NOT EXISTS (SELECT 1 FROM created c WHERE c.tenant_id = i.tenant_id AND c.id = i.id)),
       remembered AS (
         INSERT INTO run_starts (tenant_id, start_key, run_id)
         SELECT k.tenant_id, k.start_key, coalesce(c.id, h.run_id, n.run_id) FROM keyed k
           LEFT JOIN created c ON c.tenant_id = k.tenant_id AND c.id = k.id
           LEFT JOIN held h ON h.tenant_id = k.tenant_id AND h.id = k.id
           LEFT JOIN known n ON n.tenant_id = k.tenant_id AND n.id = k.id
          WHERE coalesce(c.id, h.run_id, n.run_id) IS NOT NULL AND n.remembered IS NOT TRUE
         ON CONFLICT DO NOTHING)
       SELECT 'run' AS what, tenant_id, id, NULL::integer AS deliveries, NULL::timestamptz AS due_at, NULL::jsonb AS run, NULL::jsonb AS steps
         FROM created
       UNION ALL SELECT 'wake', tenant_id, id, deliveries, due_at, NULL, NULL FROM wakes
       UNION ALL SELECT 'known', tenant_id, id, NULL, NULL, run, steps FROM known
       UNION ALL SELECT 'joined', tenant_id, id, NULL, NULL, run, steps FROM held
       UNION ALL SELECT 'stale', i.tenant_id, i.id, NULL, NULL, NULL, NULL FROM input i
        WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.tenant_id = i.tenant_id AND f.id = i.id)
          AND NOT EXISTS (SELECT 1 FROM known k WHERE k.tenant_id = i.tenant_id AND k.id = i.id)
          AND NOT EXISTS (SELECT 1 FROM held h WHERE h.tenant_id = i.tenant_id AND h.id = i.id)`),
      [
        JSON.stringify(items.map((item) => item.run)),
        JSON.stringify(items.flatMap((item) => item.steps)),
        JSON.stringify(wakes),
        items.filter((item) => item.requireLatest).map((item) => String(item.run['id'])),
        ...keyedParams(items),
      ],
    );
    const refs: JobRef[] = r.rows
      .filter((row) => row.what === 'wake')
      .map((row) => ({
        tenantId: row.tenant_id,
        id: row.id,
        attempt: row.deliveries ?? 0,
        dueAt: new Date(row.due_at ?? this.clock.now()),
      }));
    if (refs.length > 0) this.wakeBell?.ring(refs);
    const outcomes = new Map<string, CreateOutcome>();
    for (const row of r.rows) {
      const key = runKey(row.tenant_id, row.id);
      if (row.what === 'run') outcomes.set(key, { what: 'created' });
      else if (row.what === 'stale') outcomes.set(key, { what: 'stale' });
      else if ((row.what === 'known' || row.what === 'joined') && row.run !== null && row.steps !== null)
        outcomes.set(key, { what: row.what, snapshot: toSnapshot({ run: row.run, steps: row.steps }) });
    }
    return items.map((item) => outcomes.get(runKey(String(item.run['tenant_id']), String(item.run['id']))) ?? { what: 'taken' });
  }

  /** Several runs of a tenant in ONE statement (each a consistent snapshot), by id; missing runs are absent. */
  async loadMany(tenantId: string, runIds: readonly string[]): Promise<Map<string, RunSnapshot>> {
    if (runIds.length === 0) return new Map();
    // A key lookup whatever the ids (a batch of run.advance wake-ups loads its runs): one generic plan.
    const r = await this.db.query<SnapshotRow>(LOAD_MANY_SQL, [tenantId, [...new Set(runIds)]]);
    return new Map(
      r.rows.map((row) => {
        const snapshot = toSnapshot(row);
        return [snapshot.run.id, snapshot];
      }),
    );
  }

  async load(tenantId: string, runId: string): Promise<RunSnapshot | null> {
    // Kept prepared (a key lookup whatever the values): every step of every run loads its run (issue #16).
    const r = await this.db.query<SnapshotRow>(LOAD_SQL, [tenantId, runId]);
    const row = r.rows[0];
    return row === undefined ? null : toSnapshot(row);
  }

  async commit(snapshot: RunSnapshot, expectedVersion: number, wake?: WakeRequest, base?: RunSnapshot): Promise<CommitResult> {
    if (wake !== undefined && this.work === undefined)
      throw new Error('SqlRunStore was given a wake-up but has no work queue to record it in');
    const item = commitItem(snapshot, expectedVersion, base, wake);
    const { run } = snapshot;
    // Commits of different runs are grouped into one statement under load, each with its wake-up's
    // outbox row written only if its run is; the wake-ups are rung after the statement committed.
    const result = await this.batcher.submit(item.key, item);
    if (result !== false) {
      if (result.wake !== null) this.wakeBell?.ring([result.wake]);
      return { ok: true, version: result.version };
    }
    const exists = await this.db.query('SELECT 1 FROM runs WHERE tenant_id = $1 AND id = $2', [run.tenantId, run.id]);
    return { ok: false, reason: exists.rows.length === 0 ? 'not_found' : 'version_conflict' };
  }

  /** The profile's active runs with their steps, oldest first, in one statement (each row one committed version). */
  async listActiveForProfile(tenantId: string, profileId: string): Promise<RunSnapshot[]> {
    const r = await this.db.query<SnapshotRow>(
      `${SNAPSHOT_SELECT} WHERE r.tenant_id = $1 AND r.profile_id = $2 AND r.status IN ${ACTIVE_SQL} ORDER BY r.created_at, r.id`,
      [tenantId, profileId],
    );
    return r.rows.map(toSnapshot);
  }

  async list(tenantId: string, filter: RunListFilter): Promise<Run[]> {
    // Two fixed statements (no SQL built from input): ascending, or newest first.
    const [beyond, order] = filter.order === 'newest' ? ['<', 'r.created_at DESC, r.id DESC'] : ['>', 'r.created_at, r.id'];
    const r = await this.db.query<{ run: RunJson }>(
      `SELECT to_jsonb(r) AS run FROM runs r
        WHERE r.tenant_id = $1 AND ($2::text IS NULL OR r.profile_id = $2) AND ($3::text IS NULL OR r.playbook_id = $3)
          AND ($4::text[] IS NULL OR r.status = ANY($4::text[]))
          AND ($6::timestamptz IS NULL OR (r.created_at, r.id) ${beyond} ($6::timestamptz, $7::text))
        ORDER BY ${order}
        LIMIT $5`,
      [
        tenantId,
        filter.profileId ?? null,
        filter.playbookId ?? null,
        filter.statuses === undefined ? null : [...filter.statuses],
        filter.limit ?? null,
        toTimestamp(filter.after?.at ?? null),
        filter.after?.id ?? null,
      ],
    );
    return r.rows.map((row) => runFromJson(row.run));
  }
}
