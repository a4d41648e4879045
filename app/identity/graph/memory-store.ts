/**
 * In-memory identity graph store: used by tests, the batch resolver and embedded single-process
 * use. Units of work run strictly one after another (a promise-chain mutex), which is a stronger
 * guarantee than the row locks the port asks for. It does not roll back: the engine computes every
 * decision first and writes at the end of a unit of work.
 */
import type { CannotLink, EdgeRow, NodeRow, ProfileRow, ReviewItem } from './model';
import type { IdentityGraphStore, IdentityGraphTx } from './store';

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

export class InMemoryGraphStore implements IdentityGraphStore, IdentityGraphTx {
  private readonly nodes = new Map<string, NodeRow>();
  private readonly members = new Map<string, Set<string>>();
  private readonly edges = new Map<string, EdgeRow>();
  private readonly adjacency = new Map<string, Set<string>>();
  private readonly profiles = new Map<string, ProfileRow>();
  private readonly cannot = new Map<string, Set<CannotLink>>();
  private readonly reviewItems = new Map<string, ReviewItem>();
  private readonly blockKeys = new Map<string, Set<string>>();
  private readonly keysOfRecord = new Map<string, readonly string[]>();
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();

  unitOfWork<T>(_lockKeys: readonly string[], work: (tx: IdentityGraphTx) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => work(this));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async reviews(profileId?: string): Promise<ReviewItem[]> {
    const all = [...this.reviewItems.values()];
    return profileId === undefined ? all : all.filter((r) => r.profiles.includes(profileId));
  }

  /** Loads a whole graph at once (batch runs); `seq` is the highest sequence value used. */
  bulkLoad(nodes: readonly NodeRow[], edges: readonly EdgeRow[], profiles: readonly ProfileRow[], seq: number): void {
    for (const row of nodes) {
      this.nodes.set(row.key, row);
      if (row.profileId !== undefined) addTo(this.members, row.profileId, row.key);
    }
    for (const row of edges) {
      this.edges.set(row.id, row);
      addTo(this.adjacency, row.a, row.id);
      addTo(this.adjacency, row.b, row.id);
    }
    for (const p of profiles) this.profiles.set(p.id, p);
    this.seq = Math.max(this.seq, seq);
  }

  /** Counts for tests and benchmarks. */
  stats(): { nodes: number; edges: number; profiles: number } {
    return { nodes: this.nodes.size, edges: this.edges.size, profiles: this.profiles.size };
  }

  async getNodes(keys: readonly string[]): Promise<Map<string, NodeRow>> {
    const out = new Map<string, NodeRow>();
    for (const key of keys) {
      const row = this.nodes.get(key);
      if (row !== undefined) out.set(key, row);
    }
    return out;
  }

  async putNodes(rows: readonly NodeRow[]): Promise<void> {
    for (const row of rows) {
      const old = this.nodes.get(row.key);
      if (old?.profileId !== undefined && old.profileId !== row.profileId) removeFrom(this.members, old.profileId, row.key);
      if (row.profileId !== undefined) addTo(this.members, row.profileId, row.key);
      this.nodes.set(row.key, row);
    }
  }

  async deleteNodes(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await this.putBlockingKeys(key, []);
      const old = this.nodes.get(key);
      if (old?.profileId !== undefined) removeFrom(this.members, old.profileId, key);
      this.nodes.delete(key);
    }
  }

  async edgesOf(keys: readonly string[]): Promise<EdgeRow[]> {
    const ids = new Set<string>();
    for (const key of keys) for (const id of this.adjacency.get(key) ?? []) ids.add(id);
    const out: EdgeRow[] = [];
    for (const id of ids) {
      const edge = this.edges.get(id);
      if (edge !== undefined) out.push(edge);
    }
    return out;
  }

  async readAround(nodeKeys: readonly string[], edgeKeys: readonly string[]): Promise<{ nodes: Map<string, NodeRow>; edges: EdgeRow[] }> {
    return { nodes: await this.getNodes(nodeKeys), edges: await this.edgesOf(edgeKeys) };
  }

  async putEdges(rows: readonly EdgeRow[]): Promise<void> {
    for (const row of rows) {
      this.edges.set(row.id, row);
      addTo(this.adjacency, row.a, row.id);
      addTo(this.adjacency, row.b, row.id);
    }
  }

  async deleteEdges(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const edge = this.edges.get(id);
      if (edge === undefined) continue;
      removeFrom(this.adjacency, edge.a, id);
      removeFrom(this.adjacency, edge.b, id);
      this.edges.delete(id);
    }
  }

  async lockProfiles(_ids: readonly string[]): Promise<void> {}

  async getProfiles(ids: readonly string[]): Promise<Map<string, ProfileRow>> {
    const out = new Map<string, ProfileRow>();
    for (const id of ids) {
      const row = this.profiles.get(id);
      if (row !== undefined) out.set(id, row);
    }
    return out;
  }

  async profileMembers(profileId: string): Promise<NodeRow[]> {
    const out: NodeRow[] = [];
    for (const key of this.members.get(profileId) ?? []) {
      const row = this.nodes.get(key);
      if (row !== undefined) out.push(row);
    }
    return out;
  }

  async putProfile(row: ProfileRow): Promise<void> {
    this.profiles.set(row.id, row);
  }

  async deleteProfiles(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.profiles.delete(id);
  }

  async cannotLinksOf(keys: readonly string[]): Promise<CannotLink[]> {
    const out = new Set<CannotLink>();
    for (const key of keys) for (const c of this.cannot.get(key) ?? []) out.add(c);
    return [...out];
  }

  async addCannotLink(row: CannotLink): Promise<void> {
    addTo(this.cannot, row.a, row);
    addTo(this.cannot, row.b, row);
  }

  async deleteCannotLinksOf(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      for (const c of this.cannot.get(key) ?? []) {
        removeFrom(this.cannot, c.a === key ? c.b : c.a, c);
      }
      this.cannot.delete(key);
    }
  }

  async addReviews(items: readonly ReviewItem[]): Promise<void> {
    for (const item of items) this.reviewItems.set(item.id, item);
  }

  async deleteReviewsOf(keys: readonly string[]): Promise<void> {
    const set = new Set(keys);
    for (const [id, item] of this.reviewItems) if (set.has(item.a) || set.has(item.b)) this.reviewItems.delete(id);
  }

  async nextSeq(): Promise<number> {
    return ++this.seq;
  }

  async putBlockingKeys(recordKey: string, keys: readonly string[]): Promise<void> {
    for (const k of this.keysOfRecord.get(recordKey) ?? []) removeFrom(this.blockKeys, k, recordKey);
    if (keys.length === 0) this.keysOfRecord.delete(recordKey);
    else this.keysOfRecord.set(recordKey, [...keys]);
    for (const k of keys) addTo(this.blockKeys, k, recordKey);
  }

  async recordsByBlockingKeys(keys: readonly string[], maxBlockSize: number, limit: number): Promise<NodeRow[]> {
    const found = new Set<string>();
    for (const k of keys) {
      const block = this.blockKeys.get(k);
      if (block === undefined || block.size > maxBlockSize) continue;
      for (const r of block) if (found.size < limit) found.add(r);
    }
    return [...(await this.getNodes([...found])).values()];
  }
}
