import {
  InMemoryContactHistory,
  InMemoryDecisionStore,
  InMemoryPosteriorStore,
  ManualClock,
  SequentialIds,
} from '../../../app/decisioning/memory';
import { createSeededRandom } from '../../../app/decisioning/random/prng';
import { DecisioningService } from '../../../app/decisioning/service';
import { callTask, config, HOUR, NOON_UTC, profile, profileIdWithHoldout, upsellEmail } from './fixtures';

describe('outcome events after identity merges', () => {
  function service() {
    const clock = new ManualClock(NOON_UTC);
    const posteriors = new InMemoryPosteriorStore();
    const decisions = new InMemoryDecisionStore();
    const svc = new DecisioningService({
      clock,
      random: createSeededRandom(5),
      ids: new SequentialIds(),
      posteriors,
      contacts: new InMemoryContactHistory(),
      decisions,
    });
    return { svc, clock, decisions };
  }
  const request = (profileId: string) => ({
    profile: profile({ profileId }),
    catalog: [upsellEmail, callTask],
    config: config({ holdout: { share: 0 } }),
  });

  it('settles a decision made on a profile id that was merged into the live one', async () => {
    const { svc, clock, decisions } = service();
    const merged = profileIdWithHoldout(false);
    const live = `live-${merged}`;
    const before = await svc.decide(request(merged));
    expect(before.action).not.toBeNull();
    clock.advance(HOUR);
    // Only the live id: the decision about the merged id is not found.
    expect(await svc.recordOutcomeEvent(live, 'meeting_booked', clock.now())).toBeNull();
    // With the merged ids (what the identity service knows), it is settled, once.
    const settled = await svc.recordOutcomeEvent([live, merged], 'meeting_booked', clock.now());
    expect(settled).toMatchObject({ ok: true, settlement: { decisionId: before.decisionId, outcome: 'positive' } });
    expect((await decisions.get(before.decisionId))?.settlement?.outcome).toBe('positive');
    expect(await svc.recordOutcomeEvent([live, merged], 'reply', clock.now())).toBeNull();
  });

  it("attributes to the latest decision across all the person's ids (last touch)", async () => {
    const { svc, clock } = service();
    const old = profileIdWithHoldout(false);
    const live = `live-${old}`;
    await svc.decide(request(old));
    clock.advance(HOUR);
    const latest = await svc.decide(request(live));
    clock.advance(HOUR);
    const settled = await svc.recordOutcomeEvent([live, old], 'unsubscribe', clock.now());
    expect(settled).toMatchObject({ ok: true, settlement: { decisionId: latest.decisionId, outcome: 'negative' } });
  });
});
