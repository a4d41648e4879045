import type { PortError } from './errors';
import type { JsonObject, JsonValue } from './json';
import type { ActionKind, DecisionChannel } from './playbook/action-kinds';
import type { Playbook, PlaybookStatus } from './playbook/playbook.schema';
import type { PagePosition } from '../shared/page-position';
import type { Run, RunSnapshot, RunStatus } from './runs/run.types';

/** Wall-clock time (the engine never reads the system clock itself) and unique ids (run ids, advance-invocation ids used as lease owners): the shared ports. */
export type { Clock } from '../shared/clock';
export type { IdGenerator } from '../shared/ids';

export type CommitResult =
  { readonly ok: true; readonly version: number } | { readonly ok: false; readonly reason: 'version_conflict' | 'not_found' };
export type CreateRunResult =
  { readonly created: true; readonly snapshot: RunSnapshot } | { readonly created: false; readonly snapshot: RunSnapshot };

export interface CreateRunOptions {
  /**
   * The run's playbook version was chosen as the latest published one, possibly from a cache
   * (`PlaybookStore.latestPublished(…, { cached: true })`): create the run only if that version is
   * STILL the highest published version when the run is written, else write nothing and throw
   * StalePlaybookError (the engine then reads the playbook afresh and tries again).
   */
  readonly requireLatestPublished?: boolean;
  /**
   * What caused this start (an event and playbook, a decision), when it may be delivered again:
   * the store remembers, IN THE SAME WRITE, that this key started the run (or joined the active run
   * holding its concurrency key). A key that already started or joined a run, or a run whose id is
   * already taken, writes nothing and answers that run (`created: false`). The first run remembered
   * for a key is the one it keeps.
   */
  readonly startKey?: string;
}

export interface RunListFilter {
  readonly profileId?: string;
  readonly playbookId?: string;
  readonly statuses?: readonly RunStatus[];
  readonly limit?: number;
  /** Keyset pagination: only runs strictly after this position (`at` is the run's createdAt, then id) in the chosen order. */
  readonly after?: PagePosition;
  /** `oldest` first (default) or `newest` first. */
  readonly order?: 'oldest' | 'newest';
}

export type { PagePosition } from '../shared/page-position';

/**
 * Durable run state. Contract every adapter (SQL, in-memory) must honour:
 *
 * 1. Tenant isolation: every method is scoped by tenantId; a run of another tenant is "not found".
 * 2. `create` is atomic with the concurrency rule: if `run.concurrencyKey` is not null and another
 *    run of the same tenant with that key has an ACTIVE status (pending, running, waiting, failed),
 *    nothing is written and `{ created: false, snapshot: <that run> }` is returned.
 *    SQL: a partial unique index on (tenant_id, concurrency_key) WHERE concurrency_key IS NOT NULL
 *    AND status IN ('pending','running','waiting','failed'); on a unique violation, select and
 *    return the existing run. The snapshot passed in has version 0; stored, it has version 1.
 * 3. `commit` is a compare-and-set on `run.version`: it succeeds only if the stored version equals
 *    `expectedVersion`, and then stores the run with version = expectedVersion + 1 and upserts every
 *    step execution in the snapshot (keyed by tenant, run id, step id) in ONE transaction.
 *    SQL: UPDATE runs SET …, version = $expected + 1 WHERE tenant_id = $t AND id = $id AND
 *    version = $expected; zero rows → `version_conflict` (or `not_found` if the run does not exist)
 *    and roll back. Two advancers that loaded the same version can never both commit.
 * 4. `load` returns a snapshot that reflects exactly one committed version (read run and steps in
 *    one transaction / consistent snapshot). Returned objects are the caller's to mutate.
 * 5. Status changes may move a run out of ACTIVE; the concurrency key is then free for a new run.
 * 6. A `wake` passed to `create` or `commit` is recorded durably in the SAME transaction as the write
 *    (transactional outbox) and handed to the dispatcher only AFTER that transaction has committed;
 *    if nothing is written (version conflict, concurrency key taken, not found) no wake-up is
 *    recorded. So a wake-up can never be delivered before the state it wakes the run for is
 *    durable, and a crash can never leave committed state that needs a wake-up without one.
 *    SQL: the outbox row is inserted in the commit's transaction; the dispatcher is rung after COMMIT.
 * 7. `list` returns runs ordered by (createdAt, id), ascending or (`order: 'newest'`) descending;
 *    with `after`, only runs strictly after that position in that order (keyset pagination).
 * 8. `create` with `requireLatestPublished` checks, in the same statement as the write, that the
 *    run's playbook version is the highest published one (see CreateRunOptions). A store paired
 *    with a PlaybookStore that never answers from a cache (the in-memory ones) may skip the check.
 * 9. `create` with a `startKey` (see CreateRunOptions) checks the key, writes the run and remembers
 *    the key atomically: two starts with one key, at once or one after the other, end with one run.
 *    SQL: one statement (a data-modifying CTE) over run_starts and runs; a start racing another
 *    insert of the same run id may still fail with the primary key's unique violation.
 */
export interface RunStore {
  create(snapshot: RunSnapshot, wake?: WakeRequest, options?: CreateRunOptions): Promise<CreateRunResult>;
  load(tenantId: string, runId: string): Promise<RunSnapshot | null>;
  /**
   * `base`, when given, is the committed snapshot (at `expectedVersion`) that `snapshot` was derived
   * from: an adapter may skip writing step executions equal to their counterpart in it (they are
   * stored already). The result must be the same as writing every step.
   */
  commit(snapshot: RunSnapshot, expectedVersion: number, wake?: WakeRequest, base?: RunSnapshot): Promise<CommitResult>;
  /**
   * Active runs of a profile (pending, running, waiting, failed), for event delivery: each a snapshot
   * of one committed version (as `load` answers), oldest first, so a delivery need not load them again.
   */
  listActiveForProfile(tenantId: string, profileId: string): Promise<RunSnapshot[]>;
  list(tenantId: string, filter: RunListFilter): Promise<Run[]>;
}

export interface StoredPlaybook {
  readonly tenantId: string;
  readonly playbook: Playbook;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type InsertPlaybookResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'version_exists' };
export type SetPlaybookStatusResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'not_found' | 'status_changed' };

/**
 * Versioned playbook definitions. A version's steps are immutable once inserted; only its status
 * changes (draft → published → archived). Contract:
 * - `insert` fails with `version_exists` if (tenant, id, version) is taken (SQL: primary key).
 * - `setStatus(…, from, to)` is a compare-and-set on the status (`status_changed` if it is not `from`).
 * - `get` returns any version whatever its status (in-flight runs keep loading archived versions).
 * - `latestPublished` returns the highest version whose status is `published`, or null. With
 *   `{ cached: true }` it may answer from a cache (a version's definition never changes, but which
 *   version is the latest published one does): the caller must then create the run with
 *   `requireLatestPublished` (RunStore contract item 8), which catches a stale answer.
 */
export interface PlaybookStore {
  insert(tenantId: string, playbook: Playbook, now: number): Promise<InsertPlaybookResult>;
  get(tenantId: string, playbookId: string, version: number): Promise<StoredPlaybook | null>;
  latestPublished(tenantId: string, playbookId: string, options?: { readonly cached?: boolean }): Promise<StoredPlaybook | null>;
  listVersions(tenantId: string, playbookId: string): Promise<StoredPlaybook[]>;
  list(tenantId: string): Promise<StoredPlaybook[]>;
  setStatus(
    tenantId: string,
    playbookId: string,
    version: number,
    from: PlaybookStatus,
    to: PlaybookStatus,
    now: number,
  ): Promise<SetPlaybookStatusResult>;
}

export interface WakeRequest {
  readonly tenantId: string;
  readonly runId: string;
  /** Epoch ms; deliver at or after this instant. */
  readonly at: number;
  readonly reason: string;
}

/**
 * Wakes a run later: at or after `at`, call `advanceRun(tenantId, runId)`. Contract:
 * - durable once `wakeAt` resolves (survives restarts) and delivered at least once;
 * - delivery is retried if the advance invocation throws or its process dies;
 * - duplicates and early/spurious deliveries are harmless (the engine re-checks and re-arms),
 *   so an adapter may coalesce with a pending, not yet claimed wake-up for (tenantId, runId, at).
 * The engine calls `wakeAt` only to RE-ARM a wake-up for state that is already committed (another
 * invocation holds a live lease; a wake-up arrived before its time). A wake-up that a state change
 * needs travels with that change: `RunStore.create/commit(…, wake)` (contract item 6), never before it.
 */
export interface Scheduler {
  wakeAt(request: WakeRequest): Promise<void>;
}

export interface ActionRequest {
  readonly tenantId: string;
  readonly runId: string;
  readonly stepId: string;
  readonly profileId: string;
  readonly kind: ActionKind;
  readonly params: JsonObject;
  /** At most one effect per key, ever (see idempotency.ts). */
  readonly idempotencyKey: string;
  /** 1-based attempt number (informational; do not derive keys from it). */
  readonly attempt: number;
}

export type ActionResult = { readonly ok: true; readonly output: JsonValue } | { readonly ok: false; readonly error: PortError };

/**
 * Performs a side effect (CRM write, message, task…). Contract:
 * - At most one effect per (tenantId, idempotencyKey). A repeated call for a key whose effect was
 *   applied returns `{ ok: true, output }` with the original output, without acting again.
 * - A call that returns an error must leave the key unused unless the effect may have been applied
 *   (then the next call with the key must find and return it, e.g. via the vendor's own dedup).
 * - Expected failures are values classified rate_limited (with retryAfterMs) / transient / auth /
 *   permanent; throwing means a bug or a crash (the invocation is retried by the dispatcher).
 * - No retries inside the port: the engine is the only retrying layer.
 * - Must answer within the engine's lease (EngineOptions.leaseMs), e.g. with an HTTP timeout.
 */
export interface ActionPort {
  execute(request: ActionRequest): Promise<ActionResult>;
}

export interface DecidedAction {
  readonly id: string;
  readonly label: string;
  readonly channel: DecisionChannel;
  readonly params?: JsonObject;
}

export interface DecideResult {
  readonly decisionId: string;
  readonly action: DecidedAction | null;
  /**
   * True only when the person is in the holdout group (no automated action, by design of the lift
   * measurement); false or absent when no action was chosen for any other reason (nothing eligible,
   * caps, quiet hours…).
   */
  readonly holdout?: boolean;
  /**
   * Why decisioning chose this action (or none): a short human-readable reason, shown on the step.
   * Recorded on the step's decision and output as `reason` (null when the decider gives none).
   */
  readonly reason?: string;
  /** Structured explanation (e.g. per-action eligibility and scores), recorded as given. */
  readonly explanation?: JsonValue;
  /**
   * The action may not be performed before this instant (epoch ms), e.g. the recipient's quiet
   * hours: the run waits (step `retrying`, run `waiting` for `time_window`, a wake-up at that
   * instant) and then performs it with the same idempotency key. Absent or past: act now.
   */
  readonly notBefore?: number;
}

export interface DecideMeta {
  readonly tenantId: string;
  readonly runId: string;
  readonly stepId: string;
  /** Same key for re-asks of the same step, so decisioning can return the logged decision. */
  readonly idempotencyKey: string;
}

/** Next best action for a profile (implemented by decisioning). Throwing = crash; the step is retried. */
export interface Decider {
  decide(profileId: string, context: JsonObject, meta: DecideMeta): Promise<DecideResult>;
}
