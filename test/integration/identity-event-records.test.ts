/**
 * Which source record each event is evidence of (identity_event_records): `identify` and `linkMany`
 * normalise an event's subject once and derive its record from it; the record must be the one
 * `recordOf` gives for the event on its own (CRM contact, sender of identifiers and given name,
 * country-dependent phone numbers, an event with no identifier at all).
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { recordKey } from '../../app/identity/graph/model';
import { IdentifierNormalizer } from '../../app/identity/normalize/identifier';
import { IdentityService, recordOf } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const AT = '2026-03-01T10:00:00.000Z';

const events: CanonicalEvent[] = [
  {
    source: 'hubspot',
    type: 'contact.updated',
    occurredAt: AT,
    subject: {
      identifiers: [
        { type: 'hubspotContactId', value: '501' },
        { type: 'email', value: 'Ada.Lovelace@Example.com' },
      ],
      traits: { firstName: 'Ada' },
    },
  },
  // A national number: which number it is depends on the country trait.
  {
    source: 'whatsapp',
    type: 'message.received',
    occurredAt: AT,
    subject: { identifiers: [{ type: 'phone', value: '020 7946 0958' }], traits: { firstName: 'Bob', country: 'GB' } },
  },
  {
    source: 'whatsapp',
    type: 'message.received',
    occurredAt: AT,
    subject: { identifiers: [{ type: 'phone', value: '(415) 555-0134' }], traits: { firstName: 'Cy' } },
  },
  { source: 'form', type: 'form.submitted', occurredAt: AT, subject: { identifiers: [], traits: { firstName: 'Dee' } } },
  {
    source: 'zendesk',
    type: 'ticket.created',
    occurredAt: AT,
    subject: { identifiers: [{ type: 'email', value: 'eve@acme.io' }], traits: {} },
  },
] as CanonicalEvent[];

for (const backend of backends) {
  describeWith(backend.needs, `identity event records on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    it('identify and linkMany record each event against the record recordOf gives', async () => {
      const service = new IdentityService();
      // No default region: a national number is read in the record's country (the country trait).
      const normalizer = new IdentifierNormalizer();
      const expected = (prefix: string): Map<string, string> =>
        new Map(
          events.map((event, i) => {
            const r = recordOf(normalizer, event, `${prefix}${i}`);
            return [`${prefix}${i}`, recordKey(r.source, r.recordId)];
          }),
        );
      const stored = async (tenantId: string): Promise<Map<string, string>> =>
        new Map(
          (
            await t.db.query<{ event_id: string; record_key: string }>(
              'SELECT event_id, record_key FROM identity_event_records WHERE tenant_id = $1',
              [tenantId],
            )
          ).rows.map((r) => [r.event_id, r.record_key]),
        );
      const one = await createTenant(t.db, 'One by one');
      for (const [i, event] of events.entries())
        await t.db.transaction((tx) => service.identify(tx, { tenantId: one.tenantId, eventId: `one_${i}`, event }));
      const many = await createTenant(t.db, 'Batch');
      await t.db.transaction((tx) =>
        service.linkMany(
          tx,
          many.tenantId,
          events.map((event, i) => ({ eventId: `many_${i}`, event })),
        ),
      );

      expect(await stored(one.tenantId)).toEqual(expected('one_'));
      expect(await stored(many.tenantId)).toEqual(expected('many_'));
      // The country trait decided the first number (London); the second is read as North American.
      const london = (await stored(many.tenantId)).get('many_1');
      expect(london).toMatch(/^rec:whatsapp:sender:/);
      const bob = await t.db.query<{ key: string }>(
        `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND kind = 'identifier' AND key LIKE 'phone:%'`,
        [many.tenantId],
      );
      expect(bob.rows.map((r) => r.key).sort()).toEqual(['phone::+14155550134', 'phone::+442079460958']);
    }, 60_000);
  });
}
