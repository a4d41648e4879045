/**
 * Applying new evidence online, inside a unit of work: load the profiles the evidence touches, seed
 * them as already-joined components, try each new edge under the policy, then give the anchor's
 * component one profile (the oldest one survives a merge) and write what changed.
 */
import { ComponentBuilder } from './components';
import type { EdgeRow, NodeRow, ProfileRow } from './model';
import type { LinkPolicy } from './policy';
import type { IdentityGraphTx } from './store';

export interface ApplyContext {
  readonly tx: IdentityGraphTx;
  readonly policy: LinkPolicy;
  readonly newProfileId: () => string;
  readonly at: string;
}

export interface ApplyResult {
  /** Profile of the anchor node; undefined when its component holds no record. */
  readonly profileId: string | undefined;
  readonly created: boolean;
  readonly merged: readonly string[];
  /** The edges as stored, each with its status. */
  readonly edges: readonly EdgeRow[];
}

/**
 * `nodes` are new or updated node rows (profileId as currently stored), `edges` new evidence;
 * `read` optionally holds rows the caller already read in this unit of work.
 * Edges whose id already exists with status `active` must not be passed again.
 */
export async function applyEvidence(
  ctx: ApplyContext,
  anchor: string,
  nodes: readonly NodeRow[],
  edges: readonly EdgeRow[],
  read?: ReadonlyMap<string, NodeRow>,
): Promise<ApplyResult> {
  const { tx, policy } = ctx;
  const rows = new Map<string, NodeRow>();
  for (const n of nodes) rows.set(n.key, n);
  // Edge ends the caller read in this unit of work (under their node locks) need no second read.
  for (const e of edges) {
    for (const k of [e.a, e.b]) {
      const known = read?.get(k);
      if (known !== undefined && !rows.has(k)) rows.set(k, known);
    }
  }
  const endKeys = edges.flatMap((e) => [e.a, e.b]).filter((k) => !rows.has(k));
  for (const [k, n] of await tx.getNodes(endKeys)) rows.set(k, n);

  const profileIds = [...new Set([...rows.values()].map((n) => n.profileId).filter((p): p is string => p !== undefined))].sort();
  await tx.lockProfiles(profileIds);
  const profiles = await tx.getProfiles(profileIds);
  const members = new Map<string, NodeRow[]>();
  for (const pid of profileIds) members.set(pid, await tx.profileMembers(pid));

  const allKeys = new Set(rows.keys());
  for (const list of members.values()) for (const m of list) allKeys.add(m.key);
  const builder = new ComponentBuilder(policy, await tx.cannotLinksOf([...allKeys]));
  for (const list of members.values()) {
    const first = list[0];
    for (const m of list) builder.addNode(rows.get(m.key) ?? m);
    if (first !== undefined) for (const m of list) builder.join(first.key, m.key);
  }
  for (const n of rows.values()) builder.addNode(n);

  const stored: EdgeRow[] = [];
  for (const edge of edges) {
    const outcome = builder.tryJoin(edge);
    const { reason: _drop, ...base } = edge;
    stored.push(
      outcome.reason === undefined ? { ...base, status: outcome.status } : { ...base, status: outcome.status, reason: outcome.reason },
    );
  }

  const component = builder.membersOf(anchor);
  const original = (key: string): NodeRow | undefined => rows.get(key) ?? builder.node(key);
  const inComponent = [...new Set(component.map((k) => original(k)?.profileId).filter((p): p is string => p !== undefined))];
  const hasRecord = component.some((k) => original(k)?.kind === 'record');

  let profileId: string | undefined;
  let created = false;
  let merged: string[] = [];
  if (inComponent.length > 0) {
    const ordered = inComponent
      .map((id) => profiles.get(id))
      .filter((p): p is ProfileRow => p !== undefined)
      .sort((a, b) => a.seq - b.seq);
    profileId = ordered[0]?.id ?? inComponent[0];
    merged = inComponent.filter((id) => id !== profileId);
  } else if (hasRecord) {
    profileId = ctx.newProfileId();
    created = true;
    await tx.putProfile({ id: profileId, createdAt: ctx.at, seq: await tx.nextSeq() });
  }

  const writes: NodeRow[] = [];
  const componentSet = new Set(component);
  const given = new Set(nodes.map((n) => n.key));
  for (const key of componentSet) {
    const row = original(key);
    if (row === undefined) continue;
    if (row.profileId !== profileId || given.has(key)) writes.push({ ...row, profileId });
  }
  for (const n of nodes) if (!componentSet.has(n.key)) writes.push(n);
  await tx.putNodes(writes);
  await tx.putEdges(stored);
  if (merged.length > 0) await tx.deleteProfiles(merged);
  return { profileId, created, merged, edges: stored };
}
