/**
 * What online resolution does for a record that no identifier joined to an existing profile:
 *
 * - Household disambiguation: the record carries an identifier that is shared (a family phone) or
 *   was refused by the name guard. If exactly one of the profiles carrying that identifier has a
 *   given name compatible with the record's, the record joins it (a `household` edge). No name, or
 *   more than one compatible profile: nothing is guessed.
 * - Probabilistic matching: candidates found through the blocking index are scored with the
 *   Fellegi–Sunter model; the best one at or above the link threshold is linked (a `probabilistic`
 *   edge, same policy checks as the batch matcher), pairs between the thresholds become
 *   possible-match review items.
 */
import type { OnlineMatcher } from '../model/online';
import type { Provenance } from '../types';
import { applyEvidence, type ApplyContext } from './apply';
import { edgeId, type EdgeRow, type MatchVector, type ReviewItem } from './model';
import { compatibleNames, hasAnchorEvidence } from './policy';

export interface OnlineLink {
  readonly profileId: string;
  readonly kind: 'household' | 'probabilistic';
  readonly with: string;
  readonly probability?: number;
}

export async function householdLink(
  ctx: ApplyContext,
  rKey: string,
  firstName: string,
  identifierKeys: readonly string[],
  ownProfile: string,
  provenance: Provenance,
): Promise<OnlineLink | undefined> {
  const { tx } = ctx;
  if (identifierKeys.length === 0) return undefined;
  const carriers = (await tx.edgesOf(identifierKeys)).filter((e) => e.kind === 'carries' && e.a !== rKey);
  const records = await tx.getNodes([...new Set(carriers.map((e) => e.a))]);
  const compatible = new Map<string, string>();
  for (const node of records.values()) {
    if (node.profileId === undefined || node.profileId === ownProfile) continue;
    if (node.firstNames.some((n) => compatibleNames(n, firstName))) {
      if (!compatible.has(node.profileId)) compatible.set(node.profileId, node.key);
    }
  }
  if (compatible.size !== 1) return undefined;
  const target = [...compatible.values()][0] as string;
  const edge: EdgeRow = {
    id: edgeId('household', rKey, target),
    kind: 'household',
    a: rKey,
    b: target,
    provenance,
    seq: await tx.nextSeq(),
    status: 'active',
  };
  const applied = await applyEvidence(ctx, rKey, [], [edge]);
  if (applied.edges[0]?.status !== 'active' || applied.profileId === undefined) return undefined;
  return { profileId: applied.profileId, kind: 'household', with: target };
}

export interface ProbabilisticOutcome {
  readonly link: OnlineLink | undefined;
  readonly reviews: readonly ReviewItem[];
}

/** At most this many possible matches are recorded per record. */
const MAX_REVIEWS = 3;

export async function probabilisticLink(
  ctx: ApplyContext,
  matcher: OnlineMatcher,
  rKey: string,
  vector: MatchVector,
  ownProfile: string,
  provenance: Provenance,
): Promise<ProbabilisticOutcome> {
  const { tx } = ctx;
  const keys = matcher.blockingKeys(vector);
  if (keys.length === 0) return { link: undefined, reviews: [] };
  const { linkThreshold, reviewThreshold, maxBlockSize, maxCandidates } = matcher.options;
  const candidates = (await tx.recordsByBlockingKeys(keys, maxBlockSize, maxCandidates)).filter(
    (n) => n.key !== rKey && n.kind === 'record' && n.profileId !== undefined && n.profileId !== ownProfile && n.match !== undefined,
  );
  const scored = candidates
    .map((node) => ({ node, score: matcher.score(vector, node.match as MatchVector) }))
    .filter((s) => s.score.probability >= reviewThreshold)
    .sort((x, y) => y.score.probability - x.score.probability || (x.node.key < y.node.key ? -1 : 1));

  let link: OnlineLink | undefined;
  const possible: typeof scored = [];
  for (const s of scored) {
    const detail = { probability: s.score.probability, fields: s.score.fields };
    if (
      link === undefined &&
      s.score.probability >= linkThreshold &&
      matcher.namesAllowLink(vector, s.node.match as MatchVector) &&
      hasAnchorEvidence(s.score.fields)
    ) {
      const edge: EdgeRow = {
        id: edgeId('probabilistic', rKey, s.node.key),
        kind: 'probabilistic',
        a: rKey,
        b: s.node.key,
        provenance,
        seq: await tx.nextSeq(),
        status: 'active',
        detail,
      };
      const applied = await applyEvidence(ctx, rKey, [], [edge]);
      if (applied.edges[0]?.status === 'active' && applied.profileId !== undefined) {
        link = { profileId: applied.profileId, kind: 'probabilistic', with: s.node.key, probability: s.score.probability };
        continue;
      }
    }
    possible.push(s);
  }
  const finalProfile = link?.profileId ?? ownProfile;
  const seen = new Set<string>([finalProfile]);
  const reviews: ReviewItem[] = [];
  for (const s of possible) {
    const other = (await tx.getNodes([s.node.key])).get(s.node.key)?.profileId;
    if (other === undefined || seen.has(other) || reviews.length >= MAX_REVIEWS) continue;
    seen.add(other);
    reviews.push({
      id: `possible|${rKey}|${s.node.key}`,
      kind: 'possible-match',
      a: rKey,
      b: s.node.key,
      profiles: [finalProfile, other],
      detail: { probability: s.score.probability, fields: s.score.fields },
      provenance,
    });
  }
  if (reviews.length > 0) await tx.addReviews(reviews);
  return { link, reviews };
}
