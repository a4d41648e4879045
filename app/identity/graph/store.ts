/**
 * The storage port of the identity graph.
 *
 * Concurrency contract (what an adapter must guarantee, and how a PostgreSQL adapter does it):
 *
 * 1. `unitOfWork(lockKeys, work)` runs `work` in one transaction that holds exclusive locks on the
 *    node rows named by `lockKeys` for its whole duration. PostgreSQL: `INSERT … ON CONFLICT DO
 *    NOTHING` a placeholder row per key (so absent identifiers can be locked too), then
 *    `SELECT … FOR UPDATE` them in ascending key order (a fixed order avoids deadlocks).
 *    Two events carrying any identifier in common are therefore serialised: the second one sees the
 *    profile the first one created or joined, so concurrent events for one person never create two
 *    profiles.
 * 2. `lockProfiles(ids)` locks profile rows (`SELECT … FOR UPDATE`, ascending id) after the node
 *    locks. Every change of a node's profile happens under the lock of the profile it leaves and the
 *    one it joins, so a profile's member list cannot change under a unit of work that locked it.
 *    After taking profile locks the engine re-reads its nodes; if a node moved meanwhile, the unit
 *    of work throws `StaleReadError` and the adapter retries it from the start.
 * 3. On a deadlock or serialization failure the adapter rolls back and retries the whole unit of
 *    work; `work` has no effects outside the transaction, so a retry is safe.
 * 4. Reads inside a unit of work see its own writes.
 *
 * The in-memory implementation runs units of work one at a time, which satisfies all of the above.
 */
import type { CannotLink, EdgeRow, NodeRow, ProfileRow, ReviewItem } from './model';

export class StaleReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleReadError';
  }
}

export interface IdentityGraphTx {
  getNodes(keys: readonly string[]): Promise<Map<string, NodeRow>>;
  putNodes(rows: readonly NodeRow[]): Promise<void>;
  deleteNodes(keys: readonly string[]): Promise<void>;

  /** Every edge with an end in `keys`. */
  edgesOf(keys: readonly string[]): Promise<EdgeRow[]>;
  /** getNodes(nodeKeys) and edgesOf(edgeKeys) at once (one round trip on SQL). */
  readAround(nodeKeys: readonly string[], edgeKeys: readonly string[]): Promise<{ nodes: Map<string, NodeRow>; edges: EdgeRow[] }>;
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
