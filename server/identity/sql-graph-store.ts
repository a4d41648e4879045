/**
 * The identity graph store on PostgreSQL / PGlite (same SQL), for one tenant, inside a transaction
 * the caller owns (the ingest transaction of POST /api/v1/events, or a route's transaction).
 *
 * How it meets the port's concurrency contract (app/identity/graph/store.ts):
 * - Node locks: `pg_advisory_xact_lock` on hashes of (tenant, node key), taken in one statement in
 *   ascending hash order at the start of a unit of work. Absent identifiers are locked too, so two
 *   events carrying a common identifier are serialised and never create two profiles.
 * - Profile locks: the same, on (tenant, "profile", id). After taking them, every node this unit of
 *   work has read is re-read; if one moved to another profile (a concurrent merge or split), the unit
 *   of work throws StaleReadError.
 * - Each unit of work runs under a SAVEPOINT: on StaleReadError, deadlock (40P01) or serialization
 *   failure (40001) it rolls back to the savepoint (releasing the locks it took) and runs again.
 */
import { StaleReadError, type IdentityGraphStore, type IdentityGraphTx } from '../../app/identity/graph/store';
import type { CannotLink, EdgeRow, NodeRow, ProfileRow, ReviewItem } from '../../app/identity/graph/model';
import type { Queryable } from '../db/database';
import {
  EDGE_COLUMNS, NODE_COLUMNS, REVIEW_COLUMNS, cannotLinkFromDb, edgeFromDb, edgeToJson, lastByKey, lockPair, nodeFromDb, nodeToJson,
  reviewFromDb, reviewToJson, type EdgeDbRow, type NodeDbRow, type ReviewDbRow,
} from './sql-graph-rows';

const MAX_ATTEMPTS = 12;
const ABSENT = '\u0000absent';
const NONE = '\u0000none';

function isRetryable(err: unknown): boolean {
  if (err instanceof StaleReadError) return true;
  const code = (err as { code?: unknown }).code;
  return code === '40P01' || code === '40001';
}

/** Sequence values are handed out in blocks of 64 (the sequence's increment). */
class SeqBlock {
  private next = 0;
  private end = 0;
  constructor(private readonly q: Queryable) {}
  async take(): Promise<number> {
    if (this.next >= this.end) {
      const r = await this.q.query<{ v: number }>(`SELECT nextval('identity_seq') AS v`);
      this.next = Number(r.rows[0]?.v);
      this.end = this.next + 64;
    }
    return this.next++;
  }
}

export class SqlGraphStore implements IdentityGraphStore {
  private readonly seq: SeqBlock;

  constructor(private readonly q: Queryable, readonly tenantId: string) {
    this.seq = new SeqBlock(q);
  }

  async unitOfWork<T>(lockKeys: readonly string[], work: (tx: IdentityGraphTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.q.query('SAVEPOINT identity_uow');
      try {
        const tx = new SqlGraphTx(this.q, this.tenantId, this.seq);
        await tx.lockNames(lockKeys.map((k) => `n:${k}`));
        const result = await work(tx);
        await this.q.query('RELEASE SAVEPOINT identity_uow');
        return result;
      } catch (err) {
        await this.q.query('ROLLBACK TO SAVEPOINT identity_uow');
        await this.q.query('RELEASE SAVEPOINT identity_uow');
        if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  async reviews(profileId?: string): Promise<ReviewItem[]> {
    const r = await this.q.query<ReviewDbRow>(
      `SELECT ${REVIEW_COLUMNS} FROM identity_reviews WHERE tenant_id = $1 AND status = 'open' AND ($2::text IS NULL OR profiles ? $2::text) ORDER BY created_at, id`,
      [this.tenantId, profileId ?? null],
    );
    return r.rows.map(reviewFromDb);
  }
}

class SqlGraphTx implements IdentityGraphTx {
  /** Profile each node had when this unit of work last read or wrote it. */
  private readonly known = new Map<string, string>();
  /** Profile moves written here (old → new → count), to leave aliases for profiles deleted by a merge. */
  private readonly moves = new Map<string, Map<string, number>>();
  /** Nodes absent when this unit of work first looked (under its node lock, so created here). */
  private readonly fresh = new Set<string>();

  constructor(private readonly q: Queryable, private readonly tenantId: string, private readonly seq: SeqBlock) {}

  async lockNames(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const pairs = [...new Set(names)].map((n) => lockPair(`${this.tenantId}\u0000${n}`));
    await this.q.query(
      `SELECT count(*) FROM (SELECT pg_advisory_xact_lock(k1, k2) FROM (SELECT k1, k2 FROM unnest($1::int[], $2::int[]) AS t(k1, k2) ORDER BY k1, k2) s) l`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
  }

  private remember(key: string, profileId: string | undefined): void {
    this.known.set(key, profileId ?? NONE);
  }

  async getNodes(keys: readonly string[]): Promise<Map<string, NodeRow>> {
    const out = new Map<string, NodeRow>();
    if (keys.length === 0) return out;
    const r = await this.q.query<NodeDbRow>(`SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])`, [this.tenantId, [...new Set(keys)]]);
    for (const row of r.rows) out.set(row.key, nodeFromDb(row));
    for (const key of keys) {
      if (this.known.has(key)) continue;
      this.known.set(key, out.has(key) ? (out.get(key)?.profileId ?? NONE) : ABSENT);
      if (!out.has(key)) this.fresh.add(key);
    }
    return out;
  }

  async putNodes(rows: readonly NodeRow[]): Promise<void> {
    if (rows.length === 0) return;
    const unique = lastByKey(rows, (n) => n.key);
    for (const n of unique) {
      const before = this.known.get(n.key);
      if (before !== undefined && before !== ABSENT && before !== NONE && n.profileId !== undefined && before !== n.profileId) {
        let targets = this.moves.get(before);
        if (targets === undefined) this.moves.set(before, (targets = new Map()));
        targets.set(n.profileId, (targets.get(n.profileId) ?? 0) + 1);
      }
      this.remember(n.key, n.profileId);
    }
    await this.q.query(
      `INSERT INTO identity_nodes (tenant_id, ${NODE_COLUMNS})
       SELECT $1, x.key, x.kind, x.profile_id, x.type, x.limit_group, x.shared, x.first_names, x.match, x.seq
         FROM jsonb_to_recordset($2::jsonb) AS x(key text, kind text, profile_id text, type text, limit_group text, shared boolean, first_names jsonb, match jsonb, seq bigint)
       ON CONFLICT (tenant_id, key) DO UPDATE SET kind = EXCLUDED.kind, profile_id = EXCLUDED.profile_id, type = EXCLUDED.type,
         limit_group = EXCLUDED.limit_group, shared = EXCLUDED.shared, first_names = EXCLUDED.first_names, match = EXCLUDED.match, seq = EXCLUDED.seq`,
      [this.tenantId, JSON.stringify(unique.map(nodeToJson))],
    );
  }

  async deleteNodes(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const k of keys) this.known.set(k, ABSENT);
    await this.q.query('DELETE FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])', [this.tenantId, keys]);
    await this.q.query('DELETE FROM identity_blocking_keys WHERE tenant_id = $1 AND record_key = ANY($2::text[])', [this.tenantId, keys]);
  }

  async edgesOf(keys: readonly string[]): Promise<EdgeRow[]> {
    if (keys.length === 0) return [];
    const r = await this.q.query<EdgeDbRow>(
      `SELECT ${EDGE_COLUMNS} FROM identity_edges WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))`,
      [this.tenantId, [...new Set(keys)]],
    );
    return r.rows.map(edgeFromDb);
  }

  async putEdges(rows: readonly EdgeRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.q.query(
      `INSERT INTO identity_edges (tenant_id, ${EDGE_COLUMNS})
       SELECT $1, x.id, x.kind, x.a, x.b, x.source, x.record_id, x.at, x.seq, x.status, x.reason, x.detail
         FROM jsonb_to_recordset($2::jsonb) AS x(id text, kind text, a text, b text, source text, record_id text, at text, seq bigint, status text, reason text, detail jsonb)
       ON CONFLICT (tenant_id, id) DO UPDATE SET kind = EXCLUDED.kind, a = EXCLUDED.a, b = EXCLUDED.b, source = EXCLUDED.source, record_id = EXCLUDED.record_id,
         at = EXCLUDED.at, seq = EXCLUDED.seq, status = EXCLUDED.status, reason = EXCLUDED.reason, detail = EXCLUDED.detail`,
      [this.tenantId, JSON.stringify(lastByKey(rows, (e) => e.id).map(edgeToJson))],
    );
  }

  async deleteEdges(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.q.query('DELETE FROM identity_edges WHERE tenant_id = $1 AND id = ANY($2::text[])', [this.tenantId, ids]);
  }

  async lockProfiles(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.lockNames(ids.map((id) => `p:${id}`));
    const keys = [...this.known.keys()];
    if (keys.length === 0) return;
    const r = await this.q.query<{ key: string; profile_id: string | null }>('SELECT key, profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])', [this.tenantId, keys]);
    const now = new Map(r.rows.map((row) => [row.key, row.profile_id ?? NONE]));
    for (const [key, seen] of this.known) {
      if ((now.get(key) ?? ABSENT) !== seen) throw new StaleReadError(`identity node ${key} changed under a unit of work`);
    }
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, ProfileRow>> {
    const out = new Map<string, ProfileRow>();
    if (ids.length === 0) return out;
    const r = await this.q.query<{ id: string; created_at: Date | string; seq: number }>(
      'SELECT id, created_at, seq FROM identity_profiles WHERE tenant_id = $1 AND id = ANY($2::text[])',
      [this.tenantId, [...ids]],
    );
    for (const row of r.rows) out.set(row.id, { id: row.id, createdAt: new Date(row.created_at).toISOString(), seq: Number(row.seq) });
    return out;
  }

  async profileMembers(profileId: string): Promise<NodeRow[]> {
    const r = await this.q.query<NodeDbRow>(`SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2`, [this.tenantId, profileId]);
    const rows = r.rows.map(nodeFromDb);
    for (const n of rows) if (!this.known.has(n.key)) this.remember(n.key, n.profileId);
    return rows;
  }

  async putProfile(row: ProfileRow): Promise<void> {
    await this.q.query(
      `INSERT INTO identity_profiles (tenant_id, id, created_at, seq) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, id) DO UPDATE SET created_at = EXCLUDED.created_at, seq = EXCLUDED.seq`,
      [this.tenantId, row.id, row.createdAt, row.seq],
    );
  }

  async deleteProfiles(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.q.query('DELETE FROM identity_profiles WHERE tenant_id = $1 AND id = ANY($2::text[])', [this.tenantId, [...ids]]);
    for (const id of ids) {
      const targets = [...(this.moves.get(id) ?? new Map<string, number>())].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
      const into = targets[0]?.[0];
      if (into === undefined) continue;
      await this.q.query(
        `INSERT INTO identity_profile_aliases (tenant_id, profile_id, merged_into) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, profile_id) DO UPDATE SET merged_into = EXCLUDED.merged_into, at = now()`,
        [this.tenantId, id, into],
      );
      await this.q.query('UPDATE identity_profile_aliases SET merged_into = $3 WHERE tenant_id = $1 AND merged_into = $2', [this.tenantId, id, into]);
    }
  }

  async cannotLinksOf(keys: readonly string[]): Promise<CannotLink[]> {
    if (keys.length === 0) return [];
    const r = await this.q.query<{ a: string; b: string; source: string; record_id: string; at: string }>(
      'SELECT a, b, source, record_id, at FROM identity_cannot_links WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))',
      [this.tenantId, [...new Set(keys)]],
    );
    return r.rows.map(cannotLinkFromDb);
  }

  async addCannotLink(row: CannotLink): Promise<void> {
    await this.q.query(
      `INSERT INTO identity_cannot_links (tenant_id, a, b, source, record_id, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, a, b) DO NOTHING`,
      [this.tenantId, row.a, row.b, row.provenance.source, row.provenance.recordId, row.provenance.at],
    );
  }

  async deleteCannotLinksOf(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.q.query('DELETE FROM identity_cannot_links WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))', [this.tenantId, keys]);
  }

  async addReviews(items: readonly ReviewItem[]): Promise<void> {
    if (items.length === 0) return;
    // A decided item keeps its decision when the same evidence shows up again.
    await this.q.query(
      `INSERT INTO identity_reviews (tenant_id, ${REVIEW_COLUMNS.replace(', status', '')})
       SELECT $1, x.id, x.public_id, x.kind, x.a, x.b, x.profiles, x.reason, x.detail, x.source, x.record_id, x.at
         FROM jsonb_to_recordset($2::jsonb) AS x(id text, public_id text, kind text, a text, b text, profiles jsonb, reason text, detail jsonb, source text, record_id text, at text)
       ON CONFLICT (tenant_id, id) DO UPDATE SET profiles = EXCLUDED.profiles, detail = EXCLUDED.detail, reason = EXCLUDED.reason`,
      [this.tenantId, JSON.stringify(lastByKey(items, (i) => i.id).map(reviewToJson))],
    );
  }

  async deleteReviewsOf(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.q.query('DELETE FROM identity_reviews WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))', [this.tenantId, keys]);
  }

  nextSeq(): Promise<number> {
    return this.seq.take();
  }

  async putBlockingKeys(recordKey: string, keys: readonly string[]): Promise<void> {
    // A record this unit of work found absent has no keys yet.
    const fresh = this.fresh.delete(recordKey);
    if (!fresh) await this.q.query('DELETE FROM identity_blocking_keys WHERE tenant_id = $1 AND record_key = $2', [this.tenantId, recordKey]);
    if (keys.length === 0) return;
    await this.q.query(
      'INSERT INTO identity_blocking_keys (tenant_id, key, record_key) SELECT $1, k, $2 FROM unnest($3::text[]) AS k ON CONFLICT DO NOTHING',
      [this.tenantId, recordKey, [...new Set(keys)]],
    );
  }

  async recordsByBlockingKeys(keys: readonly string[], maxBlockSize: number, limit: number): Promise<NodeRow[]> {
    if (keys.length === 0) return [];
    const r = await this.q.query<NodeDbRow>(
      `WITH usable AS (
         SELECT k.key FROM unnest($2::text[]) AS k(key)
          WHERE (SELECT count(*) FROM (SELECT 1 FROM identity_blocking_keys b WHERE b.tenant_id = $1 AND b.key = k.key LIMIT $3::int + 1) s) <= $3::int
       ), found AS (
         SELECT DISTINCT b.record_key FROM identity_blocking_keys b JOIN usable u ON u.key = b.key WHERE b.tenant_id = $1 LIMIT $4::int
       )
       SELECT ${NODE_COLUMNS.split(', ').map((c) => `n.${c}`).join(', ')} FROM found f JOIN identity_nodes n ON n.tenant_id = $1 AND n.key = f.record_key`,
      [this.tenantId, [...new Set(keys)], maxBlockSize, limit],
    );
    const rows = r.rows.map(nodeFromDb);
    for (const n of rows) if (!this.known.has(n.key)) this.remember(n.key, n.profileId);
    return rows;
  }
}

/** A store that opens its own transaction per unit of work (routes and tests; the hook uses SqlGraphStore on the ingest transaction). */
export function transactionalGraphStore(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> } & Queryable, tenantId: string): IdentityGraphStore {
  return {
    unitOfWork: (lockKeys, work) => db.transaction((tx) => new SqlGraphStore(tx, tenantId).unitOfWork(lockKeys, work)),
    reviews: (profileId) => new SqlGraphStore(db, tenantId).reviews(profileId),
  };
}
