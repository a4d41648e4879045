/**
 * recordMessage with the trend's samples in the same statement (issue #16: one statement fewer an
 * event): the samples equal what sentimentSamples reads after the insert, the new message included and
 * the 200-message window kept; a redelivered message is stored once and its samples are read apart.
 */
import { recordMessage, sentimentSamples, type NewMessage } from '../../server/conversation/conversation.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(120_000);

const message = (
  tenantId: string,
  profileId: string,
  i: number,
  sentiment: number | null,
  speaker: 'customer' | 'rep' = 'customer',
): NewMessage => ({
  tenantId,
  profileId,
  sourceId: `src-${profileId}-${i}`,
  eventId: null,
  channel: 'email',
  threadKey: 'thread-1',
  speaker,
  occurredAt: new Date(Date.parse('2026-12-01T10:00:00Z') + i * 60_000).toISOString(),
  source: 'api',
  eventType: 'message.received',
  subject: null,
  text: `message ${i}`,
  signals:
    sentiment === null
      ? null
      : {
          intent: 'other',
          intentConfidence: 0.5,
          sentiment,
          sentimentLabel: sentiment >= 0 ? 'positive' : 'negative',
          urgency: 'low',
          language: 'en',
        },
});

for (const backend of backends) {
  describeWith(backend.needs, `conversation messages with their samples (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;
    beforeAll(async () => {
      t = await backend.open();
      tenantId = (await createTenant(t.db, 'Conversation record')).tenantId;
    });
    afterAll(async () => t.cleanup());

    it('answers the samples sentimentSamples reads after the insert, the new message included', async () => {
      // Two profiles of one person (a merge), a rep's message and an unscored one that are no samples.
      await recordMessage(t.db, message(tenantId, 'p-live', 1, 0.4));
      await recordMessage(t.db, message(tenantId, 'p-old', 2, -0.2));
      await recordMessage(t.db, message(tenantId, 'p-live', 3, null, 'rep'));
      await recordMessage(t.db, message(tenantId, 'p-live', 4, null));
      await recordMessage(t.db, message(tenantId, 'p-other', 5, 0.9));
      const stored = await recordMessage(t.db, message(tenantId, 'p-live', 6, -0.8), ['p-live', 'p-old']);
      expect(stored.created).toBe(true);
      const apart = await sentimentSamples(t.db, tenantId, ['p-live', 'p-old']);
      expect(apart.map((s) => s.id)[0]).toBe(stored.id);
      expect(stored.samples).toEqual(apart);
      expect(apart).toHaveLength(3);
      // Without the ids, nothing is read with it.
      expect((await recordMessage(t.db, message(tenantId, 'p-live', 7, 0.1))).samples).toBeNull();
    });

    it('keeps the newest 200 and, for a message stored before, answers no samples', async () => {
      for (let i = 0; i < 205; i++) await recordMessage(t.db, message(tenantId, 'p-many', 100 + i, (i % 7) / 7 - 0.5));
      const stored = await recordMessage(t.db, message(tenantId, 'p-many', 400, 0.3), ['p-many']);
      expect(stored.samples).toHaveLength(200);
      expect(stored.samples).toEqual(await sentimentSamples(t.db, tenantId, ['p-many']));
      const again = await recordMessage(t.db, message(tenantId, 'p-many', 400, 0.3), ['p-many']);
      expect(again).toEqual({ id: stored.id, created: false, samples: null });
    });
  });
}
