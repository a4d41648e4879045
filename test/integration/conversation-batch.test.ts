/**
 * The conversation stage a micro-batch at a time (issue #16, `runBatch`): one statement stores the
 * batch's messages and one reads the samples of its people with news, and the outcome equals the
 * stage run one event at a time in the same order — the same messages stored and the same
 * `sentiment.dropped` events, with several messages of one person in the batch (each judged on what it
 * would have seen alone), people with history, a rep's message, an old message and a redelivery.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { Signals } from '../../app/signals';
import { conversationStage, SENTIMENT_DROPPED } from '../../server/conversation/conversation.stage';
import type { Queryable } from '../../server/db/database';
import type { StageInput } from '../../server/events/event-processor';
import { getEvent, ingestEvent } from '../../server/events/events.repository';
import { identityModule } from '../../server/identity/identity.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

interface Said {
  who: string;
  text: string;
  sentiment: number | null;
  hoursAgo: number;
  rep?: boolean;
}

const signals = (sentiment: number): Signals => ({
  intent: 'complaint' as Signals['intent'],
  intentConfidence: 0.8,
  sentiment,
  sentimentLabel: sentiment > 0.05 ? 'positive' : sentiment < -0.05 ? 'negative' : 'neutral',
  urgency: 'low',
  language: 'en',
});

const eventOf = (tenant: string, i: number, s: Said, now: number): CanonicalEvent => ({
  id: `${tenant}-m${i}`,
  source: 'api',
  type: s.rep === true ? 'message.sent' : 'message.received',
  occurredAt: new Date(now - s.hoursAgo * HOUR).toISOString(),
  subject: { identifiers: [{ type: 'email', value: `${s.who}@batch.io` }], traits: {} },
  text: s.text,
  properties: s.rep === true ? { direction: 'outbound', channel: 'email' } : { channel: 'email' },
});

// History first (stored one at a time for both tenants), then the batch.
const HISTORY: Said[] = [
  { who: 'ana', text: 'love it', sentiment: 0.8, hoursAgo: 50 },
  { who: 'ana', text: 'great', sentiment: 0.7, hoursAgo: 40 },
  { who: 'bo', text: 'fine', sentiment: 0.6, hoursAgo: 30 },
];
const BATCH: Said[] = [
  { who: 'ana', text: 'this is awful', sentiment: -0.9, hoursAgo: 3 },
  { who: 'bo', text: 'all good', sentiment: 0.7, hoursAgo: 2.5 },
  { who: 'ana', text: 'still awful', sentiment: -0.8, hoursAgo: 2 },
  { who: 'ana', text: 'we will reply', sentiment: null, hoursAgo: 1.5, rep: true },
  { who: 'cy', text: 'a message from last month', sentiment: -0.9, hoursAgo: 24 * 30 },
  { who: 'bo', text: 'terrible, cancel now', sentiment: -0.95, hoursAgo: 1 },
  { who: 'bo', text: 'really terrible', sentiment: -0.9, hoursAgo: 0.5 },
];

for (const { mode, needs } of modes) {
  describeWith(needs, `conversation stage by batch (${mode})`, () => {
    let svc: TestService;
    beforeAll(async () => {
      // Identity only: the stage under test is called by the test, not by the service's pipeline.
      svc = await startTestService(mode, { modules: [identityModule], sweepIntervalMs: 60_000 });
    });
    afterAll(async () => svc.stop());

    async function setUp(name: string): Promise<{ tenantId: string; history: StageInput[]; batch: StageInput[] }> {
      const { tenantId } = await createTenant(svc.runtime.db, name);
      const identify = svc.runtime.modules.find((m) => m.identify !== undefined)?.identify;
      const now = Date.now();
      const inputs = async (said: Said[], from: number): Promise<StageInput[]> => {
        const out: StageInput[] = [];
        for (const [i, s] of said.entries()) {
          const r = await ingestEvent(svc.runtime.db, svc.runtime.work, tenantId, eventOf('t', from + i, s, now), undefined, identify);
          const event = await getEvent(svc.runtime.db, tenantId, r.eventId);
          if (event === undefined || event.profileId === null) throw new Error('event not stored with a profile');
          out.push({
            tenantId,
            event,
            profileId: event.profileId,
            shared: { signals: s.sentiment === null ? null : signals(s.sentiment) },
          });
        }
        return out;
      };
      return { tenantId, history: await inputs(HISTORY, 0), batch: await inputs(BATCH, 100) };
    }

    // Both tenants' events carry the same external ids: messages and falls compared by them.
    const outcome = async (q: Queryable, tenantId: string): Promise<unknown> => ({
      messages: (
        await q.query(
          `SELECT e.source_event_id AS message, m.speaker, m.sentiment FROM conversation_messages m
             JOIN events e ON e.tenant_id = m.tenant_id AND e.id = m.source_id
            WHERE m.tenant_id = $1 ORDER BY e.source_event_id`,
          [tenantId],
        )
      ).rows,
      dropped: (
        await q.query(
          `SELECT e.source_event_id AS message, d.properties - 'messageId' - 'messageEventId' AS properties FROM events d
             JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.properties->>'messageEventId'
            WHERE d.tenant_id = $1 AND d.type = $2 ORDER BY e.source_event_id`,
          [tenantId, SENTIMENT_DROPPED],
        )
      ).rows,
    });

    it('stores the same messages and raises the same falls as one event at a time, in two statements for the batch', async () => {
      const stage = conversationStage({ db: svc.runtime.db, work: svc.runtime.work, logger: svc.runtime.logger });
      const one = await setUp(`Conversation one ${mode}`);
      const many = await setUp(`Conversation many ${mode}`);
      for (const input of [...one.history, ...one.batch]) await stage.run(input);
      for (const input of many.history) await stage.run(input);

      // Statements on the message store: the batch's insert and its samples read.
      let statements = 0;
      const counting = conversationStage({
        db: {
          ...svc.runtime.db,
          query: (sql, params) => {
            if (sql.includes('conversation_messages')) statements++;
            return svc.runtime.db.query(sql, params);
          },
        },
        work: svc.runtime.work,
        logger: svc.runtime.logger,
      });
      await counting.runBatch?.(many.batch);
      expect(statements).toBe(2);
      const expected = (await outcome(svc.runtime.db, one.tenantId)) as { messages: { speaker: string }[]; dropped: unknown[] };
      // The fixture is worth comparing: a rep's message and the old one stored, and both people with news fall.
      expect(expected.messages).toHaveLength(HISTORY.length + BATCH.length);
      expect(expected.messages.filter((m) => m.speaker !== 'customer')).toHaveLength(1);
      expect(expected.dropped).toHaveLength(2);
      expect(await outcome(svc.runtime.db, many.tenantId)).toEqual(expected);

      // A redelivery of the whole batch stores nothing more and raises no second fall (its ids read apart).
      statements = 0;
      await counting.runBatch?.(many.batch);
      expect(await outcome(svc.runtime.db, many.tenantId)).toEqual(expected);
      expect(statements).toBe(3);
    });
  });
}
