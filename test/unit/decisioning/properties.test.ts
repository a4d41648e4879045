/**
 * Property tests over random catalogs, profiles, policies and histories:
 * - an action blocked by any policy is never chosen;
 * - a holdout profile never gets an automated action;
 * - the logged selection probability is a probability, and positive for a chosen action.
 */
import fc from 'fast-check';
import { CHANNELS, isAutomatedChannel, type Action } from '../../../app/decisioning/catalog';
import { decide } from '../../../app/decisioning/decide';
import { createSeededRandom } from '../../../app/decisioning/random/prng';
import { type ConsentStatus, type ContactRecord, type SignalObservation } from '../../../app/decisioning/types';
import { config, HOUR, NOON_UTC, profile } from './fixtures';

const actionArb = (index: number): fc.Arbitrary<Action> =>
  fc
    .record({
      channel: fc.constantFrom(...CHANNELS),
      value: fc.double({ min: 0, max: 100, noNaN: true }),
      template: fc.option(fc.constant('tpl'), { nil: undefined }),
      minAge: fc.option(fc.integer({ min: 10, max: 70 }), { nil: undefined }),
    })
    .map(({ channel, value, template, minAge }) => ({
      id: `a${index}`,
      label: `Action ${index}`,
      channel,
      value,
      ...(template !== undefined ? { template } : {}),
      ...(minAge !== undefined ? { eligibility: { '>=': [{ var: 'profile.traits.age' }, minAge] } } : {}),
    }));

const catalogArb = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => actionArb(i))));
const consentArb = fc.constantFrom<ConsentStatus>('opted_in', 'opted_out', 'unknown');
const signalArb: fc.Arbitrary<SignalObservation> = fc.record({
  intent: fc.constantFrom('purchase_intent', 'complaint', 'cancellation', 'unsubscribe', 'billing_issue', 'other'),
  sentiment: fc.double({ min: -1, max: 1, noNaN: true }),
  urgency: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
  at: fc.integer({ min: NOON_UTC - 100 * HOUR, max: NOON_UTC }),
  legalThreat: fc.boolean(),
});
const historyArb: fc.Arbitrary<ContactRecord[]> = fc.array(
  fc.record({
    actionId: fc.constant('old'),
    channel: fc.constantFrom(...CHANNELS),
    at: fc.integer({ min: NOON_UTC - 8 * 24 * HOUR, max: NOON_UTC }),
  }),
  { maxLength: 8 },
);
const evidenceArb = fc.record({ positives: fc.nat(300), negatives: fc.nat(3000) });

const scenarioArb = fc.record({
  catalog: catalogArb,
  profileId: fc.string({ minLength: 1, maxLength: 12 }),
  age: fc.integer({ min: 10, max: 80 }),
  email: consentArb,
  sms: consentArb,
  whatsapp: consentArb,
  signals: fc.array(signalArb, { maxLength: 3 }),
  tickets: fc.array(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      priority: fc.constantFrom('low' as const, 'normal' as const, 'high' as const, 'urgent' as const),
    }),
    { maxLength: 2 },
  ),
  history: historyArb,
  hourOffset: fc.integer({ min: 0, max: 23 }),
  evidence: fc.array(evidenceArb, { minLength: 12, maxLength: 12 }),
  holdoutShare: fc.constantFrom(0, 0.05, 0.5, 1),
  randomControlShare: fc.constantFrom(0, 0.02, 0.5),
  seed: fc.integer(),
  accountValue: fc.integer({ min: 0, max: 100_000 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function run(s: Scenario) {
  const propensities = Object.fromEntries(s.catalog.map((a, i) => [a.id, s.evidence[i] ?? { positives: 0, negatives: 0 }]));
  return decide(
    {
      decisionId: 'prop',
      profile: profile({
        profileId: s.profileId,
        traits: { age: s.age },
        consent: { email: s.email, sms: s.sms, whatsapp: s.whatsapp },
        recentSignals: s.signals,
        openTickets: s.tickets,
        accountValue: s.accountValue,
      }),
      catalog: s.catalog,
      config: config({ holdout: { share: s.holdoutShare }, randomControlShare: s.randomControlShare, selectionRounds: 10 }),
      propensities,
      contactHistory: s.history,
      now: NOON_UTC + s.hourOffset * HOUR,
    },
    createSeededRandom(s.seed),
  );
}

describe('arbitration properties', () => {
  it('never chooses an action that a policy blocked', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const record = run(s);
        if (record.action === null || record.action.builtIn === true) return;
        const entry = record.explanation.find((e) => e.actionId === record.action?.id);
        expect(entry?.fate).toBe('chosen');
        expect(entry?.blockedBy).toBeUndefined();
        for (const e of record.explanation) if (e.fate === 'blocked') expect(e.actionId).not.toBe(record.action.id);
      }),
      { numRuns: 400 },
    );
  });

  it('never gives a holdout profile an automated action', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const record = run(s);
        if (!record.holdout) return;
        if (record.action !== null) {
          expect(isAutomatedChannel(record.action.channel)).toBe(false);
          expect(record.escalation).toBeDefined();
        }
      }),
      { numRuns: 400 },
    );
  });

  it('puts everyone in the holdout at share 1 and no one at share 0', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const record = run(s);
        if (s.holdoutShare === 1) expect(record.holdout).toBe(true);
        if (s.holdoutShare === 0) expect(record.holdout).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('logs a selection probability in (0, 1] and a score that is P × C × V × L', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const record = run(s);
        expect(record.propensity).toBeGreaterThan(0);
        expect(record.propensity).toBeLessThanOrEqual(1 + 1e-12);
        for (const e of record.explanation) {
          if (e.factors === undefined) continue;
          const f = e.factors;
          expect(f.score).toBeCloseTo(f.propensity * f.contextWeight * f.value * f.levers, 9);
        }
      }),
      { numRuns: 200 },
    );
  });
});
