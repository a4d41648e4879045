/**
 * The `warehouse.sync` job: reads the connection's query page by page in a total order (cursor, then
 * identifier columns) inside the sync's incremental window, and applies each row through the one
 * ingest path every source uses: a `trait.changed` (or `audience.entered`) event whose subject is the
 * row's identifiers and traits, so identity resolution, the decisioning profile and playbook triggers
 * treat it like any other event. Unchanged rows emit nothing.
 *
 * Durability: the window is fixed when the sync starts; after each page the rows' state, the counters
 * and the offset move in one transaction (the checkpoint). A killed worker's job is redelivered and
 * resumes at the checkpoint; rows of the interrupted page are ingested again under the same event id
 * (sync id + row key + content hash), which the event log stores once — a row is never applied twice.
 * An audience member who left is dropped and counted in one transaction, after its `audience.left`
 * event (same id on a replay), so a kill in that phase neither loses nor doubles a count.
 * A bad row is rejected with its reason and counted; the sync goes on.
 */
import type { IdentifierNormalizer } from '../../app/identity/normalize/identifier';
import { type OpenWarehouse, type WarehouseClient, WarehouseError, type WarehouseValue } from '../../connectors/warehouse';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import type { JobHandler } from '../dispatch/work-runner';
import { getEvent, ingestEvent, type Identify } from '../events/events.repository';
import { anyIdentifierKeyKnown } from '../identity/identifier-lookups.repository';
import type { IdentityService } from '../identity/identity.service';
import type { Logger } from '../observability/logger';
import { missingColumns, readRow, traitChanges, type AcceptedRow } from './rows';
import type { PageCheckpoint, Rejection, RowState, SyncRecord, WarehouseConnection, WarehouseRepository } from './warehouse.repository';

export const WAREHOUSE_SYNC_JOB = 'warehouse.sync';
export const SYNC_MAX_ATTEMPTS = 8;

export interface SyncDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly repo: WarehouseRepository;
  readonly open: OpenWarehouse;
  readonly identity: () => IdentityService | undefined;
  readonly logger: Logger;
  readonly pageSize: number;
  /** Called after a page's rows were ingested, before its checkpoint commits (tests crash a sync here). */
  readonly beforeCheckpoint?: (sync: SyncRecord, pageIndex: number, signal: AbortSignal) => Promise<void> | void;
  /** Called after each audience member's leave is applied, with how many this attempt applied (tests crash a sync here). */
  readonly afterAudienceLeft?: (sync: SyncRecord, left: number, signal: AbortSignal) => Promise<void> | void;
}

/** Records a sync and its job in one transaction; rings the dispatcher after commit. */
export async function startSync(
  deps: Pick<SyncDeps, 'db' | 'work' | 'repo'>,
  tenantId: string,
  connectionId: string,
  trigger: SyncRecord['trigger'],
): Promise<{ sync: SyncRecord; created: boolean }> {
  const refs: Awaited<ReturnType<WorkQueue['record']>>[] = [];
  const out = await deps.db.transaction(async (tx) => {
    const result = await deps.repo.createSync(tx, tenantId, connectionId, trigger);
    if (result.created)
      refs.push(
        await deps.work.record(tx, {
          tenantId,
          kind: WAREHOUSE_SYNC_JOB,
          payload: { syncId: result.sync.id },
          dedupeKey: `warehouse.sync:${result.sync.id}`,
          maxAttempts: SYNC_MAX_ATTEMPTS,
        }),
      );
    return result;
  });
  await deps.work.notify(refs);
  return out;
}

/** The audience flag as a trait, so JSON-logic reads it like any other: `profile.traits.audience_<name>`. */
export const audienceTrait = (name: string): string => `audience_${name}`;

export function warehouseSyncJob(deps: SyncDeps): JobHandler {
  return async (job) => {
    const syncId = job.payload['syncId'];
    if (typeof syncId !== 'string') throw new Error('warehouse.sync job without a syncId');
    const found = await deps.repo.sync(deps.db, job.tenantId, syncId);
    if (found === undefined || found.status === 'succeeded' || found.status === 'failed') return;
    const connection = await deps.repo.get(deps.db, job.tenantId, found.connectionId);
    if (connection === undefined) {
      await deps.db.transaction((tx) => deps.repo.finishSync(tx, found, 'failed', 'the connection was deleted', false));
      return;
    }
    let client: WarehouseClient | undefined;
    try {
      client = deps.open(connection.config);
      await runSync(deps, connection, found, client, job.signal);
    } catch (err) {
      const permanent = err instanceof WarehouseError && err.category !== 'transient';
      const message = err instanceof Error ? err.message : String(err);
      if (permanent || job.attempt >= SYNC_MAX_ATTEMPTS) {
        const latest = (await deps.repo.sync(deps.db, job.tenantId, syncId)) ?? found;
        await deps.db.transaction((tx) => deps.repo.finishSync(tx, latest, 'failed', message, false));
        if (err instanceof WarehouseError && err.category === 'auth')
          await deps.repo.setStatus(deps.db, job.tenantId, connection.id, 'error', message);
        deps.logger.warn({ tenantId: job.tenantId, syncId, err: message }, 'warehouse sync failed');
        return;
      }
      throw err;
    } finally {
      await client?.close().catch(() => undefined);
    }
  };
}

async function runSync(
  deps: SyncDeps,
  connection: WarehouseConnection,
  initial: SyncRecord,
  client: WarehouseClient,
  signal: AbortSignal,
): Promise<void> {
  const { tenantId } = connection;
  const config = connection.config;
  let sync = initial;
  if (sync.status === 'queued') {
    const after = config.cursor === undefined ? null : (await deps.repo.state(deps.db, tenantId, connection.id)).cursor;
    const upTo = config.cursor === undefined ? null : await client.maxOf(config.query, config.cursor);
    await deps.repo.startSync(deps.db, tenantId, sync.id, { after, upTo });
    sync = (await deps.repo.sync(deps.db, tenantId, sync.id)) ?? sync;
  }
  const identity = deps.identity();
  if (identity === undefined) throw new Error('the identity module is not loaded');
  const normalizer = (await identity.resolver(deps.db, tenantId)).normalizer;
  const identify: Identify = (tx, input) => identity.identify(tx, input);
  const idColumns = [...new Set(Object.values(config.identifiers))].sort();
  const orderBy = config.cursor === undefined ? idColumns : [config.cursor, ...idColumns.filter((c) => c !== config.cursor)];
  const occurredAt = sync.startedAt ?? sync.createdAt;
  let pageIndex = 0;
  // The window is empty when the cursor has not moved past the last sync (or the query has no rows).
  const emptyWindow =
    config.cursor !== undefined && (sync.cursorUpTo === null || (sync.cursorAfter !== null && sync.cursorUpTo === sync.cursorAfter));
  while (!emptyWindow) {
    if (signal.aborted) throw new Error('warehouse sync aborted (lease lost or shutting down); it resumes from its checkpoint');
    const cursor = config.cursor === undefined ? undefined : { column: config.cursor, after: sync.cursorAfter, upTo: sync.cursorUpTo };
    const rows = await client.readPage({
      query: config.query,
      orderBy,
      ...(cursor === undefined ? {} : { cursor }),
      offset: sync.offsetRows,
      limit: deps.pageSize,
    });
    if (rows.length === 0) break;
    const first = rows[0];
    const missing = first === undefined ? [] : missingColumns(config, first);
    if (missing.length > 0)
      throw new WarehouseError(
        'query',
        `the query returns no column ${missing.join(', ')} (columns: ${Object.keys(first ?? {}).join(', ')})`,
      );
    const page = await applyPage(
      deps,
      connection,
      sync,
      rows.map((r) => readRow(config, normalizer, r)),
      { normalizer, identify, occurredAt },
    );
    await deps.beforeCheckpoint?.(sync, pageIndex, signal);
    const committed = await deps.db.transaction((tx) => deps.repo.checkpoint(tx, sync, sync.offsetRows, page));
    if (!committed) throw new Error('the sync moved on elsewhere (another worker holds it); leaving it');
    sync = (await deps.repo.sync(deps.db, tenantId, sync.id)) ?? sync;
    pageIndex += 1;
    if (rows.length < deps.pageSize) break;
  }
  if (config.audience !== undefined) await leaveAudience(deps, connection, sync, identify, occurredAt, config.audience, signal);
  const done = (await deps.repo.sync(deps.db, tenantId, sync.id)) ?? sync;
  await deps.db.transaction((tx) =>
    deps.repo.finishSync(tx, done, 'succeeded', null, config.cursor !== undefined && done.cursorUpTo !== null),
  );
}

async function applyPage(
  deps: SyncDeps,
  connection: WarehouseConnection,
  sync: SyncRecord,
  read: readonly ReturnType<typeof readRow>[],
  ctx: { normalizer: IdentifierNormalizer; identify: Identify; occurredAt: string },
): Promise<PageCheckpoint> {
  const { tenantId, config } = { tenantId: connection.tenantId, config: connection.config };
  const accepted = read.filter((r): r is AcceptedRow => r.ok);
  const known = await deps.repo.rowStates(
    deps.db,
    tenantId,
    connection.id,
    accepted.map((r) => r.rowKey),
  );
  const rejections: Rejection[] = [];
  const states: RowState[] = [];
  let unchanged = 0;
  let matched = 0;
  let created = 0;
  let events = 0;
  for (const [i, r] of read.entries()) {
    if (!r.ok) {
      rejections.push({ row: sync.offsetRows + i + 1, reason: r.reason });
      continue;
    }
    const before = known.get(r.rowKey);
    if (before !== undefined && before.traitsHash === r.traitsHash) {
      unchanged += 1;
      matched += 1;
      states.push({ ...before, seenSyncId: sync.id });
      continue;
    }
    const isNew = await isNewPerson(deps.db, tenantId, ctx.normalizer, r);
    const entering = config.audience !== undefined && before === undefined;
    const traits: Record<string, WarehouseValue> = { ...r.traits, ...(entering ? { [audienceTrait(config.audience ?? '')]: true } : {}) };
    const event: CanonicalEvent = {
      id: `wh:${sync.id}:${r.rowKey}:${r.traitsHash.slice(0, 16)}`,
      source: 'warehouse',
      type: entering ? 'audience.entered' : 'trait.changed',
      occurredAt: ctx.occurredAt,
      subject: {
        identifiers: r.identifiers.map((x) => ({
          type: x.type as CanonicalEvent['subject']['identifiers'][number]['type'],
          value: x.value,
        })),
        traits,
      },
      properties: {
        connectionId: connection.id,
        syncId: sync.id,
        newPerson: isNew,
        changes: traitChanges(before?.traits ?? {}, r.traits),
        ...(config.audience === undefined ? {} : { audience: config.audience }),
      },
    };
    // The id names this sync, so a duplicate is this sync's own event from a page replayed after a crash.
    const result = await ingestEvent(deps.db, deps.work, tenantId, event, undefined, ctx.identify);
    events += 1;
    // On a replayed page the person exists by now: the first attempt's answer is in the stored event.
    const createdPerson = result.duplicate ? (await getEvent(deps.db, tenantId, result.eventId))?.properties['newPerson'] === true : isNew;
    if (createdPerson) created += 1;
    else matched += 1;
    states.push({
      rowKey: r.rowKey,
      identifiers: r.identifiers,
      traits: r.traits,
      traitsHash: r.traitsHash,
      profileId: result.profileId,
      seenSyncId: sync.id,
    });
  }
  return { rows: read.length, rejected: rejections.length, unchanged, matched, created, events, rejections, states };
}

/** True when none of the row's identifiers is known to the identity graph yet (the sync creates the person). */
async function isNewPerson(db: Database, tenantId: string, normalizer: IdentifierNormalizer, row: AcceptedRow): Promise<boolean> {
  const keys = normalizer.normalize(row.identifiers).identifiers.map((i) => i.key);
  return !(await anyIdentifierKeyKnown(db, tenantId, keys));
}

/** Members the audience query no longer returns: an `audience.left` event each, then their row is dropped. */
async function leaveAudience(
  deps: SyncDeps,
  connection: WarehouseConnection,
  sync: SyncRecord,
  identify: Identify,
  occurredAt: string,
  audience: string,
  signal: AbortSignal,
): Promise<void> {
  let left = 0;
  for (;;) {
    if (signal.aborted) throw new Error('warehouse sync aborted (lease lost or shutting down); it resumes where it stopped');
    const gone = await deps.repo.unseenRows(deps.db, connection.tenantId, connection.id, sync.id, 200);
    if (gone.length === 0) return;
    for (const row of gone) {
      const event: CanonicalEvent = {
        id: `wh:${sync.id}:${row.rowKey}:left`,
        source: 'warehouse',
        type: 'audience.left',
        occurredAt,
        subject: {
          identifiers: row.identifiers.map((x) => ({
            type: x.type as CanonicalEvent['subject']['identifiers'][number]['type'],
            value: x.value,
          })),
          traits: { [audienceTrait(audience)]: false },
        },
        properties: { connectionId: connection.id, syncId: sync.id, audience },
      };
      await ingestEvent(deps.db, deps.work, connection.tenantId, event, undefined, identify);
      // The row goes and its event is counted in one transaction, and only by the call that removed it:
      // a worker killed after the event is stored replays it as a duplicate and counts it then; one
      // killed after this commit finds the row gone. (Counting once per batch after the drops lost the
      // count of the rows dropped before a kill.)
      await deps.db.transaction(async (tx) => {
        if (await deps.repo.dropRow(tx, connection.tenantId, connection.id, row.rowKey, sync.id))
          await deps.repo.countLeft(tx, connection.tenantId, sync.id, 1);
      });
      left += 1;
      await deps.afterAudienceLeft?.(sync, left, signal);
    }
  }
}
