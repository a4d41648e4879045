/**
 * The identity resolver: the one entry point for every change to the identity graph, used online
 * by the service (one canonical event subject at a time) and by the batch resolver.
 */
import { IdentifierNormalizer, type NormalizedIdentifiers } from '../normalize/identifier';
import { matchVectorOf, type OnlineMatcher } from '../model/online';
import { firstNameOf, normalizeTraits, type DateOrder } from '../normalize/traits';
import type { Identifier, Provenance, RawIdentifier, RejectedIdentifier, Subject, Traits } from '../types';
import { applyEvidence, type ApplyContext } from './apply';
import { explainLink, type Explanation } from './explain';
import {
  edgeId,
  recordKey,
  type EdgeRow,
  type MatchVector,
  type NodeRow,
  type ProbabilisticDetail,
  type RefusalReason,
  type ReviewItem,
} from './model';
import { householdLink, probabilisticLink, type OnlineLink } from './online-links';
import { DEFAULT_POLICY, limitGroupOf, type LinkPolicy } from './policy';
import { recomputeProfiles } from './recompute';
import { nodeKeyOf, UnknownIdentifierError, type NodeRef, type RecordRef } from './refs';
import type { IdentityGraphStore, IdentityGraphTx } from './store';

export interface ResolverOptions {
  readonly store: IdentityGraphStore;
  /** Generates profile ids (injected so tests and batch runs are deterministic). */
  readonly newProfileId: () => string;
  readonly normalizer?: IdentifierNormalizer;
  readonly policy?: LinkPolicy;
  readonly dateOrder?: DateOrder;
  /**
   * Online probabilistic matching (and the blocking index it needs). Without it, online resolution
   * links on identifiers and household names only.
   */
  readonly matcher?: OnlineMatcher;
}

export interface ResolveOptions {
  /** The source record the subject belongs to; defaults to (provenance.source, provenance.recordId). */
  readonly record?: RecordRef;
  /**
   * The subject as this resolver's normalizeSubject() returned it, when the caller already has it
   * (a micro-batch normalises each event once for its record, its plan and its resolution).
   */
  readonly normalized?: NormalizedSubject;
}

/** A subject's traits and identifiers normalised, and what follows from them alone (see normalizeSubject). */
export interface NormalizedSubject {
  readonly traits: Traits;
  readonly normalized: NormalizedIdentifiers;
  readonly first: string | undefined;
  readonly vector: MatchVector | undefined;
  /** The identifiers in link priority order. */
  readonly ids: readonly Identifier[];
  readonly blockingKeys: readonly string[];
}

export interface Refusal {
  readonly identifier: string;
  readonly reason: RefusalReason;
}

export interface ResolveOutcome {
  readonly profileId: string;
  readonly created: boolean;
  /** Profiles merged into `profileId` by this evidence. */
  readonly merged: readonly string[];
  /** Identifier keys newly linked to the profile. */
  readonly linked: readonly string[];
  /** Links refused (limits, name guard, shared identifiers, "not the same person"). */
  readonly refused: readonly Refusal[];
  /** Raw identifiers that are not identifiers (junk, role addresses, invalid, own values). */
  readonly rejected: readonly RejectedIdentifier[];
  /** Identifiers that became shared, and the profiles recomputed because of it. */
  readonly markedShared: readonly string[];
  readonly recomputed: readonly string[];
  readonly reviews: readonly ReviewItem[];
  /** A link made for a record no identifier joined: household name disambiguation or the model. */
  readonly onlineLink?: OnlineLink;
}

/** See IdentityResolver.plan. */
export interface ResolvePlan {
  readonly record: string;
  readonly nodeKeys: readonly string[];
  readonly edgeKeys: readonly string[];
  readonly blockingKeys: readonly string[];
  readonly maxBlockSize: number;
}

export interface ChangeOutcome {
  readonly profiles: readonly string[];
  readonly created: readonly string[];
  readonly removed: readonly string[];
}

export class IdentityResolver {
  readonly normalizer: IdentifierNormalizer;
  private readonly store: IdentityGraphStore;
  private readonly policy: LinkPolicy;
  private readonly newProfileId: () => string;
  private readonly dateOrder: DateOrder;
  private readonly matcher: OnlineMatcher | undefined;

  constructor(options: ResolverOptions) {
    this.store = options.store;
    this.newProfileId = options.newProfileId;
    this.normalizer = options.normalizer ?? new IdentifierNormalizer();
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.dateOrder = options.dateOrder ?? 'dmy';
    this.matcher = options.matcher;
  }

  private ctx(tx: IdentityGraphTx, at: string): ApplyContext {
    return { tx, policy: this.policy, newProfileId: this.newProfileId, at };
  }

  /** Normalises a subject's traits and identifiers (what resolve() does first; pure). */
  normalizeSubject(subject: Subject): NormalizedSubject {
    const traits = normalizeTraits(subject.traits, this.dateOrder);
    const normalized = this.normalizer.normalize(subject.identifiers, { country: traits.country });
    const first = firstNameOf(traits);
    const vector = this.matcher === undefined ? undefined : matchVectorOf(normalized.identifiers, traits);
    const ids = [...normalized.identifiers].sort((a, b) => this.policy.priority[a.type] - this.policy.priority[b.type]);
    // A new record's candidates for probabilistic matching (its vector is all it has).
    const blockingKeys = this.matcher === undefined || vector === undefined ? [] : this.matcher.blockingKeys(vector);
    return { traits, normalized, first, vector, ids, blockingKeys };
  }

  private prepare(subject: Subject, provenance: Provenance, options: ResolveOptions) {
    const { traits, normalized, first, vector, ids, blockingKeys } = options.normalized ?? this.normalizeSubject(subject);
    const record = options.record ?? provenance;
    const rKey = recordKey(record.source, record.recordId);
    const lockKeys = [rKey, ...ids.map((i) => i.key), ...normalized.candidates.map((c) => c.key)];
    const edgeKeys = [rKey, ...ids.map((i) => i.key)];
    return { traits, normalized, first, rKey, vector, ids, lockKeys, edgeKeys, blockingKeys };
  }

  /**
   * What resolve() will read first, for a store that reads a micro-batch of events up front: the
   * nodes, the keys whose edges it reads, and the blocking keys of the record while it is new.
   */
  plan(subject: Subject, provenance: Provenance, options: ResolveOptions = {}): ResolvePlan {
    const p = this.prepare(subject, provenance, options);
    return {
      record: p.rKey,
      nodeKeys: p.lockKeys,
      edgeKeys: p.edgeKeys,
      blockingKeys: p.blockingKeys,
      maxBlockSize: this.matcher?.options.maxBlockSize ?? 0,
    };
  }

  /** Resolves the subject of one event: links its identifiers and returns its profile. */
  async resolve(subject: Subject, provenance: Provenance, options: ResolveOptions = {}): Promise<ResolveOutcome> {
    const { normalized, first, rKey, vector, ids, lockKeys, edgeKeys, blockingKeys } = this.prepare(subject, provenance, options);
    const hints = this.matcher === undefined ? {} : { record: rKey, blockingKeys, maxBlockSize: this.matcher.options.maxBlockSize };
    return this.store.unitOfWork(lockKeys, async (tx) => {
      const ctx = this.ctx(tx, provenance.at);
      // One read for the nodes, the record's prior evidence and the quirk candidates on its identifiers
      // (and, as a hint, what the rest of the unit will probably read).
      const around = await tx.readAround(lockKeys, edgeKeys, hints);
      const existing = around.nodes;
      const nodes: NodeRow[] = [];
      const oldRecord = existing.get(rKey);
      const names = new Set(oldRecord?.firstNames ?? []);
      if (first !== undefined) names.add(first);
      const match = vector === undefined ? oldRecord?.match : { ...oldRecord?.match, ...vector };
      nodes.push({
        key: rKey,
        kind: 'record',
        profileId: oldRecord?.profileId,
        shared: false,
        firstNames: [...names].slice(-4),
        seq: oldRecord?.seq ?? (await tx.nextSeq()),
        ...(match === undefined ? {} : { match }),
      });
      for (const id of [...ids, ...normalized.candidates]) {
        if (!existing.has(id.key) && !nodes.some((n) => n.key === id.key)) nodes.push(await this.identifierNode(tx, id));
      }
      const nearEdges = around.edges;
      const priorEdges = new Map(nearEdges.filter((e) => e.a === rKey || e.b === rKey).map((e) => [e.id, e]));
      const edges: EdgeRow[] = [];
      for (const id of ids) {
        const eid = edgeId('carries', rKey, id.key);
        const prior = priorEdges.get(eid);
        if (prior?.status === 'active') continue;
        edges.push({
          id: eid,
          kind: 'carries',
          a: rKey,
          b: id.key,
          provenance: prior?.provenance ?? provenance,
          seq: prior?.seq ?? (await tx.nextSeq()),
          status: 'active',
        });
      }
      for (const c of normalized.candidates) {
        const eid = edgeId('candidate', rKey, c.key);
        if (!priorEdges.has(eid))
          edges.push({ id: eid, kind: 'candidate', a: rKey, b: c.key, provenance, seq: await tx.nextSeq(), status: 'inactive' });
      }
      const applied = await applyEvidence(ctx, rKey, nodes, edges, existing);
      const profileId = applied.profileId as string;
      const refused = applied.edges.filter((e) => e.kind === 'carries' && e.status !== 'active');
      const candidateEdges = [...nearEdges, ...edges].filter((e) => e.kind === 'candidate');
      const reviews = await this.reviewsFor(tx, rKey, profileId, refused, candidateEdges, provenance);
      const { markedShared, recomputed } = await this.markShared(
        ctx,
        refused.map((e) => e.b),
      );
      let onlineLink: OnlineLink | undefined;
      // The record row as applyEvidence wrote it, unless a recompute moved it since.
      const written = nodes[0] === undefined ? undefined : { ...nodes[0], profileId: applied.profileId };
      const current = recomputed.length > 0 ? (await tx.getNodes([rKey])).get(rKey) : written;
      if (applied.created && current?.profileId !== undefined) {
        const guardedRefusals = refused.filter((e) => e.reason === 'shared' || e.reason === 'name-mismatch').map((e) => e.b);
        if (first !== undefined) onlineLink = await householdLink(ctx, rKey, first, guardedRefusals, current.profileId, provenance);
        if (onlineLink === undefined && this.matcher !== undefined && current.match !== undefined) {
          const outcome = await probabilisticLink(ctx, this.matcher, rKey, current.match, current.profileId, provenance);
          onlineLink = outcome.link;
          reviews.push(...outcome.reviews);
        }
      }
      if (this.matcher !== undefined && current?.match !== undefined && !sameVector(oldRecord?.match, current.match)) {
        await tx.putBlockingKeys(rKey, this.matcher.blockingKeys(current.match));
      }
      const changed = onlineLink !== undefined || recomputed.length > 0;
      const finalProfile = (changed ? (await tx.getNodes([rKey])).get(rKey)?.profileId : current?.profileId) ?? profileId;
      return {
        profileId: finalProfile,
        created: applied.created,
        merged: applied.merged,
        linked: applied.edges.filter((e) => e.kind === 'carries' && e.status === 'active').map((e) => e.b),
        refused: refused.map((e) => ({ identifier: e.b, reason: e.reason ?? 'shared' })),
        rejected: normalized.rejected,
        markedShared,
        recomputed,
        reviews,
        ...(onlineLink === undefined ? {} : { onlineLink }),
      };
    });
  }

  private async identifierNode(tx: IdentityGraphTx, id: Identifier): Promise<NodeRow> {
    return {
      key: id.key,
      kind: 'identifier',
      profileId: undefined,
      type: id.type,
      limitGroup: limitGroupOf(id),
      shared: false,
      firstNames: [],
      seq: await tx.nextSeq(),
    };
  }

  /** Conflicts and quirk candidates touching this record become review items. */
  private async reviewsFor(
    tx: IdentityGraphTx,
    rKey: string,
    profileId: string,
    refused: readonly EdgeRow[],
    candidateEdges: readonly EdgeRow[],
    provenance: Provenance,
  ): Promise<ReviewItem[]> {
    const items: ReviewItem[] = [];
    const touched = await tx.getNodes([...refused.map((e) => e.b)]);
    for (const e of refused) {
      if (e.reason === 'shared' || e.reason === undefined) continue;
      const other = touched.get(e.b)?.profileId;
      items.push({
        id: `conflict|${e.id}`,
        kind: 'conflict',
        a: rKey,
        b: e.b,
        profiles: other ? [profileId, other] : [profileId],
        reason: e.reason,
        provenance,
      });
    }
    const unique = [...new Map(candidateEdges.map((e) => [e.id, e])).values()];
    const ends = await tx.getNodes(unique.flatMap((e) => [e.a, e.b]));
    for (const e of unique) {
      // e.a is the record that produced the candidate, e.b the candidate number.
      const pa = ends.get(e.a)?.profileId;
      const pb = ends.get(e.b)?.profileId;
      if (pa !== undefined && pb !== undefined && pa !== pb) {
        items.push({ id: `quirk|${e.id}`, kind: 'quirk-candidate', a: e.a, b: e.b, profiles: [pa, pb], provenance: e.provenance });
      }
    }
    if (items.length > 0) await tx.addReviews(items);
    return items;
  }

  /** Identifiers carried by records of more than N profiles become shared; their profile is recomputed. */
  private async markShared(ctx: ApplyContext, keys: readonly string[]): Promise<{ markedShared: string[]; recomputed: string[] }> {
    const { tx } = ctx;
    const markedShared: string[] = [];
    const recomputed: string[] = [];
    for (const key of new Set(keys)) {
      const node = (await tx.getNodes([key])).get(key);
      if (node === undefined || node.shared) continue;
      const carriers = (await tx.edgesOf([key])).filter((e) => e.kind === 'carries').map((e) => e.a);
      const profiles = new Set([...(await tx.getNodes(carriers)).values()].map((n) => n.profileId).filter((p) => p !== undefined));
      if (profiles.size <= this.policy.maxProfilesPerIdentifier) continue;
      await tx.putNodes([{ ...node, shared: true }]);
      markedShared.push(key);
      if (node.profileId !== undefined) recomputed.push(...(await recomputeProfiles(ctx, [node.profileId])).profiles);
    }
    return { markedShared, recomputed };
  }

  /** A probabilistic link between two records (batch matcher or online scoring). */
  async linkRecords(
    a: RecordRef,
    b: RecordRef,
    detail: ProbabilisticDetail,
    provenance: Provenance,
  ): Promise<{ profileId: string | undefined; status: EdgeRow['status']; reason?: RefusalReason }> {
    const ka = recordKey(a.source, a.recordId);
    const kb = recordKey(b.source, b.recordId);
    return this.store.unitOfWork([ka, kb], async (tx) => {
      const edge: EdgeRow = {
        id: edgeId('probabilistic', ka, kb),
        kind: 'probabilistic',
        a: ka,
        b: kb,
        provenance,
        seq: await tx.nextSeq(),
        status: 'active',
        detail,
      };
      const applied = await applyEvidence(this.ctx(tx, provenance.at), ka, [], [edge]);
      const stored = applied.edges[0] as EdgeRow;
      return stored.reason === undefined
        ? { profileId: applied.profileId, status: stored.status }
        : { profileId: applied.profileId, status: stored.status, reason: stored.reason };
    });
  }

  /**
   * A CRM merge event, or a person confirming two are one: the two records / identifiers are one
   * person (authoritative, no limits).
   */
  async merge(
    a: NodeRef,
    b: NodeRef,
    provenance: Provenance,
    kind: 'crm-merge' | 'manual-merge' = 'crm-merge',
  ): Promise<{ profileId: string | undefined; merged: readonly string[] }> {
    const ka = nodeKeyOf(a, this.normalizer);
    const kb = nodeKeyOf(b, this.normalizer);
    return this.store.unitOfWork([ka, kb], async (tx) => {
      const existing = await tx.getNodes([ka, kb]);
      const nodes: NodeRow[] = [];
      for (const [ref, key] of [
        [a, ka],
        [b, kb],
      ] as const) {
        if (existing.has(key)) continue;
        if ('key' in ref) throw new UnknownIdentifierError(`no node ${key}`);
        if ('record' in ref)
          nodes.push({ key, kind: 'record', profileId: undefined, shared: false, firstNames: [], seq: await tx.nextSeq() });
        else {
          const id = this.normalizer.normalize([ref.identifier]).identifiers[0];
          if (id !== undefined) nodes.push(await this.identifierNode(tx, id));
        }
      }
      const edge: EdgeRow = {
        id: edgeId(kind, ka, kb, provenance.recordId),
        kind,
        a: ka,
        b: kb,
        provenance,
        seq: await tx.nextSeq(),
        status: 'active',
      };
      const applied = await applyEvidence(this.ctx(tx, provenance.at), ka, nodes, [edge]);
      return { profileId: applied.profileId, merged: applied.merged };
    });
  }

  /** A source record no longer carries an identifier: drop that evidence and recompute. */
  async removeIdentifier(record: RecordRef, identifier: RawIdentifier, at: string): Promise<ChangeOutcome> {
    const rKey = recordKey(record.source, record.recordId);
    const iKey = nodeKeyOf({ identifier }, this.normalizer);
    return this.store.unitOfWork([rKey, iKey], async (tx) => {
      const nodes = await tx.getNodes([rKey, iKey]);
      const profiles = [...nodes.values()].map((n) => n.profileId).filter((p): p is string => p !== undefined);
      await tx.deleteEdges([edgeId('carries', rKey, iKey)]);
      await this.dropOrphans(tx, [iKey]);
      return recomputeProfiles(this.ctx(tx, at), profiles);
    });
  }

  /** A source record was deleted (CRM deletion): drop all its evidence and recompute. */
  async deleteRecord(record: RecordRef, at: string): Promise<ChangeOutcome> {
    const rKey = recordKey(record.source, record.recordId);
    return this.store.unitOfWork([rKey], async (tx) => {
      const node = (await tx.getNodes([rKey])).get(rKey);
      if (node === undefined) return { profiles: [], created: [], removed: [] };
      const edges = await tx.edgesOf([rKey]);
      await tx.deleteEdges(edges.map((e) => e.id));
      await tx.deleteNodes([rKey]);
      await tx.deleteCannotLinksOf([rKey]);
      await tx.deleteReviewsOf([rKey]);
      await this.dropOrphans(
        tx,
        edges.map((e) => (e.a === rKey ? e.b : e.a)),
      );
      return node.profileId === undefined
        ? { profiles: [], created: [], removed: [] }
        : recomputeProfiles(this.ctx(tx, at), [node.profileId]);
    });
  }

  private async dropOrphans(tx: IdentityGraphTx, keys: readonly string[]): Promise<void> {
    const nodes = await tx.getNodes(keys);
    for (const [key, node] of nodes) {
      if (node.kind === 'identifier' && (await tx.edgesOf([key])).length === 0) await tx.deleteNodes([key]);
    }
  }

  /** A person says these two are not the same person: forbid it and recompute. */
  async notSamePerson(a: NodeRef, b: NodeRef, provenance: Provenance): Promise<ChangeOutcome> {
    const ka = nodeKeyOf(a, this.normalizer);
    const kb = nodeKeyOf(b, this.normalizer);
    return this.store.unitOfWork([ka, kb], async (tx) => {
      await tx.addCannotLink({ a: ka, b: kb, provenance });
      const nodes = await tx.getNodes([ka, kb]);
      const profiles = [...nodes.values()].map((n) => n.profileId).filter((p): p is string => p !== undefined);
      return recomputeProfiles(this.ctx(tx, provenance.at), profiles);
    });
  }

  /** The evidence chain that put two nodes in one profile. */
  async explain(a: NodeRef, b: NodeRef): Promise<Explanation> {
    const ka = nodeKeyOf(a, this.normalizer);
    const kb = nodeKeyOf(b, this.normalizer);
    return this.store.unitOfWork([ka, kb], (tx) => explainLink(tx, ka, kb));
  }

  /** The profile a node belongs to, with its member keys. */
  async profileOf(ref: NodeRef): Promise<{ profileId: string; records: string[]; identifiers: string[] } | undefined> {
    const key = nodeKeyOf(ref, this.normalizer);
    return this.store.unitOfWork([key], async (tx) => {
      const profileId = (await tx.getNodes([key])).get(key)?.profileId;
      if (profileId === undefined) return undefined;
      const members = await tx.profileMembers(profileId);
      return {
        profileId,
        records: members
          .filter((m) => m.kind === 'record')
          .map((m) => m.key)
          .sort(),
        identifiers: members
          .filter((m) => m.kind === 'identifier')
          .map((m) => m.key)
          .sort(),
      };
    });
  }

  /** Privacy erasure: removes the profile, its records, identifiers, evidence and reviews. */
  async erase(profileId: string): Promise<{ records: string[]; identifiers: string[] }> {
    return this.store.unitOfWork([], async (tx) => {
      await tx.lockProfiles([profileId]);
      const members = await tx.profileMembers(profileId);
      const keys = members.map((m) => m.key);
      const edges = await tx.edgesOf(keys);
      await tx.deleteEdges(edges.map((e) => e.id));
      await tx.deleteCannotLinksOf(keys);
      await tx.deleteReviewsOf(keys);
      await tx.deleteNodes(keys);
      await tx.deleteProfiles([profileId]);
      const memberSet = new Set(keys);
      await this.dropOrphans(
        tx,
        edges.flatMap((e) => [e.a, e.b]).filter((k) => !memberSet.has(k)),
      );
      return {
        records: members.filter((m) => m.kind === 'record').map((m) => m.key),
        identifiers: members.filter((m) => m.kind === 'identifier').map((m) => m.key),
      };
    });
  }
}

function sameVector(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  if (a === undefined) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
