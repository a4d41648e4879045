/**
 * The storage port of the identity graph.
 *
 * Concurrency contract (what an adapter must guarantee):
 *
 * 1. `unitOfWork(lockKeys, work)` runs `work` as if it held exclusive locks on the nodes named by
 *    `lockKeys`, absent ones included, for its whole duration: two events carrying any identifier in
 *    common are serialised, the second one sees the profile the first one created or joined, so
 *    concurrent events for one person never create two profiles.
 * 2. `lockProfiles(ids)` declares the profiles whose members the unit reads or changes: a profile's
 *    member list cannot change under a unit of work that declared it.
 * 3. On a conflict (deadlock, or what the unit read changed) the adapter discards the attempt and runs
 *    the whole unit of work again; `work` has no effects outside the store, so a retry is safe.
 * 4. Reads inside a unit of work see its own writes.
 *
 * The SQL adapter (server/identity/graph-store.repository.ts) meets 1–3 optimistically: it reads without
 * locks, then takes every lock at once when it writes and checks that nothing it read changed.
 * The in-memory implementation runs units of work one at a time, which satisfies all of the above.
 */
import type { CannotLink, EdgeRow, NodeRow, ProfileRow, ReviewItem } from './model';

export class StaleReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleReadError';
  }
}

/** What a unit of work will probably read after readAround (a prefetch hint; never required). */
export interface ReadHints {
  /** The record being resolved: its blocking-index candidates are wanted only while it is new. */
  readonly record?: string;
  readonly blockingKeys?: readonly string[];
  readonly maxBlockSize?: number;
}

export interface IdentityGraphTx {
  getNodes(keys: readonly string[]): Promise<Map<string, NodeRow>>;
  putNodes(rows: readonly NodeRow[]): Promise<void>;
  deleteNodes(keys: readonly string[]): Promise<void>;

  /** Every edge with an end in `keys`. */
  edgesOf(keys: readonly string[]): Promise<EdgeRow[]>;
  /**
   * getNodes(nodeKeys) and edgesOf(edgeKeys) at once (one round trip on SQL). `hints` says what the
   * unit of work will probably read next, so an adapter can read it in the same round trip.
   */
  readAround(
    nodeKeys: readonly string[],
    edgeKeys: readonly string[],
    hints?: ReadHints,
  ): Promise<{ nodes: Map<string, NodeRow>; edges: EdgeRow[] }>;
  /** Insert or replace by id. */
  putEdges(rows: readonly EdgeRow[]): Promise<void>;
  deleteEdges(ids: readonly string[]): Promise<void>;

  lockProfiles(ids: readonly string[]): Promise<void>;
  getProfiles(ids: readonly string[]): Promise<Map<string, ProfileRow>>;
  /** Nodes whose profileId is `profileId`. */
  profileMembers(profileId: string): Promise<NodeRow[]>;
  putProfile(row: ProfileRow): Promise<void>;
  deleteProfiles(ids: readonly string[]): Promise<void>;

  cannotLinksOf(keys: readonly string[]): Promise<CannotLink[]>;
  addCannotLink(row: CannotLink): Promise<void>;
  deleteCannotLinksOf(keys: readonly string[]): Promise<void>;

  addReviews(items: readonly ReviewItem[]): Promise<void>;
  deleteReviewsOf(keys: readonly string[]): Promise<void>;

  /** Next value of a global, increasing sequence (PostgreSQL: a sequence / bigserial). */
  nextSeq(): Promise<number>;

  /**
   * Blocking index for online probabilistic matching: replaces the blocking keys of a record node.
   * Deleting a node deletes its keys.
   */
  putBlockingKeys(recordKey: string, keys: readonly string[]): Promise<void>;
  /**
   * Record nodes sharing at least one of `keys`, skipping keys held by more than `maxBlockSize`
   * records (common values are evidence of nothing), at most `limit` rows. Read without locks: a
   * candidate's profile is locked (and re-checked) before anything is linked to it.
   */
  recordsByBlockingKeys(keys: readonly string[], maxBlockSize: number, limit: number): Promise<NodeRow[]>;
}

export interface IdentityGraphStore {
  unitOfWork<T>(lockKeys: readonly string[], work: (tx: IdentityGraphTx) => Promise<T>): Promise<T>;
  /** Review items, optionally only those touching a profile (read-only, no locks). */
  reviews(profileId?: string): Promise<ReviewItem[]>;
}
