import { decide } from '../../../app/decisioning/decide';
import { toDecisionResponse } from '../../../app/decisioning/record';
import { createSeededRandom } from '../../../app/decisioning/random/prng';
import { type Action } from '../../../app/decisioning/catalog';
import { callTask, config, decisionInput, HOUR, NOON_UTC, profile, profileIdWithHoldout, smsNudge, upsellEmail } from './fixtures';

const rng = () => createSeededRandom('decide');

describe('decide', () => {
  it('returns the chosen action, its selection probability, score and every candidate with P, C, V, L', () => {
    const record = decide(
      decisionInput({
        propensities: {
          upsell_email: { positives: 300, negatives: 700 },
          sms_nudge: { positives: 250, negatives: 750 },
          call_task: { positives: 210, negatives: 790 },
        },
      }),
      rng(),
    );
    expect(record.action?.id).toBe('upsell_email'); // value 50 dominates
    expect(record.mode).toBe('model');
    expect(record.propensity).toBeGreaterThan(0.9);
    expect(record.propensity).toBeLessThanOrEqual(1);
    const chosen = record.explanation.find((e) => e.fate === 'chosen');
    expect(chosen?.actionId).toBe('upsell_email');
    expect(chosen?.rank).toBe(1);
    expect(chosen?.factors).toMatchObject({ value: 50, levers: 1, contextWeight: 1, evidence: 1000 });
    const f = chosen?.factors;
    if (f === undefined) throw new Error('no factors');
    expect(f.score).toBeCloseTo(f.propensity * f.contextWeight * f.value * f.levers, 12);
    expect(record.score).toBe(f.score);
    expect(record.explanation.map((e) => e.fate).sort()).toEqual(['chosen', 'eligible', 'eligible']);
  });

  it('produces exactly the API response shape', () => {
    const response = toDecisionResponse(decide(decisionInput(), rng()));
    expect(Object.keys(response).sort()).toEqual(['action', 'decisionId', 'explanation', 'holdout', 'propensity', 'score']);
    expect(response.action === null || Object.keys(response.action).sort().join() === 'channel,id,label').toBe(true);
  });

  it('is deterministic for the same inputs and seed', () => {
    const a = decide(decisionInput(), createSeededRandom(5));
    const b = decide(decisionInput(), createSeededRandom(5));
    expect(a).toEqual(b);
  });

  it('does not send "Buy now!" to a customer with an open billing ticket (the classic failure)', () => {
    const record = decide(
      decisionInput({
        catalog: [upsellEmail, callTask],
        profile: profile({ openTickets: [{ id: 'Z-1', priority: 'high' }] }),
        context: { signal: { intent: 'billing_issue', sentiment: -0.6, urgency: 'medium', at: NOON_UTC - 3 * 60_000 } },
        propensities: { upsell_email: { positives: 900, negatives: 100 } },
      }),
      rng(),
    );
    expect(record.action?.id).toBe('call_task');
    const upsell = record.explanation.find((e) => e.actionId === 'upsell_email');
    expect(upsell?.fate).toBe('blocked');
    expect(upsell?.blockedBy?.policy).toBe('ticket_suppression');
  });

  it('applies context weights and levers', () => {
    const retention: Action = { id: 'retention', label: 'Retention offer', channel: 'email', value: 10 };
    const upsell: Action = { id: 'upsell', label: 'Upsell', channel: 'email', value: 10 };
    const cfg = config({
      contextWeights: [
        { id: 'cancel-boost', when: { '==': [{ var: 'context.intent' }, 'cancellation'] }, actions: ['retention'], weightPct: 100 },
      ],
      actionSettings: { upsell: { leverPct: -50 } },
      levers: { channels: { email: 10 } },
    });
    const record = decide(decisionInput({ catalog: [retention, upsell], config: cfg, context: { intent: 'cancellation' } }), rng());
    const byId = Object.fromEntries(record.explanation.map((e) => [e.actionId, e.factors]));
    expect(byId.retention).toMatchObject({ contextWeight: 2, levers: 1.1, contextRules: ['cancel-boost'] });
    expect(byId.upsell).toMatchObject({ contextWeight: 1, levers: 0.6 });
  });

  it('defers the chosen action to the end of quiet hours instead of dropping it', () => {
    const night = Date.parse('2025-06-03T21:30:00Z'); // 23:30 in Berlin
    const record = decide(decisionInput({ catalog: [upsellEmail], now: night }), rng());
    expect(record.action?.id).toBe('upsell_email');
    expect(record.action?.deliverAt).toBe(Date.parse('2025-06-04T06:00:00Z'));
    expect(record.explanation[0]?.deferredUntil).toBe(Date.parse('2025-06-04T06:00:00Z'));
  });

  it('gives a holdout profile no action, records the counterfactual and a propensity of 1', () => {
    const cfg = config({ holdout: { share: 0.05 } });
    const record = decide(decisionInput({ config: cfg, profile: profile({ profileId: profileIdWithHoldout(true) }) }), rng());
    expect(record.holdout).toBe(true);
    expect(record.mode).toBe('holdout');
    expect(record.action).toBeNull();
    expect(record.counterfactualActionId).not.toBeNull();
    expect(record.propensity).toBe(1);
    expect(record.notes.join(' ')).toMatch(/holdout/);
  });

  it('escalates a high-risk message to a person even with no task in the catalog (and even in holdout)', () => {
    const cfg = config({ holdout: { share: 0.05 } });
    const record = decide(
      decisionInput({
        catalog: [upsellEmail, smsNudge],
        config: cfg,
        profile: profile({ profileId: profileIdWithHoldout(true) }),
        context: { signal: { intent: 'billing_issue', sentiment: -0.9, urgency: 'high', at: NOON_UTC - HOUR, legalThreat: true } },
      }),
      rng(),
    );
    expect(record.mode).toBe('escalation');
    expect(record.action).toMatchObject({ id: 'baton.escalate_to_human', channel: 'task', builtIn: true });
    expect(record.escalation?.kind).toBe('legal_threat');
    expect(record.explanation.every((e) => e.fate === 'blocked')).toBe(true);
  });

  it('prefers a catalog task over the built-in escalation when one is eligible', () => {
    const record = decide(
      decisionInput({
        profile: profile({
          accountValue: 80_000,
          recentSignals: [{ intent: 'cancellation', sentiment: -0.2, urgency: 'medium', at: NOON_UTC - HOUR }],
        }),
      }),
      rng(),
    );
    expect(record.action?.id).toBe('call_task');
    expect(record.escalation?.kind).toBe('high_value_cancellation');
  });

  it('says when nothing is eligible', () => {
    const record = decide(decisionInput({ catalog: [smsNudge], profile: profile({ consent: {} }) }), rng());
    expect(record.mode).toBe('no_action');
    expect(record.action).toBeNull();
    expect(record.score).toBeNull();
    expect(record.notes).toContain('no action passed the policies');
  });

  it('starts working on day one with a fresh catalog (all actions new and capped)', () => {
    const catalog: Action[] = Array.from({ length: 20 }, (_, i) => ({ id: `new_${i}`, label: `New ${i}`, channel: 'email', value: 1 }));
    const generator = createSeededRandom('day-one');
    for (let i = 0; i < 200; i++) {
      const record = decide(
        decisionInput({ catalog, now: NOON_UTC + i * 1000, profile: profile({ profileId: profileIdWithHoldout(false) }) }),
        generator,
      );
      expect(record.action).not.toBeNull();
    }
  });

  it('sets the attribution window end from the config', () => {
    const record = decide(decisionInput({ config: config({ attributionWindowHours: 24 }) }), rng());
    expect(record.attributionEndsAt).toBe(NOON_UTC + 24 * HOUR);
  });
});

describe('context signal', () => {
  it('accepts an ISO timestamp and ignores a malformed signal', () => {
    const iso = decide(
      decisionInput({
        catalog: [upsellEmail, callTask],
        context: { signal: { intent: 'complaint', sentiment: -0.9, urgency: 'high', at: new Date(NOON_UTC - HOUR).toISOString() } },
      }),
      createSeededRandom(1),
    );
    expect(iso.escalation?.kind).toBe('complaint_high_urgency');
    const junk = decide(
      decisionInput({ catalog: [upsellEmail], context: { signal: { intent: 'complaint', urgency: 'extreme' } } }),
      createSeededRandom(1),
    );
    expect(junk.escalation).toBeUndefined();
    expect(junk.action?.id).toBe('upsell_email');
  });
});
