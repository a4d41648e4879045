/**
 * The one connection store: every vendor's connection or installation is a row of `connections`
 * (migration 001) — a HubSpot portal, a Salesforce org, a Zendesk / Twilio / WhatsApp account, a
 * warehouse — with its status, the vendor's own typed data in `config` (each vendor reads it with its
 * own type or schema) and its secrets sealed (`secret_ciphertext`, `secret_key_id`; each vendor seals
 * and opens them with the SecretBox bound to the row). Nothing else reads or writes the table.
 *
 * Reads and writes name rows with a ConnectionFilter; lists come oldest first (or by tenant and id).
 */
import type { Queryable } from '../db/database';

export type ConnectionStatus = 'active' | 'disconnected' | 'error';

export interface SealedSecrets {
  readonly ciphertext: string;
  readonly keyId: string;
}

export interface StoredConnection<C extends object = Record<string, unknown>> {
  readonly tenantId: string;
  readonly id: string;
  readonly type: string;
  readonly externalId: string | null;
  readonly status: ConnectionStatus;
  readonly statusReason: string | null;
  /** The vendor's own data (typed by the vendor). */
  readonly config: C;
  /** The sealed secrets, null when none are stored (never set, or dropped at a disconnect). */
  readonly sealed: SealedSecrets | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ConnectionFilter {
  readonly tenantId?: string;
  readonly id?: string;
  /** Not this connection. */
  readonly notId?: string;
  readonly type?: string | readonly string[];
  readonly externalId?: string;
  /** Rows whose external id has the same first 15 characters (Salesforce org ids, 15 or 18 long). */
  readonly externalIdFirst15?: string;
  readonly status?: ConnectionStatus;
  /** status_reason LIKE this pattern. */
  readonly statusReasonLike?: string;
  /** config has every one of these keys. */
  readonly configHas?: readonly string[];
  /** config has none of these keys. */
  readonly configLacks?: readonly string[];
}

export interface ConnectionChange {
  readonly status?: ConnectionStatus;
  readonly statusReason?: string | null;
  /** Replaces the whole config. */
  readonly config?: object;
  /** Merged over the stored config (after `config`, if both). */
  readonly configPatch?: object;
  /** Config keys set to the current database time: `json` as a JSON timestamp, `text` as its text form. */
  readonly configNow?: Readonly<Record<string, 'json' | 'text'>>;
  /** New sealed secrets, or null to drop them. */
  readonly sealed?: SealedSecrets | null;
  readonly externalId?: string | null;
}

export interface NewConnection {
  readonly tenantId: string;
  readonly id: string;
  readonly type: string;
  readonly externalId: string | null;
  readonly status?: ConnectionStatus;
  readonly config: object;
  readonly sealed: SealedSecrets | null;
}

interface Row {
  tenant_id: string;
  id: string;
  type: string;
  external_id: string | null;
  status: ConnectionStatus;
  status_reason: string | null;
  config: Record<string, unknown>;
  secret_ciphertext: string | null;
  secret_key_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'tenant_id, id, type, external_id, status, status_reason, config, secret_ciphertext, secret_key_id, created_at, updated_at';

function toConnection<C extends object>(r: Row): StoredConnection<C> {
  return {
    tenantId: r.tenant_id,
    id: r.id,
    type: r.type,
    externalId: r.external_id,
    status: r.status,
    statusReason: r.status_reason,
    config: r.config as C,
    sealed: r.secret_ciphertext === null || r.secret_key_id === null ? null : { ciphertext: r.secret_ciphertext, keyId: r.secret_key_id },
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The WHERE clause of a filter, its parameters numbered from `params.length + 1`. */
function where(f: ConnectionFilter, params: unknown[]): string {
  const terms: string[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (f.tenantId !== undefined) terms.push(`tenant_id = ${p(f.tenantId)}`);
  if (f.id !== undefined) terms.push(`id = ${p(f.id)}`);
  if (f.notId !== undefined) terms.push(`id <> ${p(f.notId)}`);
  if (typeof f.type === 'string') terms.push(`type = ${p(f.type)}`);
  else if (f.type !== undefined) terms.push(`type = ANY(${p([...f.type])}::text[])`);
  if (f.externalId !== undefined) terms.push(`external_id = ${p(f.externalId)}`);
  if (f.externalIdFirst15 !== undefined) terms.push(`left(external_id, 15) = left(${p(f.externalIdFirst15)}, 15)`);
  if (f.status !== undefined) terms.push(`status = ${p(f.status)}`);
  if (f.statusReasonLike !== undefined) terms.push(`status_reason LIKE ${p(f.statusReasonLike)}`);
  for (const key of f.configHas ?? []) terms.push(`config ? ${p(key)}`);
  for (const key of f.configLacks ?? []) terms.push(`NOT (config ? ${p(key)})`);
  if (terms.length === 0) throw new Error('a connection filter must name something');
  return terms.join(' AND ');
}

export class ConnectionUniqueError extends Error {
  constructor() {
    super('this account is already connected (connections_external_uq)');
  }
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown }).code === '23505';

/** How long a cached tenant's connections of one type are served without a read (other processes' changes). */
export const CONNECTION_CACHE_MS = 2_000;

export class ConnectionStore {
  private readonly cache = new Map<string, { readonly until: number; readonly rows: Promise<StoredConnection[]> }>();
  private generation = 0;

  /**
   * A tenant's connections of one type, oldest first, for hot paths that run per event (the CRM
   * write-back stages ask for the active installation of every event's tenant). Served from memory for
   * at most CONNECTION_CACHE_MS; every write through this store in this process empties the cache at
   * once (and a read that started before a write is not kept), so a change made here is seen by the
   * next call and one made by another process within CONNECTION_CACHE_MS. Not for decisions that must
   * see a row under a lock: use `find` (with `forUpdate`) in the transaction.
   */
  async ofTenantCached<C extends object = Record<string, unknown>>(
    q: Queryable,
    tenantId: string,
    type: string,
  ): Promise<StoredConnection<C>[]> {
    const key = `${tenantId}\u0000${type}`;
    const now = performance.now();
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.until > now) return (await hit.rows) as StoredConnection<C>[];
    const generation = this.generation;
    const rows = this.find(q, { tenantId, type });
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(key, { until: now + CONNECTION_CACHE_MS, rows });
    try {
      const found = await rows;
      // Changed (here) while it was read: not kept.
      if (generation !== this.generation && this.cache.get(key)?.rows === rows) this.cache.delete(key);
      return found as StoredConnection<C>[];
    } catch (err) {
      if (this.cache.get(key)?.rows === rows) this.cache.delete(key);
      throw err;
    }
  }

  /** Empties the hot-path cache (every write through the store calls it). */
  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Rows matching the filter, oldest first; `forUpdate` locks them until the transaction ends. */
  async find<C extends object = Record<string, unknown>>(
    q: Queryable,
    filter: ConnectionFilter,
    options: { forUpdate?: boolean; limit?: number; order?: 'created' | 'tenant' } = {},
  ): Promise<StoredConnection<C>[]> {
    const params: unknown[] = [];
    const sql = `SELECT ${COLUMNS} FROM connections WHERE ${where(filter, params)} ORDER BY ${options.order === 'tenant' ? 'tenant_id, id' : 'created_at, id'}${options.limit === undefined ? '' : ` LIMIT ${Math.floor(options.limit)}`}${options.forUpdate === true ? ' FOR UPDATE' : ''}`;
    const r = await q.query<Row>(sql, params);
    return r.rows.map((row) => toConnection<C>(row));
  }

  /** The first row matching the filter (oldest), if any. */
  async first<C extends object = Record<string, unknown>>(
    q: Queryable,
    filter: ConnectionFilter,
    options: { forUpdate?: boolean } = {},
  ): Promise<StoredConnection<C> | undefined> {
    return (await this.find<C>(q, filter, { ...options, limit: 1 }))[0];
  }

  async count(q: Queryable, filter: ConnectionFilter): Promise<number> {
    const params: unknown[] = [];
    const r = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM connections WHERE ${where(filter, params)}`, params);
    return r.rows[0]?.n ?? 0;
  }

  /** Inserts a row; ConnectionUniqueError when its (type, external id) is already connected. */
  async insert<C extends object = Record<string, unknown>>(q: Queryable, c: NewConnection): Promise<StoredConnection<C>> {
    this.invalidate();
    try {
      const r = await q.query<Row>(
        `INSERT INTO connections (tenant_id, id, type, external_id, status, config, secret_ciphertext, secret_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          c.tenantId,
          c.id,
          c.type,
          c.externalId,
          c.status ?? 'active',
          JSON.stringify(c.config),
          c.sealed?.ciphertext ?? null,
          c.sealed?.keyId ?? null,
        ],
      );
      this.invalidate();
      const row = r.rows[0];
      if (row === undefined) throw new Error('connection insert returned no row');
      return toConnection<C>(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConnectionUniqueError();
      throw err;
    }
  }

  /** Changes the rows matching the filter (updated_at = now); returns them as changed. ConnectionUniqueError on a taken external id. */
  async update<C extends object = Record<string, unknown>>(
    q: Queryable,
    filter: ConnectionFilter,
    change: ConnectionChange,
  ): Promise<StoredConnection<C>[]> {
    const params: unknown[] = [];
    const p = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const sets: string[] = [];
    if (change.status !== undefined) sets.push(`status = ${p(change.status)}`);
    if (change.statusReason !== undefined) sets.push(`status_reason = ${p(change.statusReason)}`);
    let config = change.config === undefined ? 'config' : `${p(JSON.stringify(change.config))}::jsonb`;
    if (change.configPatch !== undefined) config = `${config} || ${p(JSON.stringify(change.configPatch))}::jsonb`;
    for (const [key, form] of Object.entries(change.configNow ?? {}))
      config = `${config} || jsonb_build_object(${p(key)}::text, ${form === 'text' ? 'now()::text' : 'now()'})`;
    if (config !== 'config') sets.push(`config = ${config}`);
    if (change.sealed !== undefined)
      sets.push(`secret_ciphertext = ${p(change.sealed?.ciphertext ?? null)}`, `secret_key_id = ${p(change.sealed?.keyId ?? null)}`);
    if (change.externalId !== undefined) sets.push(`external_id = ${p(change.externalId)}`);
    sets.push('updated_at = now()');
    this.invalidate();
    try {
      const r = await q.query<Row>(`UPDATE connections SET ${sets.join(', ')} WHERE ${where(filter, params)} RETURNING ${COLUMNS}`, params);
      this.invalidate();
      return r.rows.map((row) => toConnection<C>(row));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConnectionUniqueError();
      throw err;
    }
  }

  /** Deletes the rows matching the filter; how many went. */
  async remove(q: Queryable, filter: ConnectionFilter): Promise<number> {
    this.invalidate();
    const params: unknown[] = [];
    const r = await q.query<{ id: string }>(`DELETE FROM connections WHERE ${where(filter, params)} RETURNING id`, params);
    this.invalidate();
    return r.rows.length;
  }
}

/** The store (it holds no state: one instance serves every caller). */
export const connectionStore = new ConnectionStore();
