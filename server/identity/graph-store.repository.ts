/**
 * The identity graph store on PostgreSQL / PGlite (same SQL), for one tenant, inside a transaction
 * the caller owns (the ingest transaction, a micro-batch's transaction, or a route's transaction).
 *
 * Write path (migration 024): optimistic, two statements for an ordinary event.
 * 1. Read, without locks, in one statement (one snapshot): the event's nodes, the edges around them,
 *    the profiles they belong to with their members and cannot-links, and the blocking-index
 *    candidates for a record seen for the first time. Each thing read comes with a fingerprint.
 *    Anything the engine asks for later that was not read is read the same way (lazily).
 * 2. The engine decides in memory; reads see the unit's own buffered writes on top of what was read.
 * 3. One call of identity_apply(): takes the advisory locks of everything read or written (one
 *    sorted pass, so units never deadlock each other), checks every fingerprint read against the
 *    database, and writes all changes (and the events' identity_event_records). If something read
 *    changed meanwhile, or on a deadlock, the call rolls itself back (locks included) and the unit
 *    of work runs again from a fresh read; nothing it decided was written.
 *
 * The port's concurrency contract (app/identity/graph/store.ts) holds: two units touching one
 * identifier are serialised by its lock at apply time, and the later one re-reads and sees the
 * earlier one's profile. A writer locks every node it writes (`n:<key>`) and both profiles of a node
 * that changes profile (`p:<id>`), so the check under the same locks sees any concurrent change.
 *
 * Micro-batches: `batch()` runs many units of work on one shared read cache and applies them with one
 * identity_apply call; the units run in order and each sees the previous ones' writes, so a batch
 * gives the same profiles as the same events one by one.
 */
import type { CannotLink, EdgeRow, NodeRow, ProfileRow, ReviewItem } from '../../app/identity/graph/model';
import type { IdentityGraphStore, IdentityGraphTx, ReadHints } from '../../app/identity/graph/store';
import { prepared, type Queryable } from '../db/database';
import {
  REVIEW_COLUMNS,
  cannotLinkFromDb,
  edgeFromDb,
  edgeToJson,
  lastByKey,
  lockPair,
  nodeFromDb,
  nodeToJson,
  reviewFromDb,
  reviewToJson,
  type EdgeDbRow,
  type NodeDbRow,
  type ReviewDbRow,
} from './sql-graph-rows';

const MAX_ATTEMPTS = 12;

/** Advisory lock keys (pg_advisory_xact_lock(int, int)), sorted. */
type LockPairs = readonly (readonly [number, number])[];

/** identity_apply's answer: written, or rolled back because a read changed / a deadlock / a lock was taken (retry only). */
type ApplyStatus = 'ok' | 'stale' | 'deadlock' | 'busy';

/** Another transaction changed what a unit of work read, every attempt. */
export class IdentityContentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityContentionError';
  }
}

/**
 * Sequence values are handed out in blocks of 64 (the sequence's increment), shared by the store's
 * units; blocks drawn together are used in ascending order.
 */
class SeqBlock {
  private next = 0;
  private end = 0;
  private readonly blocks: number[] = [];
  constructor(private readonly q: Queryable) {}
  /** Blocks left (the current one counts when it has values). */
  get left(): number {
    return this.blocks.length + (this.next < this.end ? 1 : 0);
  }
  refill(starts: readonly number[]): void {
    this.blocks.push(...[...starts].sort((a, b) => a - b));
  }
  async take(): Promise<number> {
    if (this.next >= this.end) {
      if (this.blocks.length === 0) {
        const r = await this.q.query<{ v: number }>(`SELECT nextval('identity_seq') AS v FROM generate_series(1, 4)`);
        this.refill(r.rows.map((row) => Number(row.v)));
      }
      const start = this.blocks.shift() as number;
      this.next = start;
      this.end = start + 64;
    }
    return this.next++;
  }
}

/** An event whose resolution is written with the unit of work that resolves it. */
export interface EventRecordRow {
  readonly eventId: string;
  readonly recordKey: string;
}

export interface SqlGraphStoreOptions {
  /** identity_event_records rows, written by the next unit of work that applies. */
  readonly eventRecords?: readonly EventRecordRow[];
  /**
   * A micro-batch takes the locks of its prefetched nodes before its first read, as a retry does (see
   * attempts): for a tenant whose batches were lately decided again because another transaction
   * created or changed the same nodes meanwhile, waiting on the lock is cheaper than deciding twice.
   */
  readonly lockFirst?: boolean;
}

/** What a micro-batch reads up front (the union of its events' read hints). */
export interface BatchPrefetch {
  readonly nodeKeys: readonly string[];
  readonly edgeKeys: readonly string[];
  /** [record key, blocking key]: the key's candidates are read if the record is not in the graph yet. */
  readonly blocking: readonly (readonly [string, string])[];
  readonly maxBlockSize: number;
}

export class SqlGraphStore implements IdentityGraphStore {
  private readonly seq: SeqBlock;
  private eventRecords: EventRecordRow[];
  private readonly lockFirst: boolean;
  private retried = false;

  constructor(
    private readonly q: Queryable,
    readonly tenantId: string,
    options: SqlGraphStoreOptions = {},
  ) {
    this.seq = new SeqBlock(q);
    this.eventRecords = [...(options.eventRecords ?? [])];
    this.lockFirst = options.lockFirst === true;
  }

  /** Some unit of work of this store ran again (what it read changed, a deadlock, a lock taken). */
  get contended(): boolean {
    return this.retried;
  }

  /** Adds identity_event_records rows to the next apply. */
  addEventRecords(rows: readonly EventRecordRow[]): void {
    this.eventRecords.push(...rows);
  }

  /** Writes event records still waiting for a unit of work (one statement; none when nothing waits). */
  async flushEventRecords(): Promise<void> {
    if (this.eventRecords.length === 0) return;
    await this.unitOfWork([], async () => undefined);
  }

  async unitOfWork<T>(lockKeys: readonly string[], work: (tx: IdentityGraphTx) => Promise<T>): Promise<T> {
    return this.attempts(async (tx) => {
      tx.lockNodeKeys(lockKeys);
      return work(tx);
    });
  }

  /**
   * Runs `fn` with a store whose units of work share one read cache and are applied together at the
   * end (one identity_apply). `prefetch` is read in one statement first. On contention the whole
   * batch runs again.
   */
  async batch<T>(prefetch: BatchPrefetch | undefined, fn: (store: IdentityGraphStore) => Promise<T>): Promise<T> {
    const first =
      this.lockFirst && prefetch !== undefined && prefetch.nodeKeys.length > 0
        ? lockPairsOf(
            this.tenantId,
            prefetch.nodeKeys.map((k) => `n:${k}`),
          )
        : undefined;
    return this.attempts(async (tx) => {
      if (prefetch !== undefined) await tx.prefetch(prefetch);
      const nested: IdentityGraphStore = {
        unitOfWork: async (lockKeys, work) => {
          tx.lockNodeKeys(lockKeys);
          return work(tx);
        },
        reviews: (profileId) => this.reviews(profileId),
      };
      return fn(nested);
    }, first);
  }

  /**
   * Runs a unit of work optimistically. When another transaction changed what it read (or on a
   * deadlock), it runs again inside a savepoint, first taking the locks the failed attempt needed, so
   * a busy person's events queue on the lock instead of retrying each other out; a retry that fails
   * rolls back to the savepoint, which releases those locks. The savepoint costs two statements, paid
   * only under contention.
   */
  private async attempts<T>(run: (tx: OccGraphTx) => Promise<T>, first?: LockPairs): Promise<T> {
    let held: LockPairs | undefined = first;
    for (let attempt = 1; ; attempt++) {
      const retry = held !== undefined;
      if (retry) await this.q.query('SAVEPOINT identity_retry');
      const tx = new OccGraphTx(this.q, this.tenantId, this.seq);
      let status: ApplyStatus;
      try {
        status = held === undefined ? 'ok' : await tx.lock(held);
        if (status === 'ok') {
          const result = await run(tx);
          status = await tx.apply(this.eventRecords, !retry);
          if (status === 'ok') {
            if (retry) await this.q.query('RELEASE SAVEPOINT identity_retry');
            this.eventRecords = [];
            return result;
          }
          held = tx.lockPairs();
        }
      } catch (err) {
        if (retry) await this.rollbackRetry();
        throw err;
      }
      if (retry) await this.rollbackRetry();
      this.retried = true;
      if (attempt >= MAX_ATTEMPTS) throw new IdentityContentionError(`identity unit of work still ${status} after ${attempt} attempts`);
      await new Promise((r) => setTimeout(r, Math.random() * 3 * attempt));
    }
  }

  private async rollbackRetry(): Promise<void> {
    await this.q.query('ROLLBACK TO SAVEPOINT identity_retry');
    await this.q.query('RELEASE SAVEPOINT identity_retry');
  }

  async reviews(profileId?: string): Promise<ReviewItem[]> {
    const r = await this.q.query<ReviewDbRow>(
      `SELECT ${REVIEW_COLUMNS} FROM identity_reviews WHERE tenant_id = $1 AND status = 'open' AND ($2::text IS NULL OR profiles ? $2::text) ORDER BY created_at, id`,
      [this.tenantId, profileId ?? null],
    );
    return r.rows.map(reviewFromDb);
  }
}

type Fp = string;
type NodeWithFp = NodeDbRow & { fp: Fp };
interface ProfileWithFp {
  id: string;
  created_at: string;
  seq: number;
  fp: Fp;
}
interface CannotDb {
  a: string;
  b: string;
  source: string;
  record_id: string;
  at: string;
}
interface ReadRow {
  nodes: NodeWithFp[];
  members: NodeWithFp[];
  member_fps: Record<string, Fp>;
  edges: EdgeDbRow[];
  edge_fps: Record<string, Fp>;
  cannot: CannotDb[];
  cannot_fps: Record<string, Fp>;
  profiles: ProfileWithFp[];
  blocks: { key: string; size: number }[];
  block_members: [string, string][];
  candidates: NodeWithFp[];
  seq: (string | number)[] | null;
}

/** One read request: every part optional; `closure` adds the profiles of the nodes read. */
interface ReadRequest {
  nodeKeys?: readonly string[];
  edgeKeys?: readonly string[];
  memberProfiles?: readonly string[];
  cannotKeys?: readonly string[];
  profileIds?: readonly string[];
  blocking?: readonly (readonly [string, string])[];
  maxBlockSize?: number;
  closure?: boolean;
}

type Op =
  | { op: 'cannot+'; link: CannotLink }
  | { op: 'cannot-'; keys: readonly string[] }
  | { op: 'review+'; items: readonly ReviewItem[] }
  | { op: 'review-'; keys: readonly string[] }
  | { op: 'alias'; profile: string; into: string };

/**
 * One unit of work (or one micro-batch of them): what was read (with fingerprints), what was
 * written (buffered), and the locks both need.
 */
class OccGraphTx implements IdentityGraphTx {
  // What the database held when read (null: absent).
  private readonly dbNodes = new Map<string, { row: NodeRow | null; fp: Fp }>();
  private readonly dbEdges = new Map<string, EdgeRow>();
  private readonly dbEdgesOf = new Map<string, { ids: Set<string>; fp: Fp }>();
  private readonly dbMembers = new Map<string, { keys: Set<string>; fp: Fp }>();
  private readonly dbProfiles = new Map<string, { row: ProfileRow | null; fp: Fp }>();
  private readonly dbCannot = new Map<string, { links: CannotLink[]; fp: Fp }>();
  private readonly dbBlocks = new Map<string, { big: boolean; records: Set<string>; max: number }>();
  /** Profiles created by this unit (no database rows to read). */
  private readonly fresh = new Set<string>();
  /** Read set: what the decisions rest on, checked at apply. */
  private readonly checks = {
    n: new Map<string, Fp>(),
    e: new Map<string, Fp>(),
    m: new Map<string, Fp>(),
    c: new Map<string, Fp>(),
    p: new Map<string, Fp>(),
  };
  private readonly nodeLocks = new Set<string>();
  private readonly profileLocks = new Set<string>();
  // Buffered writes (null: delete).
  private readonly wNodes = new Map<string, NodeRow | null>();
  private readonly wEdges = new Map<string, EdgeRow | null>();
  private readonly wProfiles = new Map<string, ProfileRow | null>();
  private readonly wBlocking = new Map<string, readonly string[]>();
  private readonly ops: Op[] = [];
  /** Profile moves written here (old → new → count), to leave aliases for profiles deleted by a merge. */
  private readonly moves = new Map<string, Map<string, number>>();
  private reads = 0;
  /** Two reads disagreed (another transaction wrote between them): apply reports stale at once. */
  private inconsistent = false;

  constructor(
    private readonly q: Queryable,
    private readonly tenantId: string,
    private readonly seq: SeqBlock,
  ) {}

  lockNodeKeys(keys: readonly string[]): void {
    for (const k of keys) this.nodeLocks.add(k);
  }

  async prefetch(p: BatchPrefetch): Promise<void> {
    await this.read({ nodeKeys: p.nodeKeys, edgeKeys: p.edgeKeys, blocking: p.blocking, maxBlockSize: p.maxBlockSize, closure: true });
  }

  // ---- reading ----

  private async read(req: ReadRequest): Promise<void> {
    const nodeKeys = [...new Set(req.nodeKeys ?? [])].filter((k) => !this.dbNodes.has(k));
    const edgeKeys = [...new Set(req.edgeKeys ?? [])].filter((k) => !this.dbEdgesOf.has(k));
    const memberProfiles = [...new Set(req.memberProfiles ?? [])].filter((p) => !this.dbMembers.has(p) && !this.fresh.has(p));
    const cannotKeys = [...new Set(req.cannotKeys ?? [])].filter((k) => !this.dbCannot.has(k));
    const profileIds = [...new Set(req.profileIds ?? [])].filter((p) => !this.dbProfiles.has(p) && !this.fresh.has(p));
    const maxBlock = req.maxBlockSize ?? 0;
    // A record's keys are read only while the record is not in the graph (identity_read skips the others):
    // a record this unit already found stored needs no statement for them.
    const blocking = (req.blocking ?? []).filter(
      ([record, key]) => this.dbBlocks.get(key)?.max !== maxBlock && (record === '' || (this.dbNodes.get(record)?.row ?? null) === null),
    );
    const closure = req.closure === true;
    if (nodeKeys.length + edgeKeys.length + memberProfiles.length + cannotKeys.length + profileIds.length + blocking.length === 0) return;
    // Sequence values for what this read will lead to writing (records, identifiers, edges, profiles).
    const wanted = Math.max(1, Math.ceil((nodeKeys.length * 3) / 64));
    const drawSeq = this.seq.left >= wanted ? 0 : wanted;
    this.reads++;
    const r = await this.q.query<ReadRow>(READ_SQL, [
      this.tenantId,
      nodeKeys,
      edgeKeys,
      memberProfiles,
      cannotKeys,
      profileIds,
      blocking.map((b) => b[1]),
      blocking.map((b) => b[0]),
      maxBlock,
      drawSeq,
      closure,
    ]);
    const row = r.rows[0];
    if (row === undefined) throw new Error('identity read returned no row');
    if (row.seq !== null) this.seq.refill(row.seq.map(Number));
    for (const n of [...row.nodes, ...row.members, ...row.candidates]) this.learnNode(n.key, nodeFromDb(n), n.fp);
    for (const k of nodeKeys) if (!this.dbNodes.has(k)) this.dbNodes.set(k, { row: null, fp: '-' });
    for (const e of row.edges) this.dbEdges.set(e.id, edgeFromDb(e));
    for (const [k, fp] of Object.entries(row.edge_fps)) {
      if (this.known(this.dbEdgesOf, k, fp)) continue;
      const ids = new Set<string>();
      for (const e of row.edges) if (e.a === k || e.b === k) ids.add(e.id);
      this.dbEdgesOf.set(k, { ids, fp });
    }
    for (const [p, fp] of Object.entries(row.member_fps)) {
      if (this.known(this.dbMembers, p, fp)) continue;
      this.dbMembers.set(p, { keys: new Set(row.members.filter((m) => m.profile_id === p).map((m) => m.key)), fp });
    }
    const links = row.cannot.map(cannotLinkFromDb);
    for (const [k, fp] of Object.entries(row.cannot_fps)) {
      if (!this.known(this.dbCannot, k, fp)) this.dbCannot.set(k, { links: links.filter((c) => c.a === k || c.b === k), fp });
    }
    for (const p of row.profiles)
      this.learnProfile(p.id, { id: p.id, createdAt: new Date(p.created_at).toISOString(), seq: Number(p.seq) }, p.fp);
    for (const id of profileIds) if (!this.dbProfiles.has(id)) this.dbProfiles.set(id, { row: null, fp: '-' });
    for (const b of row.blocks) this.dbBlocks.set(b.key, { big: b.size > maxBlock, records: new Set(), max: maxBlock });
    for (const [key, record] of row.block_members) this.dbBlocks.get(key)?.records.add(record);
  }

  /** Whether `key` was read before (then kept: a second read that disagrees marks the unit stale). */
  private known(map: ReadonlyMap<string, { fp: Fp }>, key: string, fp: Fp): boolean {
    const had = map.get(key);
    if (had !== undefined && had.fp !== fp) this.inconsistent = true;
    return had !== undefined;
  }

  private learnNode(key: string, row: NodeRow, fp: Fp): void {
    const had = this.dbNodes.get(key);
    if (had !== undefined && had.fp !== fp) this.inconsistent = true;
    if (had === undefined) this.dbNodes.set(key, { row, fp });
  }

  private learnProfile(id: string, row: ProfileRow, fp: Fp): void {
    const had = this.dbProfiles.get(id);
    if (had !== undefined && had.fp !== fp) this.inconsistent = true;
    if (had === undefined) this.dbProfiles.set(id, { row, fp });
  }

  /** The node as this unit sees it: its own write, else what was read (undefined: absent). */
  private current(key: string): NodeRow | undefined {
    if (this.wNodes.has(key)) return this.wNodes.get(key) ?? undefined;
    return this.dbNodes.get(key)?.row ?? undefined;
  }

  private checkNode(key: string): void {
    if (this.checks.n.has(key)) return;
    const db = this.dbNodes.get(key);
    if (db !== undefined) this.checks.n.set(key, db.fp);
    this.nodeLocks.add(key);
  }

  async getNodes(keys: readonly string[]): Promise<Map<string, NodeRow>> {
    await this.read({ nodeKeys: keys.filter((k) => !this.wNodes.has(k)), closure: true });
    const out = new Map<string, NodeRow>();
    for (const key of keys) {
      if (!this.wNodes.has(key)) this.checkNode(key);
      const row = this.current(key);
      if (row !== undefined) out.set(key, row);
    }
    return out;
  }

  async putNodes(rows: readonly NodeRow[]): Promise<void> {
    for (const n of lastByKey(rows, (row) => row.key)) {
      const before = this.current(n.key)?.profileId;
      if (before !== undefined && n.profileId !== undefined && before !== n.profileId) {
        let targets = this.moves.get(before);
        if (targets === undefined) this.moves.set(before, (targets = new Map()));
        targets.set(n.profileId, (targets.get(n.profileId) ?? 0) + 1);
      }
      this.nodeLocks.add(n.key);
      if (before !== undefined) this.profileLocks.add(before);
      if (n.profileId !== undefined) this.profileLocks.add(n.profileId);
      this.wNodes.set(n.key, n);
    }
  }

  async deleteNodes(keys: readonly string[]): Promise<void> {
    for (const k of keys) {
      const before = this.current(k)?.profileId;
      if (before !== undefined) this.profileLocks.add(before);
      this.nodeLocks.add(k);
      this.wNodes.set(k, null);
      this.wBlocking.set(k, []);
    }
  }

  async edgesOf(keys: readonly string[]): Promise<EdgeRow[]> {
    if (keys.length === 0) return [];
    await this.read({ edgeKeys: keys });
    const wanted = new Set(keys);
    const ids = new Set<string>();
    for (const k of wanted) {
      const db = this.dbEdgesOf.get(k);
      if (db === undefined) continue;
      if (!this.checks.e.has(k)) this.checks.e.set(k, db.fp);
      this.nodeLocks.add(k);
      for (const id of db.ids) ids.add(id);
    }
    for (const [id, e] of this.wEdges) if (e !== null && (wanted.has(e.a) || wanted.has(e.b))) ids.add(id);
    const out: EdgeRow[] = [];
    for (const id of ids) {
      const e = this.wEdges.has(id) ? this.wEdges.get(id) : this.dbEdges.get(id);
      if (e !== null && e !== undefined) out.push(e);
    }
    return out;
  }

  async readAround(
    nodeKeys: readonly string[],
    edgeKeys: readonly string[],
    hints?: ReadHints,
  ): Promise<{ nodes: Map<string, NodeRow>; edges: EdgeRow[] }> {
    const blocking =
      hints?.blockingKeys === undefined || hints.record === undefined
        ? []
        : hints.blockingKeys.map((k) => [hints.record as string, k] as const);
    await this.read({
      nodeKeys: nodeKeys.filter((k) => !this.wNodes.has(k)),
      edgeKeys,
      blocking,
      maxBlockSize: hints?.maxBlockSize ?? 0,
      closure: true,
    });
    return { nodes: await this.getNodes(nodeKeys), edges: await this.edgesOf(edgeKeys) };
  }

  async putEdges(rows: readonly EdgeRow[]): Promise<void> {
    for (const e of rows) {
      this.nodeLocks.add(e.a);
      this.nodeLocks.add(e.b);
      this.wEdges.set(e.id, e);
    }
  }

  async deleteEdges(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const e = this.wEdges.get(id) ?? this.dbEdges.get(id);
      if (e !== undefined) {
        this.nodeLocks.add(e.a);
        this.nodeLocks.add(e.b);
      }
      this.wEdges.set(id, null);
    }
  }

  /** Nothing is locked while deciding: the profiles' locks are taken at apply; their rows are read now. */
  async lockProfiles(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.profileLocks.add(id);
    await this.read({ memberProfiles: ids, profileIds: ids, closure: true });
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, ProfileRow>> {
    await this.read({ profileIds: ids.filter((id) => !this.wProfiles.has(id)) });
    const out = new Map<string, ProfileRow>();
    for (const id of ids) {
      let row: ProfileRow | null | undefined;
      if (this.wProfiles.has(id)) row = this.wProfiles.get(id);
      else {
        const db = this.dbProfiles.get(id);
        if (db !== undefined && !this.checks.p.has(id)) this.checks.p.set(id, db.fp);
        this.profileLocks.add(id);
        row = db?.row;
      }
      if (row !== null && row !== undefined) out.set(id, row);
    }
    return out;
  }

  async profileMembers(profileId: string): Promise<NodeRow[]> {
    await this.read({ memberProfiles: [profileId], closure: true });
    const keys = new Set<string>();
    const db = this.dbMembers.get(profileId);
    if (db !== undefined) {
      if (!this.checks.m.has(profileId)) this.checks.m.set(profileId, db.fp);
      this.profileLocks.add(profileId);
      for (const k of db.keys) {
        keys.add(k);
        if (!this.wNodes.has(k)) this.checkNode(k);
      }
    }
    for (const [k, n] of this.wNodes) if (n?.profileId === profileId) keys.add(k);
    const out: NodeRow[] = [];
    for (const k of [...keys].sort()) {
      const n = this.current(k);
      if (n?.profileId === profileId) out.push(n);
    }
    return out;
  }

  async putProfile(row: ProfileRow): Promise<void> {
    if (!this.dbProfiles.has(row.id) && !this.dbMembers.has(row.id)) this.fresh.add(row.id);
    this.profileLocks.add(row.id);
    this.wProfiles.set(row.id, row);
  }

  async deleteProfiles(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.profileLocks.add(id);
      this.wProfiles.set(id, null);
      const targets = [...(this.moves.get(id) ?? new Map<string, number>())].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
      const into = targets[0]?.[0];
      if (into !== undefined) this.ops.push({ op: 'alias', profile: id, into });
    }
  }

  async cannotLinksOf(keys: readonly string[]): Promise<CannotLink[]> {
    if (keys.length === 0) return [];
    await this.read({ cannotKeys: keys });
    const wanted = new Set(keys);
    const byPair = new Map<string, CannotLink>();
    for (const k of wanted) {
      const db = this.dbCannot.get(k);
      if (db === undefined) continue;
      if (!this.checks.c.has(k)) this.checks.c.set(k, db.fp);
      this.nodeLocks.add(k);
      for (const c of db.links) byPair.set(`${c.a}\u0000${c.b}`, c);
    }
    for (const op of this.ops) {
      if (op.op === 'cannot+' && (wanted.has(op.link.a) || wanted.has(op.link.b))) {
        const pair = `${op.link.a}\u0000${op.link.b}`;
        if (!byPair.has(pair)) byPair.set(pair, op.link);
      } else if (op.op === 'cannot-') {
        const gone = new Set(op.keys);
        for (const [pair, c] of byPair) if (gone.has(c.a) || gone.has(c.b)) byPair.delete(pair);
      }
    }
    return [...byPair.values()];
  }

  async addCannotLink(row: CannotLink): Promise<void> {
    this.nodeLocks.add(row.a);
    this.nodeLocks.add(row.b);
    this.ops.push({ op: 'cannot+', link: row });
  }

  async deleteCannotLinksOf(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const k of keys) this.nodeLocks.add(k);
    this.ops.push({ op: 'cannot-', keys: [...keys] });
  }

  async addReviews(items: readonly ReviewItem[]): Promise<void> {
    if (items.length > 0) this.ops.push({ op: 'review+', items: lastByKey(items, (i) => i.id) });
  }

  async deleteReviewsOf(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) this.ops.push({ op: 'review-', keys: [...keys] });
  }

  nextSeq(): Promise<number> {
    return this.seq.take();
  }

  async putBlockingKeys(recordKey: string, keys: readonly string[]): Promise<void> {
    this.nodeLocks.add(recordKey);
    this.wBlocking.set(recordKey, [...new Set(keys)]);
  }

  /**
   * Read without locks and not checked at apply (other records' keys are what matters; a candidate's
   * profile is checked when something is linked to it). Records this unit gave keys are included.
   * Candidates come in key order, each block's records sorted, so the result does not depend on the
   * database's row order.
   */
  async recordsByBlockingKeys(keys: readonly string[], maxBlockSize: number, limit: number): Promise<NodeRow[]> {
    if (keys.length === 0) return [];
    await this.read({ blocking: keys.map((k) => ['', k] as const), maxBlockSize });
    const found = new Set<string>();
    for (const key of keys) {
      const block = this.dbBlocks.get(key);
      const records = new Set(block?.records ?? []);
      for (const [record, list] of this.wBlocking) {
        if (list.includes(key)) records.add(record);
        else records.delete(record);
      }
      if (block?.big === true || records.size > maxBlockSize) continue;
      for (const r of [...records].sort()) if (found.size < limit) found.add(r);
    }
    await this.read({ nodeKeys: [...found].filter((k) => !this.wNodes.has(k)) });
    const out: NodeRow[] = [];
    for (const k of found) {
      const n = this.current(k);
      if (n === undefined) continue;
      if (!this.wNodes.has(k)) this.checkNode(k);
      out.push(n);
    }
    return out;
  }

  // ---- applying ----

  /** The advisory locks this unit needs: every node read or written, every profile read or changed. */
  lockPairs(): LockPairs {
    const names: string[] = [];
    for (const k of this.nodeLocks) names.push(`n:${k}`);
    for (const p of this.profileLocks) names.push(`p:${p}`);
    return lockPairsOf(this.tenantId, names);
  }

  /** Takes locks before reading (a retry after contention); held until the transaction ends. */
  async lock(pairs: LockPairs): Promise<'ok' | 'deadlock'> {
    if (pairs.length === 0) return 'ok';
    const r = await this.q.query<{ r: 'ok' | 'deadlock' }>('SELECT identity_lock($1::int[], $2::int[]) AS r', [
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    ]);
    return r.rows[0]?.r ?? 'deadlock';
  }

  /**
   * Applies the unit's writes with the checks of its read set, in one statement. A unit that changed
   * nothing and read in at most one statement (one snapshot) sends only its event records, if any.
   */
  async apply(eventRecords: readonly EventRecordRow[], wait: boolean): Promise<ApplyStatus> {
    if (this.inconsistent) return 'stale';
    const nodes: string[] = [];
    const nodeRows: Record<string, unknown>[] = [];
    for (const [k, n] of this.wNodes) {
      if (n === null) nodes.push(k);
      else if (!sameNode(n, this.dbNodes.get(k)?.row)) nodeRows.push(nodeToJson(n));
    }
    const edgeIds: string[] = [];
    const edgeRows: Record<string, unknown>[] = [];
    for (const [id, e] of this.wEdges) {
      if (e === null) edgeIds.push(id);
      else edgeRows.push(edgeToJson(e));
    }
    const profileIds: string[] = [];
    const profileRows: Record<string, unknown>[] = [];
    for (const [id, p] of this.wProfiles) {
      if (p === null) profileIds.push(id);
      else profileRows.push({ id: p.id, created_at: p.createdAt, seq: p.seq });
    }
    const w = {
      de: edgeIds,
      dn: nodes,
      n: nodeRows,
      e: edgeRows,
      p: profileRows,
      dp: profileIds,
      bk: [...this.wBlocking].map(([record_key, keys]) => ({ record_key, keys })),
      ops: this.ops.map(opToJson),
      er: eventRecords.map((r) => ({ event_id: r.eventId, record_key: r.recordKey })),
    };
    const writes = w.de.length + w.dn.length + w.n.length + w.e.length + w.p.length + w.dp.length + w.bk.length + w.ops.length > 0;
    if (!writes && this.reads <= 1 && eventRecords.length === 0) return 'ok';
    const checked = writes || this.reads > 1;
    const pairs = checked ? this.lockPairs() : [];
    const checks = checked
      ? {
          n: Object.fromEntries(this.checks.n),
          e: Object.fromEntries(this.checks.e),
          m: Object.fromEntries(this.checks.m),
          c: Object.fromEntries(this.checks.c),
          p: Object.fromEntries(this.checks.p),
        }
      : {};
    const r = await this.q.query<{ r: ApplyStatus }>(
      prepared('SELECT identity_apply($1, $2::int[], $3::int[], $4::jsonb, $5::jsonb, $6) AS r'),
      [this.tenantId, pairs.map((p) => p[0]), pairs.map((p) => p[1]), JSON.stringify(checks), JSON.stringify(w), wait],
    );
    return r.rows[0]?.r ?? 'stale';
  }
}

/** The same row as written (what comparing the two rows' JSON gives, field by field). */
/** The advisory locks of lock names (`n:<node key>`, `p:<profile id>`) of a tenant, sorted, once each. */
function lockPairsOf(tenantId: string, names: readonly string[]): LockPairs {
  return [...new Set(names)].map((n) => lockPair(`${tenantId}\u0000${n}`)).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function sameNode(a: NodeRow, b: NodeRow | null | undefined): boolean {
  if (b === null || b === undefined) return false;
  if (
    a.key !== b.key ||
    a.kind !== b.kind ||
    (a.profileId ?? null) !== (b.profileId ?? null) ||
    (a.type ?? null) !== (b.type ?? null) ||
    (a.limitGroup ?? null) !== (b.limitGroup ?? null) ||
    a.shared !== b.shared ||
    a.seq !== b.seq ||
    a.firstNames.length !== b.firstNames.length
  )
    return false;
  for (let i = 0; i < a.firstNames.length; i++) if (a.firstNames[i] !== b.firstNames[i]) return false;
  return a.match === b.match || JSON.stringify(a.match ?? null) === JSON.stringify(b.match ?? null);
}

function opToJson(op: Op): Record<string, unknown> {
  switch (op.op) {
    case 'cannot+':
      return {
        op: op.op,
        a: op.link.a,
        b: op.link.b,
        source: op.link.provenance.source,
        record_id: op.link.provenance.recordId,
        at: op.link.provenance.at,
      };
    case 'cannot-':
    case 'review-':
      return { op: op.op, keys: op.keys };
    case 'review+':
      return { op: op.op, items: op.items.map(reviewToJson) };
    case 'alias':
      return { op: op.op, profile: op.profile, into: op.into };
  }
}

/**
 * The one read statement: identity_read() (migration 029; its header says what each argument reads),
 * parsed once per session and planned per call with the call's values. The call itself is kept
 * prepared on the connection (`prepared`: a function call, nothing to plan).
 */
const READ_SQL =
  prepared(`SELECT o_nodes AS nodes, o_members AS members, o_member_fps AS member_fps, o_edges AS edges, o_edge_fps AS edge_fps,
  o_cannot AS cannot, o_cannot_fps AS cannot_fps, o_profiles AS profiles, o_blocks AS blocks, o_block_members AS block_members,
  o_candidates AS candidates, o_seq AS seq
  FROM identity_read($1, $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int, $10::int, $11::boolean)`);

/** A store that opens its own transaction per unit of work (routes and tests; the ingest path uses SqlGraphStore on its transaction). */
export function transactionalGraphStore(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> } & Queryable,
  tenantId: string,
): IdentityGraphStore {
  return {
    unitOfWork: (lockKeys, work) => db.transaction((tx) => new SqlGraphStore(tx, tenantId).unitOfWork(lockKeys, work)),
    reviews: (profileId) => new SqlGraphStore(db, tenantId).reviews(profileId),
  };
}
