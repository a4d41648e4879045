/**
 * Confirm or reject a possible match on behalf of a person looking at one profile (card buttons).
 * Same effect as POST /api/v1/possible-matches/:id/confirm|reject, plus a check that the match
 * involves the profile the card shows, so a stale card cannot decide someone else's match.
 */
import { systemClock, type Clock } from '../../app/shared/clock';
import { UnknownIdentifierError } from '../../app/identity/graph/refs';
import type { Database } from '../db/database';
import { HttpError } from '../http/errors';
import type { IdentityService } from './identity.service';
import { currentProfileId, reviewViews, setReviewStatus } from './profiles.repository';

export interface ReviewDecisionResult {
  readonly id: string;
  readonly status: 'confirmed' | 'rejected';
  /** The surviving profile after a confirmation (merge). */
  readonly profileId: string | null;
}

export async function decidePossibleMatch(
  db: Database,
  service: IdentityService,
  input: { tenantId: string; profileId: string; reviewId: string; decision: 'confirm' | 'reject'; actor: string },
  clock: Clock = systemClock,
): Promise<ReviewDecisionResult> {
  const { tenantId, reviewId, decision } = input;
  try {
    return await db.transaction(async (tx) => {
      const resolver = await service.resolver(tx, tenantId);
      const item = (await reviewViews(tx, tenantId, 'r.public_id = $2', [reviewId]))[0];
      if (item === undefined || item.kind === 'conflict')
        throw new HttpError(404, 'not_found', `no possible match ${reviewId} in your tenant`);
      const live = (await currentProfileId(tx, tenantId, input.profileId)) ?? input.profileId;
      if (!item.profiles.includes(live))
        throw new HttpError(409, 'stale', `possible match ${reviewId} does not involve profile ${input.profileId}; refresh the card`);
      if (item.status !== 'open') throw new HttpError(409, 'already_decided', `possible match ${reviewId} was already ${item.status}`);
      if (item.profiles[0] === null || item.profiles[1] === null)
        throw new HttpError(409, 'stale', 'one side of this possible match no longer exists');
      const provenance = { source: input.actor, recordId: reviewId, at: new Date(clock.now()).toISOString() };
      let profileId: string | null = null;
      if (decision === 'confirm')
        profileId = (await resolver.merge({ key: item.a }, { key: item.b }, provenance, 'manual-merge')).profileId ?? null;
      else await resolver.notSamePerson({ key: item.a }, { key: item.b }, provenance);
      const status = decision === 'confirm' ? 'confirmed' : 'rejected';
      await setReviewStatus(tx, tenantId, reviewId, status);
      return { id: reviewId, status, profileId };
    });
  } catch (err) {
    if (err instanceof UnknownIdentifierError) throw new HttpError(400, 'invalid_identifier', err.message);
    throw err;
  }
}
