/**
 * The deterministic phase of a batch run, applied in bulk: the same evidence (each record carries its
 * normalized identifiers, in record order, identifiers by priority), the same policy checks
 * (ComponentBuilder: limits, name guard, shared identifiers) and the same node / edge / profile rows
 * as resolving the records one by one, but in one synchronous pass and one write, instead of a unit
 * of work per record.
 *
 * Shared identifiers: online, an identifier refused for a record and thereby carried by more than
 * `maxProfilesPerIdentifier` profiles is marked shared and its profile recomputed without it. Here the
 * pass is repeated with such identifiers shared from the start (at most a few passes), which is what
 * the online recompute converges to.
 */
import { ComponentBuilder, type JoinOutcome } from '../graph/components';
import type { InMemoryGraphStore } from '../graph/memory-store';
import { edgeId, recordKey, type EdgeRow, type NodeRow, type ProbabilisticDetail, type ProfileRow } from '../graph/model';
import { compatibleNames, limitGroupOf, type LinkPolicy } from '../graph/policy';
import type { Identifier, Provenance } from '../types';

export interface BulkRecord {
  readonly source: string;
  readonly recordId: string;
  readonly identifiers: readonly Identifier[];
  readonly candidates: readonly Identifier[];
  readonly firstName: string | undefined;
}

const MAX_PASSES = 4;

interface Pass {
  readonly nodes: Map<string, NodeRow>;
  readonly edges: EdgeRow[];
  readonly builder: ComponentBuilder;
  readonly refused: Set<string>;
  readonly seq: number;
}

function runPass(records: readonly BulkRecord[], policy: LinkPolicy, shared: ReadonlySet<string>, at: string): Pass {
  const builder = new ComponentBuilder(policy, []);
  const nodes = new Map<string, NodeRow>();
  const edges: EdgeRow[] = [];
  const edgeIds = new Set<string>();
  const refused = new Set<string>();
  const triedAndRefused = new Set<string>();
  let retried = false;
  let seq = 0;
  for (const r of records) {
    const rKey = recordKey(r.source, r.recordId);
    const provenance = { source: r.source, recordId: r.recordId, at };
    const old = nodes.get(rKey);
    // The record's given names so far plus this one, the last four kept (as online resolution does).
    let firstNames: readonly string[] = old?.firstNames ?? [];
    if (r.firstName !== undefined && !firstNames.includes(r.firstName)) firstNames = [...firstNames, r.firstName].slice(-4);
    const recordRow: NodeRow = { key: rKey, kind: 'record', profileId: undefined, shared: false, firstNames, seq: old?.seq ?? ++seq };
    nodes.set(rKey, recordRow);
    builder.addNode(recordRow);
    const ids =
      r.identifiers.length > 1 ? [...r.identifiers].sort((a, b) => policy.priority[a.type] - policy.priority[b.type]) : r.identifiers;
    for (const list of [ids, r.candidates]) {
      for (const id of list) {
        if (nodes.has(id.key)) continue;
        const row: NodeRow = {
          key: id.key,
          kind: 'identifier',
          profileId: undefined,
          type: id.type,
          limitGroup: limitGroupOf(id),
          shared: shared.has(id.key),
          firstNames: [],
          seq: ++seq,
        };
        nodes.set(id.key, row);
        builder.addNode(row);
      }
    }
    for (const id of ids) {
      const eid = edgeId('carries', rKey, id.key);
      if (edgeIds.has(eid)) continue;
      const edge: EdgeRow = { id: eid, kind: 'carries', a: rKey, b: id.key, provenance, seq: ++seq, status: 'active' };
      const outcome = builder.tryJoin(edge);
      if (outcome.status !== 'active') {
        if (outcome.reason !== 'shared') refused.add(id.key);
        if (triedAndRefused.has(eid)) retried = true;
        triedAndRefused.add(eid);
        // A refused edge is tried again when the record comes back (as online), so it is not remembered.
        edges.push(
          outcome.reason === undefined ? { ...edge, status: outcome.status } : { ...edge, status: outcome.status, reason: outcome.reason },
        );
        continue;
      }
      if (triedAndRefused.has(eid)) retried = true;
      edgeIds.add(eid);
      edges.push(edge);
    }
    for (const c of r.candidates) {
      const eid = edgeId('candidate', rKey, c.key);
      if (edgeIds.has(eid)) continue;
      edgeIds.add(eid);
      edges.push({ id: eid, kind: 'candidate', a: rKey, b: c.key, provenance, seq: ++seq, status: 'inactive' });
    }
  }
  return { nodes, edges: retried ? dedupeEdges(edges) : edges, builder, refused, seq };
}

/** A re-tried edge replaces its earlier refusal (same id): keep the last state of each edge. */
function dedupeEdges(edges: readonly EdgeRow[]): EdgeRow[] {
  const last = new Map<string, EdgeRow>();
  for (const e of edges) {
    const prior = last.get(e.id);
    last.set(e.id, prior === undefined ? e : { ...e, seq: prior.seq, provenance: prior.provenance });
  }
  return [...last.values()];
}

/** Identifiers refused somewhere and carried by records of more than the allowed number of profiles. */
function newlyShared(pass: Pass, policy: LinkPolicy, shared: ReadonlySet<string>): string[] {
  const carriers = new Map<string, Set<string>>();
  for (const e of pass.edges) {
    if (e.kind !== 'carries' || !pass.refused.has(e.b) || shared.has(e.b)) continue;
    let set = carriers.get(e.b);
    if (set === undefined) carriers.set(e.b, (set = new Set()));
    set.add(pass.builder.root(e.a));
  }
  return [...carriers].filter(([, roots]) => roots.size > policy.maxProfilesPerIdentifier).map(([key]) => key);
}

/**
 * Household disambiguation (graph/online-links.ts), for records left alone because an identifier they
 * carry is shared or was refused by the name guard: join the one profile among that identifier's
 * carriers whose given name is compatible. Returns the last sequence value used.
 */
function householdLinks(records: readonly BulkRecord[], pass: Pass, at: string): number {
  const { builder, nodes, edges } = pass;
  let seq = pass.seq;
  const carriers = new Map<string, string[]>();
  const guarded = new Map<string, string[]>();
  for (const e of edges) {
    if (e.kind !== 'carries') continue;
    const list = carriers.get(e.b);
    if (list === undefined) carriers.set(e.b, [e.a]);
    else list.push(e.a);
    if (e.status !== 'active' && (e.reason === 'shared' || e.reason === 'name-mismatch')) {
      const g = guarded.get(e.a);
      if (g === undefined) guarded.set(e.a, [e.b]);
      else g.push(e.b);
    }
  }
  for (const r of records) {
    const rKey = recordKey(r.source, r.recordId);
    const refusedIds = guarded.get(rKey);
    if (refusedIds === undefined || r.firstName === undefined) continue;
    const own = builder.root(rKey);
    if (builder.membersOf(rKey).some((k) => k !== rKey && nodes.get(k)?.kind === 'record')) continue;
    const compatible = new Map<string, string>();
    for (const idKey of refusedIds) {
      for (const other of carriers.get(idKey) ?? []) {
        const root = builder.root(other);
        if (root === own || compatible.has(root)) continue;
        if ((nodes.get(other)?.firstNames ?? []).some((n) => compatibleNames(n, r.firstName as string))) compatible.set(root, other);
      }
    }
    if (compatible.size !== 1) continue;
    const target = [...compatible.values()][0] as string;
    const edge: EdgeRow = {
      id: edgeId('household', rKey, target),
      kind: 'household',
      a: rKey,
      b: target,
      provenance: { source: r.source, recordId: r.recordId, at },
      seq: ++seq,
      status: 'active',
    };
    const outcome = builder.tryJoin(edge);
    if (outcome.status === 'active') edges.push(edge);
  }
  return seq;
}

/**
 * The batch graph in memory: the deterministic phase applied in bulk, then probabilistic links tried
 * under the same policy checks (ComponentBuilder.tryJoin, as applyEvidence does online), then one
 * write into an empty store.
 */
export class BulkGraph {
  private seq: number;

  private constructor(
    private readonly pass: Pass,
    private readonly keys: readonly string[],
    seq: number,
  ) {
    this.seq = seq;
  }

  static build(records: readonly BulkRecord[], policy: LinkPolicy, at: string): BulkGraph {
    const shared = new Set<string>();
    let pass = runPass(records, policy, shared, at);
    for (let k = 1; k < MAX_PASSES; k++) {
      const more = newlyShared(pass, policy, shared);
      if (more.length === 0) break;
      for (const key of more) shared.add(key);
      pass = runPass(records, policy, shared, at);
    }
    const seq = householdLinks(records, pass, at);
    return new BulkGraph(
      pass,
      records.map((r) => recordKey(r.source, r.recordId)),
      seq,
    );
  }

  /** Records i and j are in one profile already. */
  together(i: number, j: number): boolean {
    const { builder } = this.pass;
    return builder.root(this.keys[i] as string) === builder.root(this.keys[j] as string);
  }

  /** A probabilistic link between records i and j, refused when the policy forbids it. */
  link(i: number, j: number, detail: ProbabilisticDetail, provenance: Provenance): JoinOutcome {
    const a = this.keys[i] as string;
    const b = this.keys[j] as string;
    const edge: EdgeRow = {
      id: edgeId('probabilistic', a, b),
      kind: 'probabilistic',
      a,
      b,
      provenance,
      seq: ++this.seq,
      status: 'active',
      detail,
    };
    const outcome = this.pass.builder.tryJoin(edge);
    this.pass.edges.push(
      outcome.reason === undefined ? { ...edge, status: outcome.status } : { ...edge, status: outcome.status, reason: outcome.reason },
    );
    return outcome;
  }

  /** Each record's profile id, profiles numbered in order of their first record (as one by one). */
  profileIds(newProfileId: () => string): string[] {
    const { builder } = this.pass;
    const profileOfRoot = new Map<string, string>();
    return this.keys.map((key) => {
      const root = builder.root(key);
      let id = profileOfRoot.get(root);
      if (id === undefined) profileOfRoot.set(root, (id = newProfileId()));
      return id;
    });
  }

  /** Writes the graph into `store` (which must be empty), with the profile ids `profileIds` gave. */
  write(store: InMemoryGraphStore, profileIds: readonly string[], at: string): void {
    const { nodes, builder, edges } = this.pass;
    const profileOfRoot = new Map<string, string>();
    const profiles: ProfileRow[] = [];
    this.keys.forEach((key, i) => {
      const root = builder.root(key);
      if (profileOfRoot.has(root)) return;
      const id = profileIds[i] as string;
      profileOfRoot.set(root, id);
      profiles.push({ id, createdAt: at, seq: ++this.seq });
    });
    const rows: NodeRow[] = [];
    for (const n of nodes.values()) rows.push({ ...n, profileId: profileOfRoot.get(builder.root(n.key)) });
    store.bulkLoad(rows, edges, profiles, this.seq);
  }
}
