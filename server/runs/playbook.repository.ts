import type {
  InsertPlaybookResult,
  Playbook,
  PlaybookStatus,
  PlaybookStore,
  SetPlaybookStatusResult,
  StoredPlaybook,
} from '../../app/orchestration';
import type { Queryable } from '../db/database';
import { CommitBatcher } from './commit-batcher';

interface PlaybookRow {
  tenant_id: string;
  status: PlaybookStatus;
  definition: Playbook;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'tenant_id, status, definition, created_at, updated_at';
const cacheKey = (tenantId: string, playbookId: string): string => `${tenantId}\u0000${playbookId}`;
/** Playbooks whose latest published version is kept (per store); past it the cache starts over. */
const MAX_CACHED = 10_000;
const ms = (value: Date | string): number => new Date(value).getTime();

/** The definition was validated before insert and is never rewritten; the status column is authoritative. */
const toStored = (row: PlaybookRow): StoredPlaybook => ({
  tenantId: row.tenant_id,
  playbook: { ...row.definition, status: row.status },
  createdAt: ms(row.created_at),
  updatedAt: ms(row.updated_at),
});

/**
 * PlaybookStore on PostgreSQL / PGlite (contract in app/orchestration/ports.ts): versions are
 * immutable rows keyed (tenant_id, id, version); `setStatus` is a compare-and-set on the status.
 */
export class SqlPlaybookStore implements PlaybookStore {
  /**
   * `latestPublished` reads asked while one is being answered are grouped into the next statement
   * (every run start asks it). A caller never shares a read that began before its call, so a publish
   * committed before the call is always seen.
   */
  private readonly latest: CommitBatcher<{ readonly tenantId: string; readonly playbookId: string }, StoredPlaybook | null>;
  /**
   * The latest published version of each playbook as last read here, answered to `{ cached: true }`
   * (run starts, which then create the run only if it is still the latest: RunStore contract item 8).
   * Forgotten when this store changes the playbook; another process's publish is caught by that check.
   */
  private readonly published = new Map<string, StoredPlaybook>();

  constructor(private readonly db: Queryable) {
    this.latest = new CommitBatcher((items) => this.latestPublishedOf(items), { maxInFlight: 2, maxBatch: 200, distinctKeys: false });
  }

  private async latestPublishedOf(
    items: readonly { readonly tenantId: string; readonly playbookId: string }[],
  ): Promise<(StoredPlaybook | null)[]> {
    const r = await this.db.query<PlaybookRow & { id: string }>(
      `SELECT DISTINCT ON (p.tenant_id, p.id) p.id, ${COLUMNS.split(', ')
        .map((c) => `p.${c}`)
        .join(', ')}
         FROM playbooks p JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, id) ON p.tenant_id = k.tenant_id AND p.id = k.id
        WHERE p.status = 'published'
        ORDER BY p.tenant_id, p.id, p.version DESC`,
      [items.map((i) => i.tenantId), items.map((i) => i.playbookId)],
    );
    const found = new Map(r.rows.map((row) => [`${row.tenant_id}\u0000${row.id}`, row]));
    return items.map((i) => {
      const row = found.get(`${i.tenantId}\u0000${i.playbookId}`);
      return row === undefined ? null : toStored(row);
    });
  }

  async insert(tenantId: string, playbook: Playbook, now: number): Promise<InsertPlaybookResult> {
    this.published.delete(cacheKey(tenantId, playbook.id));
    const at = new Date(now).toISOString();
    const r = await this.db.query(
      `INSERT INTO playbooks (tenant_id, id, version, status, name, definition, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (tenant_id, id, version) DO NOTHING
       RETURNING id`,
      [tenantId, playbook.id, playbook.version, playbook.status, playbook.name, JSON.stringify(playbook), at],
    );
    this.published.delete(cacheKey(tenantId, playbook.id));
    return r.rows.length === 0 ? { ok: false, reason: 'version_exists' } : { ok: true };
  }

  async get(tenantId: string, playbookId: string, version: number): Promise<StoredPlaybook | null> {
    const r = await this.db.query<PlaybookRow>(`SELECT ${COLUMNS} FROM playbooks WHERE tenant_id = $1 AND id = $2 AND version = $3`, [
      tenantId,
      playbookId,
      version,
    ]);
    const row = r.rows[0];
    return row === undefined ? null : toStored(row);
  }

  async latestPublished(tenantId: string, playbookId: string, options?: { readonly cached?: boolean }): Promise<StoredPlaybook | null> {
    const key = cacheKey(tenantId, playbookId);
    const hit = options?.cached === true ? this.published.get(key) : undefined;
    if (hit !== undefined) return hit;
    const read = await this.latest.submit(key, { tenantId, playbookId });
    if (read === null) this.published.delete(key);
    else {
      if (this.published.size >= MAX_CACHED) this.published.clear();
      this.published.set(key, read);
    }
    return read;
  }

  async listVersions(tenantId: string, playbookId: string): Promise<StoredPlaybook[]> {
    const r = await this.db.query<PlaybookRow>(`SELECT ${COLUMNS} FROM playbooks WHERE tenant_id = $1 AND id = $2 ORDER BY version`, [
      tenantId,
      playbookId,
    ]);
    return r.rows.map(toStored);
  }

  async list(tenantId: string): Promise<StoredPlaybook[]> {
    const r = await this.db.query<PlaybookRow>(`SELECT ${COLUMNS} FROM playbooks WHERE tenant_id = $1 ORDER BY id, version`, [tenantId]);
    return r.rows.map(toStored);
  }

  async setStatus(
    tenantId: string,
    playbookId: string,
    version: number,
    from: PlaybookStatus,
    to: PlaybookStatus,
    now: number,
  ): Promise<SetPlaybookStatusResult> {
    this.published.delete(cacheKey(tenantId, playbookId));
    const r = await this.db.query(
      `UPDATE playbooks SET status = $5, updated_at = $6 WHERE tenant_id = $1 AND id = $2 AND version = $3 AND status = $4 RETURNING id`,
      [tenantId, playbookId, version, from, to, new Date(now).toISOString()],
    );
    this.published.delete(cacheKey(tenantId, playbookId));
    if (r.rows.length > 0) return { ok: true };
    const exists = await this.db.query('SELECT 1 FROM playbooks WHERE tenant_id = $1 AND id = $2 AND version = $3', [
      tenantId,
      playbookId,
      version,
    ]);
    return { ok: false, reason: exists.rows.length === 0 ? 'not_found' : 'status_changed' };
  }
}
