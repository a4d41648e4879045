import { decide } from '../../../app/decisioning/decide';
import {
  applyPosteriorUpdate,
  attributeEvent,
  expireDecision,
  outcomeForEvent,
  settleDecision,
} from '../../../app/decisioning/learning/outcomes';
import {
  InMemoryContactHistory,
  InMemoryDecisionStore,
  InMemoryPosteriorStore,
  ManualClock,
  SequentialIds,
} from '../../../app/decisioning/memory';
import { createSeededRandom } from '../../../app/decisioning/random/prng';
import { DecisioningService } from '../../../app/decisioning/service';
import { callTask, config, decisionInput, HOUR, NOON_UTC, profile, profileIdWithHoldout, upsellEmail } from './fixtures';

const treated = () =>
  decide(decisionInput({ catalog: [upsellEmail], profile: profile({ profileId: profileIdWithHoldout(false) }) }), createSeededRandom(1));
const heldOut = () =>
  decide(
    decisionInput({
      catalog: [upsellEmail],
      config: config({ holdout: { share: 0.05 } }),
      profile: profile({ profileId: profileIdWithHoldout(true) }),
    }),
    createSeededRandom(1),
  );

describe('outcome attribution and learning', () => {
  it.each([
    ['positive within the window', 'positive' as const, NOON_UTC + HOUR, true],
    ['negative within the window', 'negative' as const, NOON_UTC + 71 * HOUR, true],
    ['after the window closed', 'positive' as const, NOON_UTC + 73 * HOUR, false],
    ['before the decision', 'positive' as const, NOON_UTC - 1, false],
  ])('%s', (_name, outcome, at, accepted) => {
    const result = settleDecision(treated(), outcome, at);
    expect(result.ok).toBe(accepted);
    if (result.ok)
      expect(result.settlement.posteriorUpdate).toEqual({ actionId: 'upsell_email', segment: 'active', positive: outcome === 'positive' });
  });

  it('refuses a second outcome', () => {
    expect(settleDecision(treated(), 'positive', NOON_UTC + HOUR, { alreadySettled: true })).toEqual({
      ok: false,
      reason: 'an outcome was already recorded for this decision',
    });
  });

  it('does not update posteriors for holdout decisions but counts them for lift under the counterfactual action', () => {
    const result = settleDecision(heldOut(), 'positive', NOON_UTC + HOUR);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.settlement.posteriorUpdate).toBeNull();
      expect(result.settlement.lift).toEqual({ group: 'holdout', actionId: 'upsell_email', positive: true, value: 1 });
    }
  });

  it('settles an unanswered decision as negative when its window ends', () => {
    const record = treated();
    expect(expireDecision(record, record.attributionEndsAt)).toBeNull();
    expect(expireDecision(record, record.attributionEndsAt + 1)).toMatchObject({
      outcome: 'negative',
      implicit: true,
      posteriorUpdate: { positive: false },
    });
  });

  it('maps events to outcomes', () => {
    expect(outcomeForEvent('meeting_booked')).toBe('positive');
    expect(outcomeForEvent('unsubscribe')).toBe('negative');
    expect(outcomeForEvent('page_view')).toBeNull();
    expect(outcomeForEvent('toString')).toBeNull();
  });

  it('attributes an event to the latest open decision whose window contains it', () => {
    const a = { ...treated(), decisionId: 'a', decidedAt: NOON_UTC, attributionEndsAt: NOON_UTC + 72 * HOUR };
    const b = { ...treated(), decisionId: 'b', decidedAt: NOON_UTC + 10 * HOUR, attributionEndsAt: NOON_UTC + 82 * HOUR };
    expect(attributeEvent([a, b], NOON_UTC + 5 * HOUR)?.decisionId).toBe('a');
    expect(attributeEvent([a, b], NOON_UTC + 11 * HOUR)?.decisionId).toBe('b');
    expect(attributeEvent([a, b], NOON_UTC + 100 * HOUR)).toBeNull();
  });

  it('adds outcomes to the (action, segment) counts without changing the input table', () => {
    const before = { x: { positives: 1, negatives: 1, segments: { s: { positives: 1, negatives: 1 } } } };
    const after = applyPosteriorUpdate(before, { actionId: 'x', segment: 's', positive: true });
    expect(after.x).toEqual({ positives: 2, negatives: 1, segments: { s: { positives: 2, negatives: 1 } } });
    expect(before.x.positives).toBe(1);
    expect(applyPosteriorUpdate({}, { actionId: 'y', segment: 't', positive: false }).y).toEqual({
      positives: 0,
      negatives: 1,
      segments: { t: { positives: 0, negatives: 1 } },
    });
  });
});

describe('DecisioningService over in-memory ports', () => {
  function service() {
    const clock = new ManualClock(NOON_UTC);
    const posteriors = new InMemoryPosteriorStore();
    const decisions = new InMemoryDecisionStore();
    const contacts = new InMemoryContactHistory();
    const svc = new DecisioningService({ clock, random: createSeededRandom(3), ids: new SequentialIds(), posteriors, contacts, decisions });
    return { svc, clock, posteriors, decisions, contacts };
  }
  const request = (profileId: string) => ({
    profile: profile({ profileId }),
    catalog: [upsellEmail, callTask],
    config: config({ holdout: { share: 0.05 } }),
  });

  it('stores the decision, learns from one outcome only, and reports lift', async () => {
    const { svc, clock, posteriors } = service();
    const record = await svc.decide(request(profileIdWithHoldout(false)));
    expect(record.decisionId).toBe('dec_1');
    clock.advance(HOUR);
    const first = await svc.recordOutcome(record.decisionId, 'positive');
    expect(first.ok).toBe(true);
    const second = await svc.recordOutcome(record.decisionId, 'negative');
    expect(second.ok).toBe(false);
    const chosen = record.action?.id ?? '';
    expect(posteriors.snapshot()[chosen]).toMatchObject({ positives: 1, negatives: 0 });
    expect(await svc.recordOutcome('nope', 'positive')).toEqual({ ok: false, reason: 'not_found' });
    const lift = await svc.lift();
    expect(lift.overall.treated.decisions).toBe(1);
  });

  it('settles from an attributed event, then expires what is left as negative', async () => {
    const { svc, clock, posteriors } = service();
    const a = await svc.decide(request(profileIdWithHoldout(false)));
    const b = await svc.decide(request('someone-else-' + profileIdWithHoldout(false)));
    clock.advance(2 * HOUR);
    const settled = await svc.recordOutcomeEvent(a.profileId, 'reply', clock.now());
    expect(settled?.ok).toBe(true);
    expect(await svc.recordOutcomeEvent(a.profileId, 'page_view', clock.now())).toBeNull();
    clock.advance(100 * HOUR);
    expect(await svc.expireDue()).toBe(b.holdout || b.action !== null ? 1 : 0);
    const total = Object.values(posteriors.snapshot()).reduce((n, e) => n + e.positives + e.negatives, 0);
    expect(total).toBe(b.action !== null && !b.holdout ? 2 : 1);
  });

  it('counts delivered contacts toward frequency caps', async () => {
    const { svc, clock } = service();
    const id = profileIdWithHoldout(false);
    for (let i = 0; i < 2; i++) await svc.recordContact(id, { actionId: 'upsell_email', channel: 'email', at: clock.now() - i * HOUR });
    const record = await svc.decide(request(id));
    expect(record.explanation.find((e) => e.actionId === 'upsell_email')?.blockedBy?.policy).toBe('frequency_cap');
  });
});
