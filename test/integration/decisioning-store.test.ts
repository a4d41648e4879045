import { createDecisioning, type Decisioning } from '../../server/decisioning/decisioning';
import { saveCatalog, savePolicies } from '../../server/decisioning/settings.repository';
import type { Signals } from '../../app/signals';
import { interpretEvent } from '../../server/decisioning/event-interpretation';
import { applyEventToProfile, eventSignals, loadSnapshot } from '../../server/decisioning/profile-state.repository';
import {
  contactRecord,
  PreloadedContactHistory,
  PreloadedPosteriorStore,
  propensityTable,
  SqlContactHistory,
  SqlDecisionStore,
  SqlPosteriorStore,
} from '../../server/decisioning/stores.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

for (const backend of backends) {
  describeWith(backend.needs, `decisioning SQL stores (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;
    let otherTenant: string;
    let now = Date.parse('2026-11-23T10:00:00Z');
    let d0: Decisioning;

    beforeAll(async () => {
      t = await backend.open();
      tenantId = (await createTenant(t.db, 'Stores A')).tenantId;
      otherTenant = (await createTenant(t.db, 'Stores B')).tenantId;
      d0 = createDecisioning(t.db, { now: () => now });
      await t.db.transaction((tx) => saveCatalog(tx, tenantId, [{ id: 'nudge', label: 'Nudge', channel: 'task', value: 5 }]));
      await savePolicies(t.db, tenantId, { holdout: { share: 0 }, randomControlShare: 0, attributionWindowHours: 24 });
    });
    afterAll(async () => t.cleanup());

    it('increments posteriors atomically under concurrent updates, per tenant', async () => {
      const store = new SqlPosteriorStore(t.db, tenantId);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.apply({ actionId: 'x', segment: i % 2 === 0 ? 'lead' : 'active', positive: i % 4 === 0 }),
        ),
      );
      const table = await store.load(['x', 'unknown']);
      expect(table['x']).toEqual({
        positives: 5,
        negatives: 15,
        segments: { lead: { positives: 5, negatives: 5 }, active: { positives: 0, negatives: 10 } },
      });
      expect(table['unknown']).toBeUndefined();
      expect(await new SqlPosteriorStore(t.db, otherTenant).load(['x'])).toEqual({});
    });

    it('settles a decision once even when outcomes race', async () => {
      const d = await d0.decide.decide(tenantId, 'prof_race', {}, { origin: 'api' });
      expect(d.record.action?.id).toBe('nudge');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          d0.outcomes.recordOutcome(tenantId, d.record.decisionId, i % 2 === 0 ? 'positive' : 'negative'),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const evidence = await new SqlPosteriorStore(t.db, tenantId).load(['nudge']);
      expect((evidence['nudge']?.positives ?? 0) + (evidence['nudge']?.negatives ?? 0)).toBe(1);
      expect(await new SqlDecisionStore(t.db, otherTenant).get(d.record.decisionId)).toBeUndefined();
    });

    it('returns the logged decision for a repeated idempotency key', async () => {
      const [a, b] = await Promise.all([
        d0.decide.decide(tenantId, 'prof_key', { goal: 'x' }, { origin: 'run', idempotencyKey: 'run:k1' }),
        d0.decide.decide(tenantId, 'prof_key', { goal: 'x' }, { origin: 'run', idempotencyKey: 'run:k1' }),
      ]);
      expect(a.record.decisionId).toBe(b.record.decisionId);
      const n = await t.db.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM decisions WHERE tenant_id = $1 AND idempotency_key = 'run:k1'`,
        [tenantId],
      );
      expect(Number(n.rows[0]?.n)).toBe(1);
    });

    it('settles decisions past their attribution window as no response, and lift counts them', async () => {
      const d = await d0.decide.decide(tenantId, 'prof_silent', {}, { origin: 'pipeline' });
      expect(await d0.outcomes.expireDue()).toBe(0);
      now += 25 * HOUR;
      expect(await d0.outcomes.expireDue()).toBeGreaterThanOrEqual(1);
      const stored = await d0.decisions.get(t.db, tenantId, d.record.decisionId);
      expect(stored?.settlement).toMatchObject({ outcome: 'negative', implicit: true });
      const late = await d0.outcomes.recordOutcome(tenantId, d.record.decisionId, 'positive');
      expect(late.ok).toBe(false);
      const lift = await d0.outcomes.lift(tenantId, 0.95);
      expect(lift.overall.treated.decisions).toBeGreaterThanOrEqual(2);
    });

    it('keeps the first holdout assignment of a profile', async () => {
      await savePolicies(t.db, tenantId, { holdout: { share: 1 }, randomControlShare: 0 });
      d0.settings.invalidate(tenantId);
      const held = await d0.decide.decide(tenantId, 'prof_held', {}, { origin: 'api' });
      expect([held.record.holdout, held.record.action]).toEqual([true, null]);
      await savePolicies(t.db, tenantId, { holdout: { share: 0 }, randomControlShare: 0 });
      d0.settings.invalidate(tenantId);
      const again = await d0.decide.decide(tenantId, 'prof_held', {}, { origin: 'api' });
      expect(again.record.holdout).toBe(true);
      expect(again.record.notes.join(' ')).toMatch(/holdout group \(assigned at first decision/);
      const fresh = await d0.decide.decide(tenantId, 'prof_new', {}, { origin: 'api' });
      expect(fresh.record.holdout).toBe(false);
    });

    it('reads posteriors and contacts with the snapshot exactly as the SQL stores read them; other asks go to the stores', async () => {
      const posteriors = new SqlPosteriorStore(t.db, tenantId);
      await posteriors.apply({ actionId: 'ahead-a', segment: 'lead', positive: true });
      await posteriors.apply({ actionId: 'ahead-a', segment: 'active', positive: false });
      await posteriors.apply({ actionId: 'ahead-b', segment: 'lead', positive: false });
      await new SqlPosteriorStore(t.db, otherTenant).apply({ actionId: 'ahead-a', segment: 'lead', positive: true });
      const contacts = new SqlContactHistory(t.db, tenantId, ['prof_ahead', 'prof_ahead_old']);
      const day = 24 * HOUR;
      await contacts.recordDelivery('prof_ahead', 'dec_1', { actionId: 'ahead-a', channel: 'email', at: now - 2 * day });
      await contacts.recordDelivery('prof_ahead_old', 'dec_2', { actionId: 'ahead-b', channel: 'task', at: now - day });
      await contacts.recordDelivery('prof_ahead', 'dec_3', { actionId: 'ahead-a', channel: 'email', at: now - 9 * day });
      await contacts.recordDelivery('prof_other', 'dec_4', { actionId: 'ahead-a', channel: 'email', at: now - day });

      const actionIds = ['ahead-a', 'ahead-b', 'ahead-none'];
      const since = now - 7 * day;
      const read = await loadSnapshot(t.db, tenantId, ['prof_ahead', 'prof_ahead_old'], now, { actionIds, contactsSince: since });
      expect(propensityTable(read.posteriors ?? [])).toEqual(await posteriors.load(actionIds));
      const viaStore = await contacts.recent('prof_ahead', since);
      expect(viaStore.map((c) => c.actionId)).toEqual(['ahead-a', 'ahead-b']);
      expect((read.contacts ?? []).map(contactRecord)).toEqual(viaStore);
      // Without the ask the snapshot's statement reads neither.
      const plain = await loadSnapshot(t.db, tenantId, ['prof_ahead'], now);
      expect(plain.posteriors).toBeUndefined();
      expect(plain.contacts).toBeUndefined();

      // Served from what was read ahead: the same actions, the same person at or after the time read from.
      const fallbackCalls: string[] = [];
      const spyPosteriors = {
        load: (ids: readonly string[]) => (fallbackCalls.push(`load ${ids.join(',')}`), posteriors.load(ids)),
        apply: (u: Parameters<SqlPosteriorStore['apply']>[0]) => (fallbackCalls.push(`apply ${u.actionId}`), posteriors.apply(u)),
      };
      const spyContacts = {
        recent: (p: string, at: number) => (fallbackCalls.push(`recent ${p}`), contacts.recent(p, at)),
        append: (p: string, c: Parameters<SqlContactHistory['append']>[1]) => (fallbackCalls.push(`append ${p}`), contacts.append(p, c)),
      };
      const pre = new PreloadedPosteriorStore(actionIds, propensityTable(read.posteriors ?? []), spyPosteriors);
      const preContacts = new PreloadedContactHistory('prof_ahead', since, (read.contacts ?? []).map(contactRecord), spyContacts);
      expect(await pre.load(actionIds)).toEqual(await posteriors.load(actionIds));
      expect((await preContacts.recent('prof_ahead', now - 1.5 * day)).map((c) => c.actionId)).toEqual(['ahead-b']);
      expect(fallbackCalls).toEqual([]);
      // Anything else is asked of the stores.
      await pre.load(['ahead-a']);
      expect((await preContacts.recent('prof_ahead', now - 10 * day)).map((c) => c.actionId)).toEqual(['ahead-a', 'ahead-a', 'ahead-b']);
      await preContacts.recent('prof_other', since);
      await pre.apply({ actionId: 'ahead-b', segment: 'lead', positive: true });
      await preContacts.append('prof_ahead', { actionId: 'ahead-b', channel: 'task', at: now });
      expect(fallbackCalls).toEqual(['load ahead-a', 'recent prof_ahead', 'recent prof_other', 'apply ahead-b', 'append prof_ahead']);
    });

    it("stores an event's signals with its first application, once: a second application stores and applies nothing", async () => {
      const at = now - HOUR;
      const facts = { type: 'message.received', source: 'api', at, text: 'I want to buy 20 seats', properties: {}, traits: {} };
      const first: Signals = {
        intent: 'purchase_intent',
        intentConfidence: 0.9,
        sentiment: 0.6,
        sentimentLabel: 'positive',
        urgency: 'high',
        language: 'en',
      };
      for (const id of ['evt_sig_1', 'evt_sig_2'])
        await t.db.query(
          `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text, properties)
           VALUES ($1, $2, 'api', $2, 'message.received', $3, '{}'::jsonb, $4, '{}'::jsonb)`,
          [tenantId, id, new Date(at).toISOString(), facts.text],
        );
      const row = (signals: Signals) => ({
        tenantId,
        eventId: 'evt_sig_1',
        profileId: 'prof_sig',
        occurredAt: at,
        signals,
        legalThreat: false,
        channel: 'email',
        extractor: 'offline',
      });
      const applied = await t.db.transaction((tx) =>
        applyEventToProfile(tx, {
          tenantId,
          profileId: 'prof_sig',
          eventId: 'evt_sig_1',
          at,
          traits: {},
          signals: first,
          meaning: interpretEvent(facts, first),
          storeSignals: row(first),
        }),
      );
      expect(applied?.signalsStored).toBe(true);
      expect(applied?.state.hotness.score).toBeGreaterThan(0);
      expect(await eventSignals(t.db, tenantId, 'evt_sig_1')).toMatchObject({ intent: 'purchase_intent', sentiment: 0.6, urgency: 'high' });
      // The same event again (a redelivery with other signals): nothing applied, the first signals kept.
      const other: Signals = { ...first, intent: 'complaint', sentiment: -0.7, sentimentLabel: 'negative' };
      const again = await t.db.transaction((tx) =>
        applyEventToProfile(tx, {
          tenantId,
          profileId: 'prof_sig',
          eventId: 'evt_sig_1',
          at,
          traits: {},
          signals: other,
          meaning: interpretEvent(facts, other),
          storeSignals: row(other),
        }),
      );
      expect(again).toBeNull();
      expect(await eventSignals(t.db, tenantId, 'evt_sig_1')).toMatchObject({ intent: 'purchase_intent', sentiment: 0.6 });
      // A failed transaction stores neither the application nor the signals.
      await expect(
        t.db.transaction(async (tx) => {
          await applyEventToProfile(tx, {
            tenantId,
            profileId: 'prof_sig',
            eventId: 'evt_sig_2',
            at,
            traits: {},
            signals: first,
            meaning: interpretEvent(facts, first),
            storeSignals: { ...row(first), eventId: 'evt_sig_2' },
          });
          throw new Error('the outcome failed');
        }),
      ).rejects.toThrow('the outcome failed');
      expect(await eventSignals(t.db, tenantId, 'evt_sig_2')).toBeNull();
    });
  });
}
