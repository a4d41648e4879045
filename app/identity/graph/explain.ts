/**
 * Explanations: the chain of evidence joining two nodes of a profile (breadth-first search over
 * active edges, so the chain is a shortest one), each step with its provenance and, for
 * probabilistic links, the per-field match weights.
 */
import type { EdgeRow } from './model';
import type { IdentityGraphTx } from './store';

export interface EvidenceStep {
  readonly from: string;
  readonly to: string;
  readonly edge: EdgeRow;
}

export type Explanation =
  | { readonly sameProfile: true; readonly profileId: string; readonly chain: readonly EvidenceStep[] }
  | { readonly sameProfile: false; readonly profiles: readonly (string | undefined)[] };

export async function explainLink(tx: IdentityGraphTx, a: string, b: string): Promise<Explanation> {
  const nodes = await tx.getNodes([a, b]);
  const pa = nodes.get(a)?.profileId;
  const pb = nodes.get(b)?.profileId;
  if (pa === undefined || pa !== pb) return { sameProfile: false, profiles: [pa, pb] };
  const members = new Set((await tx.profileMembers(pa)).map((m) => m.key));
  const edges = (await tx.edgesOf([...members])).filter((e) => e.status === 'active' && members.has(e.a) && members.has(e.b));
  const adjacency = new Map<string, EdgeRow[]>();
  for (const e of edges) {
    for (const end of [e.a, e.b]) {
      const list = adjacency.get(end);
      if (list === undefined) adjacency.set(end, [e]);
      else list.push(e);
    }
  }
  const via = new Map<string, EvidenceStep>();
  const queue = [a];
  const seen = new Set([a]);
  while (queue.length > 0) {
    const node = queue.shift() as string;
    if (node === b) break;
    for (const e of (adjacency.get(node) ?? []).sort((x, y) => x.seq - y.seq)) {
      const next = e.a === node ? e.b : e.a;
      if (seen.has(next)) continue;
      seen.add(next);
      via.set(next, { from: node, to: next, edge: e });
      queue.push(next);
    }
  }
  const chain: EvidenceStep[] = [];
  for (let node = b; node !== a;) {
    const step = via.get(node);
    if (step === undefined) return { sameProfile: true, profileId: pa, chain: [] };
    chain.unshift(step);
    node = step.from;
  }
  return { sameProfile: true, profileId: pa, chain };
}
