/**
 * Identity on real cross-channel data, as the record card shows it: a HubSpot contact and a WhatsApp
 * sender on the same number are one person, and the card says why (the phone, Joe ≈ Joseph, the two
 * systems); a record that shares only the name is not merged.
 */
import type { CardView } from '../../app/cards/card-view';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

for (const { mode, needs } of modes) {
  describeWith(needs, `identity evidence on the record card (${mode})`, () => {
    let svc: TestService;
    let key: string;
    let n = 0;

    beforeAll(async () => {
      svc = await startTestService(mode);
      key = (await createTenant(svc.runtime.db, 'Evidence')).apiKey;
    });
    afterAll(async () => svc.stop());

    async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
      const res = await fetch(`${svc.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as T };
    }

    async function ingest(event: Record<string, unknown>): Promise<string> {
      const r = await call<{ profileId: string }>('POST', '/events', {
        occurredAt: new Date(Date.UTC(2026, 2, 1, 9, 0, ++n)).toISOString(),
        ...event,
      });
      expect(r.status).toBe(202);
      return r.json.profileId;
    }

    const card = async (profileId: string): Promise<CardView> => {
      const r = await call<CardView>('GET', `/profiles/${profileId}/card`);
      expect(r.status).toBe(200);
      return r.json;
    };

    it('links the WhatsApp sender to the HubSpot contact on the shared number and shows the evidence under the identity it brought', async () => {
      const contact = await ingest({
        source: 'hubspot',
        type: 'contact.created',
        subject: {
          identifiers: [
            { type: 'hubspotContactId', value: '9501', scope: '62515' },
            { type: 'email', value: 'Joseph.Sample@acme.io' },
            { type: 'phone', value: '+1 303 555 0142' },
          ],
          traits: { firstName: 'Joseph', lastName: 'Sample' },
        },
      });
      const sender = await ingest({
        source: 'whatsapp',
        type: 'message.received',
        subject: { identifiers: [{ type: 'whatsappId', value: '13035550142' }], traits: { displayName: 'Joe' } },
        text: 'Hi, is the Pro plan still on offer?',
      });
      expect(sender).toBe(contact);

      const view = await card(contact);
      expect(view.profileId).toBe(contact);
      const byType = new Map(view.identities.map((i) => [i.type, i]));
      expect([...byType.keys()].sort()).toEqual(['email', 'hubspotContactId', 'phone', 'whatsapp']);
      const wa = byType.get('whatsapp');
      expect(wa?.source).toBe('whatsapp');
      expect(wa?.evidence).toBe('same phone +1 303 555 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp sender');
      // The contact's own identifiers are where the profile started: nothing to explain.
      for (const type of ['email', 'hubspotContactId', 'phone']) expect(byType.get(type)?.evidence).toBeUndefined();
      expect(view.possibleMatches).toEqual([]);
    });

    it('files a record that shares only the name (another free-mail address, no phone) for review, never merges it', async () => {
      key = (await createTenant(svc.runtime.db, 'Evidence names')).apiKey;
      const contact = await ingest({
        source: 'hubspot',
        type: 'contact.created',
        subject: {
          identifiers: [
            { type: 'hubspotContactId', value: '9501', scope: '62515' },
            { type: 'email', value: 'Joseph.Sample@acme.io' },
            { type: 'phone', value: '+1 303 555 0142' },
          ],
          traits: { firstName: 'Joseph', lastName: 'Sample' },
        },
      });
      const namesake = await ingest({
        source: 'form',
        type: 'form.submitted',
        subject: {
          identifiers: [{ type: 'email', value: 'joseph.sample1988@gmail.com' }],
          traits: { firstName: 'Joseph', lastName: 'Sample' },
        },
      });
      expect(namesake).not.toBe(contact);
      const view = await card(namesake);
      expect(view.identities.map((i) => [i.value, i.evidence])).toEqual([['josephsample1988@gmail.com', undefined]]);
      // Same name, a look-alike address: a possible match on both cards, below the automatic threshold.
      expect(view.possibleMatches).toHaveLength(1);
      const match = view.possibleMatches[0];
      expect(match?.otherProfileId).toBe(contact);
      expect(match?.probability).toBeGreaterThanOrEqual(0.5);
      expect(match?.probability).toBeLessThan(0.99);
      expect(match?.reasons).toEqual(
        expect.arrayContaining([expect.stringMatching(/^firstName: exact/), expect.stringMatching(/^lastName: exact/)]),
      );
      expect((await card(contact)).possibleMatches.map((m) => [m.matchId, m.otherProfileId])).toEqual([[match?.matchId, namesake]]);

      // Same name and nothing else (an unrelated address): not even a review item.
      const stranger = await ingest({
        source: 'form',
        type: 'form.submitted',
        subject: { identifiers: [{ type: 'email', value: 'jsamp77@yahoo.com' }], traits: { firstName: 'Joseph', lastName: 'Sample' } },
      });
      expect([stranger === contact, stranger === namesake]).toEqual([false, false]);
      expect((await card(stranger)).possibleMatches).toEqual([]);
      expect((await card(contact)).identities.map((i) => i.type).sort()).toEqual(['email', 'hubspotContactId', 'phone']);
    });
  });
}
