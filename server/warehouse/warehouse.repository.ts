/**
 * Warehouse storage: connections of type `warehouse` in the shared `connections` table (plain settings
 * as jsonb, the URL sealed with the SecretBox bound to tenant and connection, as every connection),
 * syncs with their checkpoint and counters, the per-row state, the cursor watermark, traits on
 * profiles and export jobs (migrations 019, 020).
 */
import type { Queryable } from '../db/database';
import { newId } from '../security/ids';
import type { SecretBox } from '../security/secret-box';
import { openConnection, sealConnection } from '../connections/connection-secrets';
import { connectionStore, type StoredConnection } from '../connections/connection-store.repository';
import { WAREHOUSE_SECRET_FIELDS, warehouseConfigSchema, type WarehouseConfig } from '../connections/connection-config';
import type { WarehouseValue } from '../../connectors/warehouse';

export interface WarehouseConnection {
  readonly tenantId: string;
  readonly id: string;
  readonly status: 'active' | 'disconnected' | 'error';
  readonly config: WarehouseConfig;
  readonly createdAt: string;
}

export interface WarehouseConnectionView {
  readonly id: string;
  readonly type: 'warehouse';
  readonly status: 'active' | 'disconnected' | 'error';
  readonly statusReason: string | null;
  readonly config: Record<string, unknown>;
  readonly secrets: string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

type ConnectionRow = StoredConnection;

export type SyncStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type SyncTrigger = 'api' | 'schedule' | 'cli';

export interface Rejection {
  /** 1-based position of the row in this sync's ordered read. */
  readonly row: number;
  readonly reason: string;
}

export interface SyncRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly connectionId: string;
  readonly status: SyncStatus;
  readonly trigger: SyncTrigger;
  readonly cursorAfter: WarehouseValue;
  readonly cursorUpTo: WarehouseValue;
  readonly offsetRows: number;
  readonly rowsRead: number;
  readonly rowsRejected: number;
  readonly rowsUnchanged: number;
  readonly profilesMatched: number;
  readonly profilesCreated: number;
  readonly eventsEmitted: number;
  readonly rejections: readonly Rejection[];
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

interface SyncRow {
  tenant_id: string;
  id: string;
  connection_id: string;
  status: SyncStatus;
  trigger: SyncTrigger;
  cursor_after: WarehouseValue;
  cursor_up_to: WarehouseValue;
  offset_rows: number;
  rows_read: number;
  rows_rejected: number;
  rows_unchanged: number;
  profiles_matched: number;
  profiles_created: number;
  events_emitted: number;
  rejections: Rejection[];
  error: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

const iso = (d: Date | string): string => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));
/** Rejections kept per sync (the count is exact; the reasons are a sample). */
export const MAX_REJECTIONS_KEPT = 100;

function syncOf(r: SyncRow): SyncRecord {
  return {
    tenantId: r.tenant_id,
    id: r.id,
    connectionId: r.connection_id,
    status: r.status,
    trigger: r.trigger,
    cursorAfter: r.cursor_after,
    cursorUpTo: r.cursor_up_to,
    offsetRows: r.offset_rows,
    rowsRead: r.rows_read,
    rowsRejected: r.rows_rejected,
    rowsUnchanged: r.rows_unchanged,
    profilesMatched: r.profiles_matched,
    profilesCreated: r.profiles_created,
    eventsEmitted: r.events_emitted,
    rejections: r.rejections,
    error: r.error,
    createdAt: iso(r.created_at),
    startedAt: isoOrNull(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
  };
}

export interface RowState {
  readonly rowKey: string;
  readonly identifiers: readonly { type: string; value: string }[];
  readonly traits: Readonly<Record<string, WarehouseValue>>;
  readonly traitsHash: string;
  readonly profileId: string | null;
  readonly seenSyncId: string;
}

export interface PageCheckpoint {
  readonly rows: number;
  readonly rejected: number;
  readonly unchanged: number;
  readonly matched: number;
  readonly created: number;
  readonly events: number;
  readonly rejections: readonly Rejection[];
  readonly states: readonly RowState[];
}

export class WarehouseRepository {
  constructor(private readonly secrets: SecretBox) {}

  // ---- connections ----

  private view(row: ConnectionRow): WarehouseConnectionView {
    const { _secretNames: names, ...plain } = row.config;
    return {
      id: row.id,
      type: 'warehouse',
      status: row.status,
      statusReason: row.statusReason,
      config: plain,
      secrets: Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [],
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  private open(row: ConnectionRow): WarehouseConnection {
    const opened = openConnection(this.secrets, {
      tenant_id: row.tenantId,
      id: row.id,
      config: row.config,
      secret_ciphertext: row.sealed?.ciphertext ?? null,
      secret_key_id: row.sealed?.keyId ?? null,
    });
    return {
      tenantId: row.tenantId,
      id: row.id,
      status: row.status,
      config: warehouseConfigSchema.parse(opened),
      createdAt: row.createdAt,
    };
  }

  private seal(
    tenantId: string,
    id: string,
    config: WarehouseConfig,
  ): { plain: Record<string, unknown>; ciphertext: string; keyId: string } {
    const plain: Record<string, unknown> = {};
    const secrets: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
      if (v === undefined) continue;
      if (WAREHOUSE_SECRET_FIELDS.includes(k)) secrets[k] = v;
      else plain[k] = v;
    }
    return sealConnection(this.secrets, tenantId, id, plain, secrets);
  }

  async create(q: Queryable, tenantId: string, config: WarehouseConfig): Promise<WarehouseConnectionView> {
    const id = newId('con');
    const sealed = this.seal(tenantId, id, config);
    return this.view(
      await connectionStore.insert(q, {
        tenantId,
        id,
        type: 'warehouse',
        externalId: null,
        config: sealed.plain,
        sealed: { ciphertext: sealed.ciphertext, keyId: sealed.keyId },
      }),
    );
  }

  async update(q: Queryable, tenantId: string, id: string, config: WarehouseConfig): Promise<WarehouseConnectionView | undefined> {
    const sealed = this.seal(tenantId, id, config);
    const [row] = await connectionStore.update(
      q,
      { tenantId, id, type: 'warehouse' },
      { config: sealed.plain, sealed: { ciphertext: sealed.ciphertext, keyId: sealed.keyId }, status: 'active', statusReason: null },
    );
    return row === undefined ? undefined : this.view(row);
  }

  async list(q: Queryable, tenantId: string): Promise<WarehouseConnectionView[]> {
    return (await connectionStore.find(q, { tenantId, type: 'warehouse' })).map((row) => this.view(row));
  }

  async view1(q: Queryable, tenantId: string, id: string): Promise<WarehouseConnectionView | undefined> {
    const row = await connectionStore.first(q, { tenantId, id, type: 'warehouse' });
    return row === undefined ? undefined : this.view(row);
  }

  async get(q: Queryable, tenantId: string, id: string): Promise<WarehouseConnection | undefined> {
    const row = await connectionStore.first(q, { tenantId, id, type: 'warehouse' });
    return row === undefined ? undefined : this.open(row);
  }

  /** Active warehouse connections with a schedule, across tenants (the scheduler's scan). */
  async scheduled(q: Queryable): Promise<WarehouseConnection[]> {
    return (await connectionStore.find(q, { type: 'warehouse', status: 'active', configHas: ['schedule'] }, { order: 'tenant' })).map(
      (row) => this.open(row),
    );
  }

  async setStatus(q: Queryable, tenantId: string, id: string, status: 'active' | 'error', reason: string | null): Promise<void> {
    await connectionStore.update(q, { tenantId, id, type: 'warehouse' }, { status, statusReason: reason });
  }

  /** Deletes the connection and everything Baton kept about its rows (traits already on profiles stay). */
  async delete(q: Queryable, tenantId: string, id: string): Promise<boolean> {
    if ((await connectionStore.remove(q, { tenantId, id, type: 'warehouse' })) === 0) return false;
    for (const table of ['warehouse_rows', 'warehouse_state', 'warehouse_syncs', 'warehouse_exports', 'warehouse_export_positions']) {
      await q.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND connection_id = $2`, [tenantId, id]);
    }
    return true;
  }

  // ---- syncs ----

  /** A new queued sync, or the connection's active one (one at a time per connection). */
  async createSync(
    q: Queryable,
    tenantId: string,
    connectionId: string,
    trigger: SyncTrigger,
  ): Promise<{ sync: SyncRecord; created: boolean }> {
    const id = newId('sync');
    const inserted = await q.query<SyncRow>(
      `INSERT INTO warehouse_syncs (tenant_id, id, connection_id, status, trigger) VALUES ($1, $2, $3, 'queued', $4)
       ON CONFLICT (tenant_id, connection_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING *`,
      [tenantId, id, connectionId, trigger],
    );
    if (inserted.rows[0] !== undefined) return { sync: syncOf(inserted.rows[0]), created: true };
    const active = await q.query<SyncRow>(
      `SELECT * FROM warehouse_syncs WHERE tenant_id = $1 AND connection_id = $2 AND status IN ('queued', 'running')`,
      [tenantId, connectionId],
    );
    if (active.rows[0] === undefined) throw new Error('sync conflict without an active sync');
    return { sync: syncOf(active.rows[0]), created: false };
  }

  async sync(q: Queryable, tenantId: string, id: string): Promise<SyncRecord | undefined> {
    const r = await q.query<SyncRow>('SELECT * FROM warehouse_syncs WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return r.rows[0] === undefined ? undefined : syncOf(r.rows[0]);
  }

  async syncs(q: Queryable, tenantId: string, connectionId: string, limit = 20): Promise<SyncRecord[]> {
    const r = await q.query<SyncRow>(
      'SELECT * FROM warehouse_syncs WHERE tenant_id = $1 AND connection_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3',
      [tenantId, connectionId, limit],
    );
    return r.rows.map(syncOf);
  }

  /** Fixes the incremental window once (a resumed sync keeps it) and marks the sync running. */
  async startSync(q: Queryable, tenantId: string, id: string, window: { after: WarehouseValue; upTo: WarehouseValue }): Promise<void> {
    await q.query(
      `UPDATE warehouse_syncs SET status = 'running', started_at = now(), cursor_after = $3::jsonb, cursor_up_to = $4::jsonb, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'queued'`,
      [tenantId, id, JSON.stringify(window.after), JSON.stringify(window.upTo)],
    );
  }

  /**
   * Applies one page: the rows' state and the counters move with the checkpoint, only from the
   * offset the page was read at (a stale worker's page is refused). False when refused.
   */
  async checkpoint(
    tx: Queryable,
    sync: { tenantId: string; id: string; connectionId: string },
    fromOffset: number,
    page: PageCheckpoint,
  ): Promise<boolean> {
    const moved = await tx.query(
      `UPDATE warehouse_syncs SET offset_rows = offset_rows + $4, rows_read = rows_read + $4, rows_rejected = rows_rejected + $5,
              rows_unchanged = rows_unchanged + $6, profiles_matched = profiles_matched + $7, profiles_created = profiles_created + $8,
              events_emitted = events_emitted + $9,
              rejections = CASE WHEN jsonb_array_length(rejections) >= ${MAX_REJECTIONS_KEPT} THEN rejections ELSE rejections || $10::jsonb END,
              updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND offset_rows = $3 AND status = 'running'`,
      [
        sync.tenantId,
        sync.id,
        fromOffset,
        page.rows,
        page.rejected,
        page.unchanged,
        page.matched,
        page.created,
        page.events,
        JSON.stringify(page.rejections.slice(0, MAX_REJECTIONS_KEPT)),
      ],
    );
    if (moved.rowCount !== 1) return false;
    for (const s of page.states) {
      await tx.query(
        `INSERT INTO warehouse_rows (tenant_id, connection_id, row_key, identifiers, traits, traits_hash, profile_id, seen_sync_id, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
         ON CONFLICT (tenant_id, connection_id, row_key) DO UPDATE SET identifiers = EXCLUDED.identifiers, traits = EXCLUDED.traits,
           traits_hash = EXCLUDED.traits_hash, profile_id = coalesce(EXCLUDED.profile_id, warehouse_rows.profile_id), seen_sync_id = EXCLUDED.seen_sync_id, updated_at = now()`,
        [
          sync.tenantId,
          sync.connectionId,
          s.rowKey,
          JSON.stringify(s.identifiers),
          JSON.stringify(s.traits),
          s.traitsHash,
          s.profileId,
          s.seenSyncId,
        ],
      );
    }
    return true;
  }

  async finishSync(
    tx: Queryable,
    sync: SyncRecord,
    status: 'succeeded' | 'failed',
    error: string | null,
    advanceCursor: boolean,
  ): Promise<void> {
    await tx.query(
      `UPDATE warehouse_syncs SET status = $3, error = $4, finished_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running')`,
      [sync.tenantId, sync.id, status, error],
    );
    if (status !== 'succeeded') return;
    await tx.query(
      `INSERT INTO warehouse_state (tenant_id, connection_id, cursor_value, last_sync_id) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (tenant_id, connection_id) DO UPDATE SET cursor_value = CASE WHEN $5 THEN EXCLUDED.cursor_value ELSE warehouse_state.cursor_value END, last_sync_id = EXCLUDED.last_sync_id`,
      [sync.tenantId, sync.connectionId, JSON.stringify(advanceCursor ? sync.cursorUpTo : null), sync.id, advanceCursor],
    );
  }

  async state(q: Queryable, tenantId: string, connectionId: string): Promise<{ cursor: WarehouseValue; lastSlotAt: string | null }> {
    const r = await q.query<{ cursor_value: WarehouseValue; last_slot_at: Date | string | null }>(
      'SELECT cursor_value, last_slot_at FROM warehouse_state WHERE tenant_id = $1 AND connection_id = $2',
      [tenantId, connectionId],
    );
    const row = r.rows[0];
    return { cursor: row?.cursor_value ?? null, lastSlotAt: row === undefined ? null : isoOrNull(row.last_slot_at) };
  }

  /** Claims a schedule slot (compare-and-set, so two processes never both start it). */
  async claimSlot(q: Queryable, tenantId: string, connectionId: string, previous: string | null, slot: string): Promise<boolean> {
    await q.query('INSERT INTO warehouse_state (tenant_id, connection_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      tenantId,
      connectionId,
    ]);
    const r = await q.query(
      'UPDATE warehouse_state SET last_slot_at = $4 WHERE tenant_id = $1 AND connection_id = $2 AND last_slot_at IS NOT DISTINCT FROM $3::timestamptz',
      [tenantId, connectionId, previous, slot],
    );
    return r.rowCount === 1;
  }

  async rowStates(q: Queryable, tenantId: string, connectionId: string, rowKeys: readonly string[]): Promise<Map<string, RowState>> {
    if (rowKeys.length === 0) return new Map();
    const r = await q.query<{
      row_key: string;
      identifiers: RowState['identifiers'];
      traits: RowState['traits'];
      traits_hash: string;
      profile_id: string | null;
      seen_sync_id: string;
    }>(
      'SELECT row_key, identifiers, traits, traits_hash, profile_id, seen_sync_id FROM warehouse_rows WHERE tenant_id = $1 AND connection_id = $2 AND row_key = ANY($3::text[])',
      [tenantId, connectionId, [...rowKeys]],
    );
    return new Map(
      r.rows.map((x) => [
        x.row_key,
        {
          rowKey: x.row_key,
          identifiers: x.identifiers,
          traits: x.traits,
          traitsHash: x.traits_hash,
          profileId: x.profile_id,
          seenSyncId: x.seen_sync_id,
        },
      ]),
    );
  }

  /** Rows an audience sync did not see (members who left), a batch at a time. */
  async unseenRows(q: Queryable, tenantId: string, connectionId: string, syncId: string, limit: number): Promise<RowState[]> {
    const r = await q.query<{
      row_key: string;
      identifiers: RowState['identifiers'];
      traits: RowState['traits'];
      traits_hash: string;
      profile_id: string | null;
      seen_sync_id: string;
    }>(
      'SELECT row_key, identifiers, traits, traits_hash, profile_id, seen_sync_id FROM warehouse_rows WHERE tenant_id = $1 AND connection_id = $2 AND seen_sync_id <> $3 ORDER BY row_key LIMIT $4',
      [tenantId, connectionId, syncId, limit],
    );
    return r.rows.map((x) => ({
      rowKey: x.row_key,
      identifiers: x.identifiers,
      traits: x.traits,
      traitsHash: x.traits_hash,
      profileId: x.profile_id,
      seenSyncId: x.seen_sync_id,
    }));
  }

  /** Drops a member the audience query no longer returns; true when this call removed it (false: already gone or seen again). */
  async dropRow(q: Queryable, tenantId: string, connectionId: string, rowKey: string, syncId: string): Promise<boolean> {
    const r = await q.query(
      'DELETE FROM warehouse_rows WHERE tenant_id = $1 AND connection_id = $2 AND row_key = $3 AND seen_sync_id <> $4',
      [tenantId, connectionId, rowKey, syncId],
    );
    return r.rowCount === 1;
  }

  async countLeft(q: Queryable, tenantId: string, syncId: string, n: number): Promise<void> {
    await q.query('UPDATE warehouse_syncs SET events_emitted = events_emitted + $3, updated_at = now() WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      syncId,
      n,
    ]);
  }
}
