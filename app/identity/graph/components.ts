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
  /** limit group → identifier keys */
  groups: Map<string, Set<string>>;
  names: Set<string>;
}

export interface JoinOutcome {
  readonly status: EdgeStatus;
  readonly reason?: RefusalReason;
}

const ACTIVE: JoinOutcome = { status: 'active' };

export class ComponentBuilder {
  private readonly parent = new Map<string, string>();
  private readonly summaries = new Map<string, Summary>();
  private readonly nodes = new Map<string, NodeRow>();
  private readonly cannot = new Map<string, Set<string>>();

  constructor(private readonly policy: LinkPolicy, cannotLinks: readonly CannotLink[]) {
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
    return this.parent.has(key);
  }

  node(key: string): NodeRow | undefined {
    return this.nodes.get(key);
  }

  addNode(row: NodeRow): void {
    if (this.parent.has(row.key)) {
      this.nodes.set(row.key, row);
      return;
    }
    this.parent.set(row.key, row.key);
    this.nodes.set(row.key, row);
    const groups = new Map<string, Set<string>>();
    if (row.kind === 'identifier' && row.limitGroup !== undefined) groups.set(row.limitGroup, new Set([row.key]));
    this.summaries.set(row.key, { members: [row.key], groups, names: new Set(row.firstNames) });
  }

  root(key: string): string {
    let node = key;
    for (;;) {
      const parent = this.parent.get(node);
      if (parent === undefined) throw new Error(`unknown node ${key}`);
      if (parent === node) return node;
      const grand = this.parent.get(parent) ?? parent;
      this.parent.set(node, grand);
      node = grand;
    }
  }

  /** Joins without checks (members of an existing profile). */
  join(a: string, b: string): void {
    const ra = this.root(a);
    const rb = this.root(b);
    if (ra !== rb) this.union(ra, rb);
  }

  /** Applies one edge if the policy allows it. */
  tryJoin(edge: EdgeRow): JoinOutcome {
    if (edge.kind === 'candidate') return { status: 'inactive' };
    const na = this.nodes.get(edge.a);
    const nb = this.nodes.get(edge.b);
    if (na === undefined || nb === undefined) return { status: 'conflict', reason: 'cannot-link' };
    if (na.shared || nb.shared) return { status: 'inactive', reason: 'shared' };
    const ra = this.root(edge.a);
    const rb = this.root(edge.b);
    if (ra === rb) return ACTIVE;
    const sa = this.summaries.get(ra) as Summary;
    const sb = this.summaries.get(rb) as Summary;
    if (this.forbidden(sa, rb) || this.forbidden(sb, ra)) return { status: 'conflict', reason: 'cannot-link' };
    if (!isAuthoritative(edge.kind) && this.breaksLimit(sa, sb, edge.kind === 'probabilistic')) return { status: 'conflict', reason: 'limit' };
    if (edge.kind === 'carries') {
      const ident = na.kind === 'identifier' ? na : nb;
      if (ident.type !== undefined && this.policy.guardedTypes.has(ident.type) && !anyCompatible(sa.names, sb.names)) {
        return { status: 'conflict', reason: 'name-mismatch' };
      }
    }
    this.union(ra, rb);
    return ACTIVE;
  }

  private forbidden(s: Summary, otherRoot: string): boolean {
    if (this.cannot.size === 0) return false;
    for (const member of s.members) {
      const partners = this.cannot.get(member);
      if (partners === undefined) continue;
      for (const p of partners) if (this.parent.has(p) && this.root(p) === otherRoot) return true;
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
      const limit = this.policy.limits[type];
      if (union > limit && union > Math.max(keys.size, other.size)) return true;
    }
    return false;
  }

  private union(ra: string, rb: string): void {
    let big = this.summaries.get(ra) as Summary;
    let small = this.summaries.get(rb) as Summary;
    let [bigRoot, smallRoot] = [ra, rb];
    if (big.members.length < small.members.length) {
      [big, small] = [small, big];
      [bigRoot, smallRoot] = [smallRoot, bigRoot];
    }
    this.parent.set(smallRoot, bigRoot);
    for (const m of small.members) big.members.push(m);
    for (const [group, keys] of small.groups) {
      const target = big.groups.get(group);
      if (target === undefined) big.groups.set(group, keys);
      else for (const k of keys) target.add(k);
    }
    for (const n of small.names) big.names.add(n);
    this.summaries.delete(smallRoot);
  }

  /** Current components: root → member keys. */
  components(): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const [root, s] of this.summaries) out.set(root, s.members);
    return out;
  }

  membersOf(key: string): readonly string[] {
    return (this.summaries.get(this.root(key)) as Summary).members;
  }
}
