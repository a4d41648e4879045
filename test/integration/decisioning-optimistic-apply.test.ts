/**
 * The one-statement application of an event to a person's journey state (applyEventOptimistic, issue
 * #16) against the transactional one (applyEventToProfile): the same state, transitions and marks; a
 * row changed since it was read, created meanwhile, or an event applied meanwhile to another row leaves
 * nothing written ('stale'), so the pipeline falls back to the transaction.
 */
import type { Signals } from '../../app/signals';
import { isPrepared } from '../../server/db/database';
import { createDecisioning } from '../../server/decisioning/decisioning';
import { interpretEvent, type EventFacts } from '../../server/decisioning/event-interpretation';
import { saveCatalog, savePolicies } from '../../server/decisioning/settings.repository';
import { SqlDecisionStore } from '../../server/decisioning/stores.repository';
import {
  applyEventOptimistic,
  applyEventToProfile,
  appliesOptimistically,
  eventSignals,
  loadState,
  loadStatesForApply,
  mayBeOpenAt,
  loadTransitions,
  type ApplyInput,
  type ProfileState,
} from '../../server/decisioning/profile-state.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(120_000);

const T0 = Date.parse('2026-11-23T10:00:00Z');
const BUY: Signals = {
  intent: 'purchase_intent',
  intentConfidence: 0.9,
  sentiment: 0.6,
  sentimentLabel: 'positive',
  urgency: 'high',
  language: 'en',
};

/** The events of one person's story: a first message, a CRM lifecycle change, a buying message with traits. */
function story(): { id: string; facts: EventFacts; signals: Signals | null }[] {
  const fact = (
    at: number,
    type: string,
    properties: Record<string, unknown>,
    traits: Record<string, unknown>,
    text: string | null,
  ): EventFacts => ({
    type,
    source: 'api',
    at,
    text,
    properties,
    traits,
  });
  return [
    { id: 'e1', facts: fact(T0, 'message.received', {}, { firstName: 'Ana' }, 'Hello there'), signals: null },
    { id: 'e2', facts: fact(T0 + 60_000, 'contact.updated', { lifecycleStage: 'opportunity' }, {}, null), signals: null },
    { id: 'e3', facts: fact(T0 + 120_000, 'message.received', {}, { company: 'Acme' }, 'I want to buy 20 seats'), signals: BUY },
  ];
}

/** As the pipeline asks: an outcome (an inbound message is a reply) with the person's ids for its open decisions. */
const input = (tenantId: string, profileId: string, eventId: string, facts: EventFacts, signals: Signals | null): ApplyInput => {
  const meaning = interpretEvent(facts, signals);
  return {
    tenantId,
    profileId,
    eventId: `${profileId}-${eventId}`,
    at: facts.at,
    traits: facts.traits,
    signals,
    meaning,
    ...(meaning.outcome === null ? {} : { openDecisionsOf: [profileId] }),
  };
};

const comparable = (s: ProfileState | null): Omit<ProfileState, 'profileId' | 'updatedAt'> | null => {
  if (s === null) return null;
  const { profileId: _p, updatedAt: _u, ...rest } = s;
  return rest;
};

for (const backend of backends) {
  describeWith(backend.needs, `optimistic journey-state apply (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;

    beforeAll(async () => {
      t = await backend.open();
      tenantId = (await createTenant(t.db, 'Optimistic apply')).tenantId;
      await t.db.transaction((tx) => saveCatalog(tx, tenantId, [{ id: 'nudge', label: 'Nudge', channel: 'task', value: 5 }]));
      await savePolicies(t.db, tenantId, { holdout: { share: 0 }, randomControlShare: 0, attributionWindowHours: 24 });
    });
    afterAll(async () => t.cleanup());

    const applied = async (eventIds: readonly string[]): Promise<string[]> =>
      (
        await t.db.query<{ event_id: string }>(
          'SELECT event_id FROM decisioning_applied_events WHERE tenant_id = $1 AND event_id = ANY($2::text[]) ORDER BY event_id',
          [tenantId, [...eventIds]],
        )
      ).rows.map((r) => r.event_id);

    it('writes what the transaction writes, one statement an event, each against the version the last one returned', async () => {
      let known = (await loadStatesForApply(t.db, tenantId, ['p-opt'], [], T0)).states.get('p-opt') ?? null;
      expect(known).toBeNull();
      for (const e of story()) {
        const opt = input(tenantId, 'p-opt', e.id, e.facts, e.signals);
        expect(appliesOptimistically(opt)).toBe(true);
        const r = await applyEventOptimistic(t.db, opt, known);
        if (r === 'stale') throw new Error(`${e.id} went stale`);
        const tx = await t.db.transaction((q) => applyEventToProfile(q, input(tenantId, 'p-tx', e.id, e.facts, e.signals)));
        expect(tx).not.toBeNull();
        expect(r.stageChanged).toBe(tx?.stageChanged);
        expect(comparable(r.state)).toEqual(comparable(tx?.state ?? null));
        // The state handed on is the row as stored, and the version is the row's.
        const reread = (await loadStatesForApply(t.db, tenantId, ['p-opt'], [], T0)).states.get('p-opt');
        expect(reread?.version).toBe(r.version);
        expect(comparable(reread?.state ?? null)).toEqual(comparable(r.state));
        known = { state: r.state, version: r.version };
      }
      expect(comparable(await loadState(t.db, tenantId, ['p-opt']))).toEqual(comparable(await loadState(t.db, tenantId, ['p-tx'])));
      const shape = (ts: Awaited<ReturnType<typeof loadTransitions>>) =>
        ts.map((x) => [x.from, x.to, x.ruleId, x.at, x.eventId?.split('-').pop()]);
      const optTransitions = await loadTransitions(t.db, tenantId, 'p-opt');
      expect(optTransitions.length).toBeGreaterThanOrEqual(2);
      expect(shape(optTransitions)).toEqual(shape(await loadTransitions(t.db, tenantId, 'p-tx')));
      expect(await applied(['p-opt-e1', 'p-opt-e2', 'p-opt-e3'])).toEqual(['p-opt-e1', 'p-opt-e2', 'p-opt-e3']);
      const marks = await loadStatesForApply(t.db, tenantId, [], ['p-opt-e2', 'p-opt-e9'], T0);
      expect([...marks.applied]).toEqual(['p-opt-e2']);
    });

    it('stores the signals once with the first write (first writer wins)', async () => {
      const [, , e3] = story();
      if (e3 === undefined) throw new Error('story');
      await t.db.query(
        `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text, properties)
         VALUES ($1, 'p-sig-e3', 'api', 'p-sig-e3', 'message.received', $2, '{}'::jsonb, $3, '{}'::jsonb)`,
        [tenantId, new Date(e3.facts.at).toISOString(), e3.facts.text],
      );
      const row = (signals: Signals) => ({
        tenantId,
        eventId: 'p-sig-e3',
        profileId: 'p-sig',
        occurredAt: e3.facts.at,
        signals,
        legalThreat: false,
        channel: null,
        extractor: 'offline',
      });
      const r = await applyEventOptimistic(t.db, { ...input(tenantId, 'p-sig', 'e3', e3.facts, BUY), storeSignals: row(BUY) }, null);
      expect(r !== 'stale' && r.signalsStored).toBe(true);
      expect(await eventSignals(t.db, tenantId, 'p-sig-e3')).toMatchObject({ intent: 'purchase_intent', sentiment: 0.6 });
    });

    it("answers 'stale' and writes nothing when the row changed since it was read", async () => {
      const [e1, e2, e3] = story();
      if (e1 === undefined || e2 === undefined || e3 === undefined) throw new Error('story');
      await t.db.transaction((q) => applyEventToProfile(q, input(tenantId, 'p-stale', e1.id, e1.facts, e1.signals)));
      const read = (await loadStatesForApply(t.db, tenantId, ['p-stale'], [], T0)).states.get('p-stale') ?? null;
      expect(read).not.toBeNull();
      // Another writer moves the row on (a second batch, the API).
      await t.db.transaction((q) => applyEventToProfile(q, input(tenantId, 'p-stale', e2.id, e2.facts, e2.signals)));
      const before = await loadState(t.db, tenantId, ['p-stale']);
      const transitionsBefore = await loadTransitions(t.db, tenantId, 'p-stale');
      expect(await applyEventOptimistic(t.db, input(tenantId, 'p-stale', e3.id, e3.facts, e3.signals), read)).toBe('stale');
      expect(await loadState(t.db, tenantId, ['p-stale'])).toEqual(before);
      expect(await loadTransitions(t.db, tenantId, 'p-stale')).toEqual(transitionsBefore);
      expect(await applied(['p-stale-e3'])).toEqual([]);
    });

    it("answers 'stale' when the row it found missing was created meanwhile", async () => {
      const [e1, e2] = story();
      if (e1 === undefined || e2 === undefined) throw new Error('story');
      await t.db.transaction((q) => applyEventToProfile(q, input(tenantId, 'p-new', e1.id, e1.facts, e1.signals)));
      const before = await loadState(t.db, tenantId, ['p-new']);
      expect(await applyEventOptimistic(t.db, input(tenantId, 'p-new', e2.id, e2.facts, e2.signals), null)).toBe('stale');
      expect(await loadState(t.db, tenantId, ['p-new'])).toEqual(before);
      expect(await applied(['p-new-e2'])).toEqual([]);
    });

    it('undoes its write when the event was applied meanwhile to another row (another profile id of the person)', async () => {
      const [e1, e2] = story();
      if (e1 === undefined || e2 === undefined) throw new Error('story');
      await t.db.transaction((q) => applyEventToProfile(q, input(tenantId, 'p-live', e1.id, e1.facts, e1.signals)));
      const read = (await loadStatesForApply(t.db, tenantId, ['p-live'], [], T0)).states.get('p-live') ?? null;
      // The same event, applied first under the person's other (merged) id.
      const shared = { ...input(tenantId, 'p-merged', e2.id, e2.facts, e2.signals), eventId: 'shared-e2' };
      expect(await t.db.transaction((q) => applyEventToProfile(q, shared))).not.toBeNull();
      const before = await loadState(t.db, tenantId, ['p-live']);
      expect(await applyEventOptimistic(t.db, { ...shared, profileId: 'p-live' }, read)).toBe('stale');
      expect(await loadState(t.db, tenantId, ['p-live'])).toEqual(before);
      expect((await loadTransitions(t.db, tenantId, 'p-live')).map((x) => x.eventId)).not.toContain('shared-e2');
    });

    it("answers 'stale' for an outcome while a decision is open for it to settle (the transaction settles it)", async () => {
      const [e1, , e3] = story();
      if (e1 === undefined || e3 === undefined) throw new Error('story');
      const first = await applyEventOptimistic(t.db, input(tenantId, 'p-out', e1.id, e1.facts, e1.signals), null);
      if (first === 'stale') throw new Error('first went stale');
      const decision = await createDecisioning(t.db, { now: () => T0 + 60_000 }).decide.decide(tenantId, 'p-out', {}, { origin: 'api' });
      expect(decision.record.action?.id).toBe('nudge');
      const reply = input(tenantId, 'p-out', e3.id, e3.facts, e3.signals);
      expect(reply.meaning.outcome).toBe('reply');
      // The batch's read tells it beforehand: an open decision (its window still open after the event).
      const hint = await loadStatesForApply(t.db, tenantId, ['p-out', 'p-opt'], [], e3.facts.at);
      // With the span its open decisions cover: from the decision to the end of its window.
      expect([...hint.open]).toEqual([['p-out', { from: decision.record.decidedAt, until: decision.record.attributionEndsAt }]]);
      expect(mayBeOpenAt(hint.open.get('p-out'), e3.facts.at)).toBe(true);
      expect(mayBeOpenAt(hint.open.get('p-out'), decision.record.decidedAt - 1)).toBe(false);
      expect(mayBeOpenAt(hint.open.get('p-out'), decision.record.attributionEndsAt + 1)).toBe(false);
      expect(mayBeOpenAt(hint.open.get('p-opt'), e3.facts.at)).toBe(false);
      expect((await loadStatesForApply(t.db, tenantId, ['p-out'], [], T0 + 100 * 3_600_000)).open.size).toBe(0);
      const before = await loadState(t.db, tenantId, ['p-out']);
      // The outcome's statement is kept prepared: the open-decision check is a function that plans its read per call (migration 032).
      const sent: string[] = [];
      const watched = { query: <Row>(sql: string, params?: readonly unknown[]) => (sent.push(sql), t.db.query<Row>(sql, params)) };
      expect(await applyEventOptimistic(watched, reply, { state: first.state, version: first.version })).toBe('stale');
      expect(sent.map(isPrepared)).toEqual([true]);
      expect(sent[0]).toContain('decisions_open_exists');
      expect(await loadState(t.db, tenantId, ['p-out'])).toEqual(before);
      expect(await applied(['p-out-e3'])).toEqual([]);
      // Once the decision is settled (an outcome recorded), nothing is open: the reply applies in one statement.
      await t.db.query(
        `INSERT INTO decision_outcomes (tenant_id, decision_id, outcome, value, at, implicit, settlement) VALUES ($1, $2, 'positive', 1, $3, true, '{}')`,
        [tenantId, decision.record.decisionId, new Date(e3.facts.at).toISOString()],
      );
      const settled = await applyEventOptimistic(t.db, reply, { state: first.state, version: first.version });
      expect(settled === 'stale' ? 'stale' : 'applied').toBe('applied');
      expect(await applied(['p-out-e3'])).toEqual(['p-out-e3']);
      // Without the person's ids it cannot look: not for this path.
      const { openDecisionsOf: _ids, ...blind } = reply;
      expect(appliesOptimistically(blind)).toBe(false);
    });

    it("the transaction's outcome apply reads openFor's decisions in its first statement, kept prepared (migration 034)", async () => {
      const [e1, , e3] = story();
      if (e1 === undefined || e3 === undefined) throw new Error('story');
      await t.db.transaction((q) => applyEventToProfile(q, input(tenantId, 'p-txo', e1.id, e1.facts, e1.signals)));
      const decide = (at: number): Promise<unknown> =>
        createDecisioning(t.db, { now: () => at }).decide.decide(tenantId, 'p-txo', {}, { origin: 'api' });
      await decide(T0 + 30_000);
      await decide(T0 + 90_000);
      // Another person's decision and one decided after the reply are not among them.
      await createDecisioning(t.db, { now: () => T0 + 30_000 }).decide.decide(tenantId, 'p-other', {}, { origin: 'api' });
      await decide(e3.facts.at + 60_000);
      const expected = await new SqlDecisionStore(t.db, tenantId).openFor(['p-txo'], e3.facts.at);
      expect(expected.map((d) => d.decidedAt)).toEqual([T0 + 90_000, T0 + 30_000]);
      const sent: string[] = [];
      const result = await t.db.transaction((tx) =>
        applyEventToProfile(
          { query: <Row>(sql: string, params?: readonly unknown[]) => (sent.push(sql), tx.query<Row>(sql, params)) },
          input(tenantId, 'p-txo', e3.id, e3.facts, e3.signals),
        ),
      );
      expect(result?.openDecisions).toEqual(expected);
      expect(sent[0]).toContain('decisions_open(');
      expect(sent.map(isPrepared)).toEqual(sent.map(() => true));
    });

    it('leaves tickets and consent to the transaction', () => {
      const facts: EventFacts = {
        type: 'ticket.updated',
        source: 'zendesk',
        at: T0,
        text: null,
        properties: { ticketId: '42', status: 'open', priority: 'high' },
        traits: {},
      };
      const meaning = interpretEvent(facts, null);
      expect(meaning.ticket).not.toBeNull();
      expect(appliesOptimistically({ meaning, openDecisionsOf: ['p'] })).toBe(false);
    });
  });
}
