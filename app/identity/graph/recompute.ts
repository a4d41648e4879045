/**
 * Recomputing profiles from their remaining evidence, after evidence is removed, an identifier is
 * marked shared, or a person says two records are not the same person. All edges among the
 * profiles' nodes are replayed from scratch in their original order under the policy, so the result
 * is exactly what online resolution would have produced from that evidence: no stale merges.
 * Edges to nodes of other profiles are left as they are (they were refused, or they would have
 * merged the profiles already).
 */
import { ComponentBuilder } from './components';
import type { EdgeRow, NodeRow, ProfileRow } from './model';
import type { ApplyContext } from './apply';

export interface RecomputeResult {
  /** Profiles after the recompute (kept and new). */
  readonly profiles: readonly string[];
  readonly created: readonly string[];
  readonly removed: readonly string[];
}

export async function recomputeProfiles(
  ctx: ApplyContext,
  profileIds: readonly string[],
  extraNodes: readonly NodeRow[] = [],
): Promise<RecomputeResult> {
  const { tx, policy } = ctx;
  const ids = [...new Set(profileIds)].sort();
  await tx.lockProfiles(ids);
  const oldProfiles = [...(await tx.getProfiles(ids)).values()].sort((a, b) => a.seq - b.seq);
  const rows = new Map<string, NodeRow>();
  for (const pid of ids) for (const m of await tx.profileMembers(pid)) rows.set(m.key, m);
  for (const n of extraNodes) rows.set(n.key, n);

  const edges = await tx.edgesOf([...rows.keys()]);
  const outside = edges.flatMap((e) => [e.a, e.b]).filter((k) => !rows.has(k));
  for (const [k, n] of await tx.getNodes([...new Set(outside)])) if (n.profileId === undefined) rows.set(k, n);
  const inScope = edges.filter((e) => rows.has(e.a) && rows.has(e.b)).sort((a, b) => a.seq - b.seq);

  const builder = new ComponentBuilder(policy, await tx.cannotLinksOf([...rows.keys()]));
  for (const n of rows.values()) builder.addNode(n);
  const changedEdges: EdgeRow[] = [];
  for (const edge of inScope) {
    const outcome = builder.tryJoin(edge);
    if (outcome.status !== edge.status || outcome.reason !== edge.reason) {
      const { reason: _old, ...base } = edge;
      changedEdges.push(
        outcome.reason === undefined ? { ...base, status: outcome.status } : { ...base, status: outcome.status, reason: outcome.reason },
      );
    }
  }

  // Components holding a record are profiles. Old ids go, oldest first, to the component holding
  // most of their former members; the rest get new ids.
  const components = [...builder.components().values()].filter((keys) => keys.some((k) => rows.get(k)?.kind === 'record'));
  const assigned = new Map<number, string>();
  for (const profile of oldProfiles) {
    let best = -1;
    let bestCount = 0;
    components.forEach((keys, index) => {
      if (assigned.has(index)) return;
      const count = keys.filter((k) => rows.get(k)?.profileId === profile.id).length;
      if (count > bestCount) [best, bestCount] = [index, count];
    });
    if (best >= 0) assigned.set(best, profile.id);
  }
  const created: string[] = [];
  for (let index = 0; index < components.length; index++) {
    if (assigned.has(index)) continue;
    const id = ctx.newProfileId();
    const row: ProfileRow = { id, createdAt: ctx.at, seq: await tx.nextSeq() };
    await tx.putProfile(row);
    assigned.set(index, id);
    created.push(id);
  }

  const target = new Map<string, string>();
  components.forEach((keys, index) => {
    for (const k of keys) target.set(k, assigned.get(index) as string);
  });
  const writes: NodeRow[] = [];
  for (const row of rows.values()) {
    const profileId = target.get(row.key);
    if (row.profileId !== profileId) writes.push({ ...row, profileId });
  }
  await tx.putNodes(writes);
  await tx.putEdges(changedEdges);
  const kept = new Set(assigned.values());
  const removed = oldProfiles.map((p) => p.id).filter((id) => !kept.has(id));
  await tx.deleteProfiles(removed);
  return { profiles: [...kept], created, removed };
}
