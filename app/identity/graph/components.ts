/**
 * Builds profiles from evidence: a union-find over node keys where every join is checked against
 * the link policy (limits, name guard, shared identifiers, "not the same person" constraints).
 * The online resolver seeds it with existing profiles and applies new edges; a recompute replays
 * all of a component's edges from scratch in their original order. Same checks, same outcome.
 */
import { isAuthoritative, type CannotLink, type EdgeRow, type EdgeStatus, type NodeRow, type RefusalReason } from './model';
import { anyCompatible, type LinkPolicy, typeOfGroup } from './policy';

interface Summary {
  members: string[];
  /** limit group → identifier keys (the shared NO_GROUPS until the component has one) */
  groups: Map<string, Set<string>>;
  /** given names (the shared NO_NAMES until the component has one) */
  names: Set<string>;
}

// Most nodes start without limit groups (records) or names (identifiers): they share these empty
// values, and a union copies before the first write, so none is ever modified.
const NO_GROUPS: ReadonlyMap<string, Set<string>> = new Map();
const NO_NAMES: ReadonlySet<string> = new Set();

export interface JoinOutcome {
  readonly status: EdgeStatus;
  readonly reason?: RefusalReason;
}

const ACTIVE: JoinOutcome = { status: 'active' };

export class ComponentBuilder {
  // Union-find over dense node indices: one map lookup per key, integer steps after that.
  private readonly index = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly parent: number[] = [];
  private readonly rows: NodeRow[] = [];
  /** Summary of each root (undefined for non-roots). */
  private readonly summaries: (Summary | undefined)[] = [];
  private readonly cannot = new Map<string, Set<string>>();

  constructor(
    private readonly policy: LinkPolicy,
    cannotLinks: readonly CannotLink[],
  ) {
    for (const c of cannotLinks) {
      this.forbid(c.a, c.b);
      this.forbid(c.b, c.a);
    }
  }

  private forbid(a: string, b: string): void {
    let set = this.cannot.get(a);
    if (set === undefined) this.cannot.set(a, (set = new Set()));
    set.add(b);
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  node(key: string): NodeRow | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.rows[i];
  }

  addNode(row: NodeRow): void {
    const known = this.index.get(row.key);
    if (known !== undefined) {
      this.rows[known] = row;
      return;
    }
    const i = this.keys.length;
    this.index.set(row.key, i);
    this.keys.push(row.key);
    this.parent.push(i);
    this.rows.push(row);
    const groups =
      row.kind === 'identifier' && row.limitGroup !== undefined
        ? new Map([[row.limitGroup, new Set([row.key])]])
        : (NO_GROUPS as Map<string, Set<string>>);
    const names = row.firstNames.length > 0 ? new Set(row.firstNames) : (NO_NAMES as Set<string>);
    this.summaries.push({ members: [row.key], groups, names });
  }

  private indexOf(key: string): number {
    const i = this.index.get(key);
    if (i === undefined) throw new Error(`unknown node ${key}`);
    return i;
  }

  private rootOf(i: number): number {
    const parent = this.parent;
    let node = i;
    for (;;) {
      const up = parent[node] as number;
      if (up === node) return node;
      const grand = parent[up] as number;
      parent[node] = grand;
      node = grand;
    }
  }

  root(key: string): string {
    return this.keys[this.rootOf(this.indexOf(key))] as string;
  }

  /** Joins without checks (members of an existing profile). */
  join(a: string, b: string): void {
    const ra = this.rootOf(this.indexOf(a));
    const rb = this.rootOf(this.indexOf(b));
    if (ra !== rb) this.union(ra, rb);
  }

  /** Applies one edge if the policy allows it. */
  tryJoin(edge: EdgeRow): JoinOutcome {
    if (edge.kind === 'candidate') return { status: 'inactive' };
    const ia = this.index.get(edge.a);
    const ib = this.index.get(edge.b);
    if (ia === undefined || ib === undefined) return { status: 'conflict', reason: 'cannot-link' };
    const na = this.rows[ia] as NodeRow;
    const nb = this.rows[ib] as NodeRow;
    if (na.shared || nb.shared) return { status: 'inactive', reason: 'shared' };
    const ra = this.rootOf(ia);
    const rb = this.rootOf(ib);
    if (ra === rb) return ACTIVE;
    const sa = this.summaries[ra] as Summary;
    const sb = this.summaries[rb] as Summary;
    if (this.forbidden(sa, rb) || this.forbidden(sb, ra)) return { status: 'conflict', reason: 'cannot-link' };
    if (!isAuthoritative(edge.kind) && this.breaksLimit(sa, sb, edge.kind === 'probabilistic'))
      return { status: 'conflict', reason: 'limit' };
    if (edge.kind === 'carries') {
      const ident = na.kind === 'identifier' ? na : nb;
      if (ident.type !== undefined && this.policy.guardedTypes.has(ident.type) && !anyCompatible(sa.names, sb.names)) {
        return { status: 'conflict', reason: 'name-mismatch' };
      }
    }
    this.union(ra, rb);
    return ACTIVE;
  }

  private forbidden(s: Summary, otherRoot: number): boolean {
    if (this.cannot.size === 0) return false;
    for (const member of s.members) {
      const partners = this.cannot.get(member);
      if (partners === undefined) continue;
      for (const p of partners) {
        const i = this.index.get(p);
        if (i !== undefined && this.rootOf(i) === otherRoot) return true;
      }
    }
    return false;
  }

  private breaksLimit(sa: Summary, sb: Summary, probabilistic: boolean): boolean {
    const [small, large] = sa.groups.size <= sb.groups.size ? [sa, sb] : [sb, sa];
    for (const [group, keys] of small.groups) {
      const other = large.groups.get(group);
      if (other === undefined) continue;
      const type = typeOfGroup(group);
      if (probabilistic && !this.policy.probabilisticLimitTypes.has(type)) continue;
      let union = other.size;
      for (const k of keys) if (!other.has(k)) union++;
      const limit = probabilistic ? Math.min(this.policy.limits[type], this.policy.probabilisticLimit) : this.policy.limits[type];
      if (union > limit && union > Math.max(keys.size, other.size)) return true;
    }
    return false;
  }

  private union(ra: number, rb: number): void {
    let big = this.summaries[ra] as Summary;
    let small = this.summaries[rb] as Summary;
    let [bigRoot, smallRoot] = [ra, rb];
    if (big.members.length < small.members.length) {
      [big, small] = [small, big];
      [bigRoot, smallRoot] = [smallRoot, bigRoot];
    }
    this.parent[smallRoot] = bigRoot;
    for (const m of small.members) big.members.push(m);
    if (small.groups.size > 0 && big.groups === NO_GROUPS) big.groups = new Map();
    for (const [group, keys] of small.groups) {
      const target = big.groups.get(group);
      // The smaller summary is dropped below, so its sets can be taken over as they are.
      if (target === undefined) big.groups.set(group, keys);
      else for (const k of keys) target.add(k);
    }
    if (small.names.size > 0 && big.names === NO_NAMES) big.names = new Set();
    for (const n of small.names) big.names.add(n);
    this.summaries[smallRoot] = undefined;
  }

  /** Current components: root → member keys. */
  components(): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    this.summaries.forEach((s, i) => {
      if (s !== undefined) out.set(this.keys[i] as string, s.members);
    });
    return out;
  }

  membersOf(key: string): readonly string[] {
    return (this.summaries[this.rootOf(this.indexOf(key))] as Summary).members;
  }
}
