/**
 * The cross-channel traps, one rule each, with records as the systems export them: messaging senders
 * whose wa_id / SMS number is the CRM phone, role mailboxes, common names, changed addresses,
 * households, nicknames and typos.
 */
import { resolveBatch, type BatchRecord } from '../../../app/identity/batch/resolve-batch';
import { compatibleNames } from '../../../app/identity/graph/policy';
import { parseEmail } from '../../../app/identity/normalize/email';
import { normalizeTraits } from '../../../app/identity/normalize/traits';
import { seededRandom } from '../../../app/identity/util/prng';
import type { CanonicalEvent } from '../../../app/events/canonical-event';
import { identifyEvent, liveResolver } from './trap-harness';

const AT = '2026-03-01T10:00:00.000Z';
let seq = 0;
const event = (
  source: string,
  identifiers: CanonicalEvent['subject']['identifiers'],
  traits: Record<string, string> = {},
): CanonicalEvent => ({
  id: `${source}-${++seq}`,
  source,
  type: source === 'hubspot' || source === 'salesforce' ? 'contact.updated' : 'message.received',
  occurredAt: AT,
  subject: { identifiers, traits },
});

async function profilesOf(events: readonly CanonicalEvent[]): Promise<string[]> {
  const resolver = liveResolver();
  const keys: string[] = [];
  for (const e of events) keys.push(await identifyEvent(resolver, e));
  const out: string[] = [];
  for (const k of keys) out.push((await resolver.profileOf({ key: k }))?.profileId ?? 'none');
  return out;
}

const hubspotJoseph = event(
  'hubspot',
  [
    { type: 'hubspotContactId', value: '5101', scope: '4410321' },
    { type: 'email', value: 'joseph.miller@acme.io' },
    { type: 'phone', value: '(303) 555-0142' },
  ],
  { firstName: 'Joseph', lastName: 'Miller' },
);

describe('messaging senders whose WhatsApp id or SMS number is the CRM phone', () => {
  it.each([['Joe 🎸'], ['Joe'], ['Joseph'], ['Joseph M.'], ['🌻'], ['joey']])(
    'links a WhatsApp sender named %s to the CRM contact',
    async (displayName) => {
      const [crm, wa] = await profilesOf([
        hubspotJoseph,
        event('whatsapp', [{ type: 'whatsappId', value: '13035550142' }], { displayName }),
      ]);
      expect(wa).toBe(crm);
    },
  );

  it('links an SMS sender with no name, and a Mexican 521 wa_id to the +52 number', async () => {
    const [crm, sms] = await profilesOf([hubspotJoseph, event('twilio', [{ type: 'phone', value: '+13035550142' }])]);
    expect(sms).toBe(crm);
    const [mx, wa] = await profilesOf([
      event(
        'salesforce',
        [
          { type: 'salesforceId', value: '003000000000001AAA' },
          { type: 'phone', value: '+52 55 1234 5678' },
        ],
        { firstName: 'Guadalupe', lastName: 'López' },
      ),
      event('whatsapp', [{ type: 'whatsappId', value: '5215512345678' }], { displayName: 'Lupita' }),
    ]);
    expect(wa).toBe(mx);
  });

  it('does not link a sender whose name is another person’s', async () => {
    const [crm, wa] = await profilesOf([
      hubspotJoseph,
      event('whatsapp', [{ type: 'whatsappId', value: '13035550142' }], { displayName: 'Maria' }),
    ]);
    expect(wa).not.toBe(crm);
  });
});

describe('role addresses', () => {
  it('detects shared mailboxes with separators, qualifiers and digits, not people', () => {
    for (const a of [
      'info@acme.io',
      'support-team@acme.io',
      'sales.us@acme.io',
      'customer.service@acme.io',
      'no_reply@acme.io',
      'billing2@acme.io',
    ])
      expect(parseEmail(a)?.role).toBe(true);
    for (const a of ['info.jane@acme.io', 'jane.support@acme.io', 'hans@acme.io', 'ola@acme.io']) expect(parseEmail(a)?.role).toBe(false);
  });

  it('links a Zendesk requester writing from info@ to the CRM contact with the same phone and name, never to a colleague', async () => {
    const zendesk = (name: string, phone?: string): CanonicalEvent =>
      event(
        'zendesk',
        [
          { type: 'zendeskUserId', value: '9000001', scope: 'acme-help' },
          { type: 'email', value: 'info@globex.io' },
          ...(phone ? [{ type: 'phone' as const, value: phone }] : []),
        ],
        { name },
      );
    const [jane, janeTicket, samTicket, anonymous] = await profilesOf([
      event(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '77' },
          { type: 'email', value: 'jane.doe@globex.io' },
          { type: 'phone', value: '+44 7400 123456' },
        ],
        { firstName: 'Jane', lastName: 'Doe' },
      ),
      zendesk('Jane Doe', '+447400123456'),
      zendesk('Sam Lee', '+447400654321'),
      zendesk('Jane Doe'),
    ]);
    expect(janeTicket).toBe(jane);
    expect(samTicket).not.toBe(jane);
    // The role address alone (and the mailbox's Zendesk user) links nobody.
    expect(anonymous).not.toBe(jane);
    expect(anonymous).not.toBe(samTicket);
  });
});

describe('common names', () => {
  it('never merges two people with the same full name and nothing else in common; they become a possible match', async () => {
    const records: BatchRecord[] = [];
    // Enough people for the model to train on, two of them namesakes.
    for (let i = 0; i < 60; i++) {
      records.push({
        source: 'hubspot.csv',
        recordId: `h${i}`,
        values: {
          firstName: ['Ann', 'Raj', 'Li', 'Omar', 'Eva'][i % 5] as string,
          lastName: `Surname${i}`,
          email: `person${i}@mail.io`,
          phone: `+1303555${String(1000 + i)}`,
        },
      });
      records.push({
        source: 'zendesk.csv',
        recordId: `z${i}`,
        values: { fullName: `${['Ann', 'Raj', 'Li', 'Omar', 'Eva'][i % 5] as string} Surname${i}`, email: `person${i}@mail.io` },
      });
    }
    records.push({
      source: 'hubspot.csv',
      recordId: 'tp1',
      values: { firstName: 'Theodore', lastName: 'Patel', email: 'theodore.patel@gmail.com' },
    });
    records.push({
      source: 'salesforce.csv',
      recordId: 'tp2',
      values: { firstName: 'Theodore', lastName: 'Patel', email: 'teddy.p@yahoo.com' },
    });
    const result = await resolveBatch(records, { random: seededRandom(3), at: AT });
    const [a, b] = [records.length - 2, records.length - 1];
    expect(result.profileIds[a]).not.toBe(result.profileIds[b]);
    expect(result.profileIds[0]).toBe(result.profileIds[1]);
  });
});

describe('changed email', () => {
  it('links an old address in one contact and a new one in another through the same phone and name', async () => {
    const [old, neu] = await profilesOf([
      event(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '1' },
          { type: 'email', value: 'stephen.schmidt@hotmail.com' },
          { type: 'phone', value: '+1 312 555 5528' },
        ],
        { firstName: 'Stephen', lastName: 'Schmidt' },
      ),
      event(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '2' },
          { type: 'email', value: 'stephenschmidt@tyrell.io' },
          { type: 'phone', value: '+13125555528' },
        ],
        { firstName: 'Steve', lastName: 'Schmidt' },
      ),
    ]);
    expect(neu).toBe(old);
  });
});

describe('households', () => {
  it('keeps two people sharing a landline, a family address and a last name apart', async () => {
    const [a, b] = await profilesOf([
      event(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '10' },
          { type: 'email', value: 'thepatels@gmail.com' },
          { type: 'phone', value: '(919) 555-9889' },
        ],
        { firstName: 'Katherine', lastName: 'Patel' },
      ),
      event(
        'salesforce',
        [
          { type: 'salesforceId', value: '003000000000002AAA' },
          { type: 'email', value: 'thepatels@gmail.com' },
          { type: 'phone', value: '+1 919 555 9889' },
        ],
        { firstName: 'Ekaterina', lastName: 'Patel' },
      ),
    ]);
    expect(b).not.toBe(a);
  });

  it('treats different known given names as different people however alike they look', () => {
    expect(compatibleNames('alexander', 'alexandra')).toBe(false);
    expect(compatibleNames('daniel', 'danielle')).toBe(false);
    expect(compatibleNames('helen', 'ellen')).toBe(false);
  });
});

describe('nicknames and typos', () => {
  it.each([
    ['bob', 'robert'],
    ['liz', 'elizabeth'],
    ['vicky', 'victoria'],
    ['pepe', 'jose'],
    ['sasha', 'alexandra'],
    ['jhon', 'john'],
    ['sue', 'susn'],
    ['sammy', 'saamantha'],
    ['bob', 'robrt'],
    ['j', 'joseph'],
  ])('%s and %s may be one person', (a, b) => {
    expect(compatibleNames(a, b)).toBe(true);
  });

  it.each([
    ['mary', 'john'],
    ['bob', 'william'],
    ['liz', 'victoria'],
  ])('%s and %s are not', (a, b) => {
    expect(compatibleNames(a, b)).toBe(false);
  });

  it('reads display names: emoji dropped, a trailing initial is no family name', () => {
    expect(normalizeTraits({ displayName: 'Joe S.' })).toEqual({ firstName: 'joe' });
    expect(normalizeTraits({ displayName: 'Bob 🎸' })).toEqual({ firstName: 'bob' });
    expect(normalizeTraits({ displayName: '🌻' })).toEqual({});
    expect(normalizeTraits({ name: 'Deborah Fernández' })).toEqual({ firstName: 'deborah', lastName: 'fernandez' });
  });
});
