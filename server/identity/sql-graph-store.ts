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
 *
 * Round trips (an ingested event costs a handful, not one per port call):
 * - Writes (nodes, edges, profiles, blocking keys) are buffered and sent as one statement of
 *   data-modifying CTEs, before the next read that could see them and at the end of the unit of work.
 * - Taking profile locks re-reads the known nodes and, in the same statement, loads the locked
 *   profiles, their members and the cannot-links touching them, which applyEvidence asks for next.
 * - The first node-lock statement also draws a block of sequence values.
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
  get empty(): boolean {
    return this.next >= this.end;
  }
  /** A block drawn by another statement (the first lock statement). */
  refill(value: number): void {
    this.next = value;
    this.end = value + 64;
  }
  async take(): Promise<number> {
    if (this.empty) {
      const r = await this.q.query<{ v: number }>(`SELECT nextval('identity_seq') AS v`);
      this.refill(Number(r.rows[0]?.v));
    }
    return this.next++;
  }
}

interface ProfileRowJson {
  id: string;
  created_at: string;
  seq: number;
}

/** What lockProfiles loaded with the lock: valid until this unit of work changes nodes or cannot-links. */
interface LockedView {
  readonly members: Map<string, NodeRow[]>;
  readonly profiles: Map<string, ProfileRow>;
  /** Node keys whose cannot-links are all in `cannot`. */
  readonly covered: Set<string>;
  readonly cannot: CannotLink[];
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
        await tx.lockNames(lockKeys.map((k) => `n:${k}`), this.seq.empty);
        const result = await work(tx);
        await tx.flush();
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
  /** Buffered writes, last row per key. */
  private readonly pendingNodes = new Map<string, NodeRow>();
  private readonly pendingEdges = new Map<string, EdgeRow>();
  private readonly pendingProfiles = new Map<string, ProfileRow>();
  private readonly pendingKeys = new Map<string, readonly string[]>();
  private locked: LockedView | undefined;

  constructor(private readonly q: Queryable, private readonly tenantId: string, private readonly seq: SeqBlock) {}

  /** Advisory locks on `names` (ascending hash order); with `drawSeq`, also a block of sequence values. */
  async lockNames(names: readonly string[], drawSeq = false): Promise<void> {
    if (names.length === 0) return;
    const pairs = [...new Set(names)].map((n) => lockPair(`${this.tenantId}\u0000${n}`));
    const r = await this.q.query<{ v: string | number | null }>(
      `SELECT (SELECT count(*) FROM (SELECT pg_advisory_xact_lock(k1, k2) FROM (SELECT k1, k2 FROM unnest($1::int[], $2::int[]) AS t(k1, k2) ORDER BY k1, k2) s) l) AS n,
              CASE WHEN $3::boolean THEN nextval('identity_seq') END AS v`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1]), drawSeq],
    );
    const v = r.rows[0]?.v;
    if (drawSeq && v !== null && v !== undefined) this.seq.refill(Number(v));
  }

  private remember(key: string, profileId: string | undefined): void {
    this.known.set(key, profileId ?? NONE);
  }

  /** Sends the buffered writes in one statement. */
  async flush(): Promise<void> {
    if (this.pendingNodes.size + this.pendingEdges.size + this.pendingProfiles.size + this.pendingKeys.size === 0) return;
    const parts: string[] = [];
    const params: unknown[] = [this.tenantId];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (this.pendingNodes.size > 0) {
      parts.push(`n AS (INSERT INTO identity_nodes (tenant_id, ${NODE_COLUMNS})
       SELECT $1, x.key, x.kind, x.profile_id, x.type, x.limit_group, x.shared, x.first_names, x.match, x.seq
         FROM jsonb_to_recordset(${param(JSON.stringify([...this.pendingNodes.values()].map(nodeToJson)))}::jsonb) AS x(key text, kind text, profile_id text, type text, limit_group text, shared boolean, first_names jsonb, match jsonb, seq bigint)
       ON CONFLICT (tenant_id, key) DO UPDATE SET kind = EXCLUDED.kind, profile_id = EXCLUDED.profile_id, type = EXCLUDED.type,
         limit_group = EXCLUDED.limit_group, shared = EXCLUDED.shared, first_names = EXCLUDED.first_names, match = EXCLUDED.match, seq = EXCLUDED.seq RETURNING 1)`);
    }
    if (this.pendingEdges.size > 0) {
      parts.push(`e AS (INSERT INTO identity_edges (tenant_id, ${EDGE_COLUMNS})
       SELECT $1, x.id, x.kind, x.a, x.b, x.source, x.record_id, x.at, x.seq, x.status, x.reason, x.detail
         FROM jsonb_to_recordset(${param(JSON.stringify([...this.pendingEdges.values()].map(edgeToJson)))}::jsonb) AS x(id text, kind text, a text, b text, source text, record_id text, at text, seq bigint, status text, reason text, detail jsonb)
       ON CONFLICT (tenant_id, id) DO UPDATE SET kind = EXCLUDED.kind, a = EXCLUDED.a, b = EXCLUDED.b, source = EXCLUDED.source, record_id = EXCLUDED.record_id,
         at = EXCLUDED.at, seq = EXCLUDED.seq, status = EXCLUDED.status, reason = EXCLUDED.reason, detail = EXCLUDED.detail RETURNING 1)`);
    }
    if (this.pendingProfiles.size > 0) {
      const rows = [...this.pendingProfiles.values()].map((p) => ({ id: p.id, created_at: p.createdAt, seq: p.seq }));
      parts.push(`p AS (INSERT INTO identity_profiles (tenant_id, id, created_at, seq)
       SELECT $1, x.id, x.created_at, x.seq FROM jsonb_to_recordset(${param(JSON.stringify(rows))}::jsonb) AS x(id text, created_at timestamptz, seq bigint)
       ON CONFLICT (tenant_id, id) DO UPDATE SET created_at = EXCLUDED.created_at, seq = EXCLUDED.seq RETURNING 1)`);
    }
    if (this.pendingKeys.size > 0) {
      // Keys a record no longer has are deleted, its current ones inserted: no row is touched twice.
      const keys = param(JSON.stringify([...this.pendingKeys].map(([record_key, list]) => ({ record_key, keys: [...new Set(list)] }))));
      parts.push(`kd AS (DELETE FROM identity_blocking_keys b USING jsonb_to_recordset(${keys}::jsonb) AS x(record_key text, keys jsonb)
       WHERE b.tenant_id = $1 AND b.record_key = x.record_key AND NOT (x.keys ? b.key) RETURNING 1)`);
      parts.push(`ki AS (INSERT INTO identity_blocking_keys (tenant_id, key, record_key)
       SELECT $1, k.key, x.record_key FROM jsonb_to_recordset(${keys}::jsonb) AS x(record_key text, keys jsonb), jsonb_array_elements_text(x.keys) AS k(key)
       ON CONFLICT DO NOTHING RETURNING 1)`);
    }
    this.pendingNodes.clear();
    this.pendingEdges.clear();
    this.pendingProfiles.clear();
    this.pendingKeys.clear();
    await this.q.query(`WITH ${parts.join(',\n')} SELECT 1`, params);
  }

  async getNodes(keys: readonly string[]): Promise<Map<string, NodeRow>> {
    if (keys.length === 0) return new Map();
    await this.flush();
    const r = await this.q.query<NodeDbRow>(`SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])`, [this.tenantId, [...new Set(keys)]]);
    return this.readNodes(keys, r.rows);
  }

  private readNodes(keys: readonly string[], rows: readonly NodeDbRow[]): Map<string, NodeRow> {
    const out = new Map<string, NodeRow>();
    for (const row of rows) out.set(row.key, nodeFromDb(row));
    for (const key of keys) {
      if (this.known.has(key)) continue;
      this.known.set(key, out.has(key) ? (out.get(key)?.profileId ?? NONE) : ABSENT);
    }
    return out;
  }

  async putNodes(rows: readonly NodeRow[]): Promise<void> {
    if (rows.length === 0) return;
    this.locked = undefined;
    for (const n of lastByKey(rows, (row) => row.key)) {
      const before = this.known.get(n.key);
      if (before !== undefined && before !== ABSENT && before !== NONE && n.profileId !== undefined && before !== n.profileId) {
        let targets = this.moves.get(before);
        if (targets === undefined) this.moves.set(before, (targets = new Map()));
        targets.set(n.profileId, (targets.get(n.profileId) ?? 0) + 1);
      }
      this.remember(n.key, n.profileId);
      this.pendingNodes.set(n.key, n);
    }
  }

  async deleteNodes(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.flush();
    this.locked = undefined;
    for (const k of keys) this.known.set(k, ABSENT);
    await this.q.query('DELETE FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])', [this.tenantId, keys]);
    await this.q.query('DELETE FROM identity_blocking_keys WHERE tenant_id = $1 AND record_key = ANY($2::text[])', [this.tenantId, keys]);
  }

  async edgesOf(keys: readonly string[]): Promise<EdgeRow[]> {
    if (keys.length === 0) return [];
    await this.flush();
    const r = await this.q.query<EdgeDbRow>(
      `SELECT ${EDGE_COLUMNS} FROM identity_edges WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))`,
      [this.tenantId, [...new Set(keys)]],
    );
    return r.rows.map(edgeFromDb);
  }

  async readAround(nodeKeys: readonly string[], edgeKeys: readonly string[]): Promise<{ nodes: Map<string, NodeRow>; edges: EdgeRow[] }> {
    if (nodeKeys.length === 0 || edgeKeys.length === 0) return { nodes: await this.getNodes(nodeKeys), edges: await this.edgesOf(edgeKeys) };
    await this.flush();
    const r = await this.q.query<{ nodes: NodeDbRow[]; edges: EdgeDbRow[] }>(
      `SELECT
         (SELECT coalesce(jsonb_agg(to_jsonb(n)), '[]'::jsonb) FROM (SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])) n) AS nodes,
         (SELECT coalesce(jsonb_agg(to_jsonb(e)), '[]'::jsonb) FROM (SELECT ${EDGE_COLUMNS} FROM identity_edges WHERE tenant_id = $1 AND (a = ANY($3::text[]) OR b = ANY($3::text[]))) e) AS edges`,
      [this.tenantId, [...new Set(nodeKeys)], [...new Set(edgeKeys)]],
    );
    const row = r.rows[0] ?? { nodes: [], edges: [] };
    return { nodes: this.readNodes(nodeKeys, row.nodes), edges: row.edges.map(edgeFromDb) };
  }

  async putEdges(rows: readonly EdgeRow[]): Promise<void> {
    for (const e of rows) this.pendingEdges.set(e.id, e);
  }

  async deleteEdges(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.flush();
    await this.q.query('DELETE FROM identity_edges WHERE tenant_id = $1 AND id = ANY($2::text[])', [this.tenantId, ids]);
  }

  /**
   * Locks the profiles, then re-reads every node this unit of work knows (StaleReadError if one moved)
   * and loads the profiles, their members and the cannot-links touching them, in one statement.
   */
  async lockProfiles(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.flush();
    await this.lockNames(ids.map((id) => `p:${id}`));
    const keys = [...this.known.keys()];
    const r = await this.q.query<{ known: [string, string | null][]; members: NodeDbRow[]; profiles: ProfileRowJson[]; cannot: { a: string; b: string; source: string; record_id: string; at: string }[] }>(
      `WITH m AS (SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND profile_id = ANY($3::text[]))
       SELECT
         (SELECT coalesce(jsonb_agg(jsonb_build_array(key, profile_id)), '[]'::jsonb) FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])) AS known,
         (SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]'::jsonb) FROM m) AS members,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'created_at', created_at, 'seq', seq)), '[]'::jsonb) FROM identity_profiles WHERE tenant_id = $1 AND id = ANY($3::text[])) AS profiles,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('a', c.a, 'b', c.b, 'source', c.source, 'record_id', c.record_id, 'at', c.at)), '[]'::jsonb)
            FROM identity_cannot_links c
           WHERE c.tenant_id = $1 AND (c.a = ANY($2::text[]) OR c.b = ANY($2::text[]) OR c.a IN (SELECT key FROM m) OR c.b IN (SELECT key FROM m))) AS cannot`,
      [this.tenantId, keys, [...new Set(ids)]],
    );
    const row = r.rows[0] ?? { known: [], members: [], profiles: [], cannot: [] };
    const now = new Map(row.known.map(([key, profileId]) => [key, profileId ?? NONE]));
    for (const [key, seen] of this.known) {
      if ((now.get(key) ?? ABSENT) !== seen) throw new StaleReadError(`identity node ${key} changed under a unit of work`);
    }
    const members = new Map<string, NodeRow[]>(ids.map((id) => [id, []]));
    const covered = new Set(keys);
    for (const m of row.members) {
      const node = nodeFromDb(m);
      members.get(node.profileId as string)?.push(node);
      covered.add(node.key);
      if (!this.known.has(node.key)) this.remember(node.key, node.profileId);
    }
    const profiles = new Map(row.profiles.map((p) => [p.id, { id: p.id, createdAt: new Date(p.created_at).toISOString(), seq: Number(p.seq) }]));
    this.locked = { members, profiles, covered, cannot: row.cannot.map(cannotLinkFromDb) };
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, ProfileRow>> {
    const out = new Map<string, ProfileRow>();
    if (ids.length === 0) return out;
    const view = this.locked;
    if (view !== undefined && ids.every((id) => view.members.has(id))) {
      for (const id of ids) {
        const row = this.pendingProfiles.get(id) ?? view.profiles.get(id);
        if (row !== undefined) out.set(id, row);
      }
      return out;
    }
    await this.flush();
    const r = await this.q.query<{ id: string; created_at: Date | string; seq: number }>(
      'SELECT id, created_at, seq FROM identity_profiles WHERE tenant_id = $1 AND id = ANY($2::text[])',
      [this.tenantId, [...ids]],
    );
    for (const row of r.rows) out.set(row.id, { id: row.id, createdAt: new Date(row.created_at).toISOString(), seq: Number(row.seq) });
    return out;
  }

  async profileMembers(profileId: string): Promise<NodeRow[]> {
    const cached = this.locked?.members.get(profileId);
    if (cached !== undefined) return cached;
    await this.flush();
    const r = await this.q.query<NodeDbRow>(`SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2`, [this.tenantId, profileId]);
    const rows = r.rows.map(nodeFromDb);
    for (const n of rows) if (!this.known.has(n.key)) this.remember(n.key, n.profileId);
    return rows;
  }

  async putProfile(row: ProfileRow): Promise<void> {
    this.pendingProfiles.set(row.id, row);
  }

  async deleteProfiles(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.flush();
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
    const view = this.locked;
    if (view !== undefined && keys.every((k) => view.covered.has(k))) {
      const wanted = new Set(keys);
      return view.cannot.filter((c) => wanted.has(c.a) || wanted.has(c.b));
    }
    await this.flush();
    const r = await this.q.query<{ a: string; b: string; source: string; record_id: string; at: string }>(
      'SELECT a, b, source, record_id, at FROM identity_cannot_links WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))',
      [this.tenantId, [...new Set(keys)]],
    );
    return r.rows.map(cannotLinkFromDb);
  }

  async addCannotLink(row: CannotLink): Promise<void> {
    await this.flush();
    this.locked = undefined;
    await this.q.query(
      `INSERT INTO identity_cannot_links (tenant_id, a, b, source, record_id, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, a, b) DO NOTHING`,
      [this.tenantId, row.a, row.b, row.provenance.source, row.provenance.recordId, row.provenance.at],
    );
  }

  async deleteCannotLinksOf(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.flush();
    this.locked = undefined;
    await this.q.query('DELETE FROM identity_cannot_links WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))', [this.tenantId, keys]);
  }

  async addReviews(items: readonly ReviewItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.flush();
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
    await this.flush();
    await this.q.query('DELETE FROM identity_reviews WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[]))', [this.tenantId, keys]);
  }

  nextSeq(): Promise<number> {
    return this.seq.take();
  }

  async putBlockingKeys(recordKey: string, keys: readonly string[]): Promise<void> {
    this.pendingKeys.set(recordKey, keys);
  }

  /**
   * Read without flushing (other records' keys are what matters); rows this unit of work has
   * changed but not yet written are returned as changed.
   */
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
    const rows = r.rows.map((row) => this.pendingNodes.get(row.key) ?? nodeFromDb(row));
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
