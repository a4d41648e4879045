/**
 * The pure HubSpot inbox and meeting mappings: who spoke (actor id prefix, then direction), whom a
 * message is about (thread contact, else the customer side's e-mail/phone, else actor id, never the
 * agent), the canonical event the conversation classifier reads, rich text to plain text, which
 * scheduling page is offered, and the meeting.booked event.
 */
import { classifyMessage } from '../../../app/conversation';
import {
  inboxMessageEvent,
  inboxMessageSchema,
  inboxThreadSchema,
  plainText,
  speakerOf,
  subjectIdentifiers,
  type InboxMessage,
} from '../../../connectors/hubspot/client/conversations';
import { meetingBookedEvent, meetingLinkSchema, pickLink } from '../../../connectors/hubspot/client/scheduler';

const message = (over: Record<string, unknown>): InboxMessage =>
  inboxMessageSchema.parse({
    type: 'MESSAGE',
    id: 'm1',
    createdAt: '2026-12-01T10:00:00Z',
    senders: [],
    recipients: [],
    text: 'hello',
    direction: 'INCOMING',
    ...over,
  });
const thread = (over: Record<string, unknown> = {}) => inboxThreadSchema.parse({ id: '42', ...over });

describe('HubSpot inbox mapping', () => {
  it('takes the speaker from the sender actor, then the direction', () => {
    expect(speakerOf(message({ senders: [{ actorId: 'V-1' }] }))).toBe('customer');
    expect(speakerOf(message({ senders: [{ actorId: 'E-ana@x.io' }] }))).toBe('customer');
    expect(speakerOf(message({ senders: [{ actorId: 'A-9' }], direction: 'OUTGOING' }))).toBe('rep');
    expect(speakerOf(message({ senders: [{ actorId: 'B-3' }] }))).toBe('bot');
    expect(speakerOf(message({ senders: [], direction: 'OUTGOING' }))).toBe('rep');
    expect(speakerOf(message({ senders: [], direction: 'INCOMING' }))).toBe('customer');
  });

  it("names the thread's contact, else the customer side's e-mail or phone, else its actor id; never the agent", () => {
    const incoming = message({ senders: [{ actorId: 'V-1', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'Ana@X.io' } }] });
    expect(subjectIdentifiers('77', thread({ associatedContactId: 501 }), incoming)).toEqual([
      { type: 'hubspotContactId', value: '501', scope: '77' },
    ]);
    expect(subjectIdentifiers('77', thread({ associatedContactId: null }), incoming)).toEqual([{ type: 'email', value: 'ana@x.io' }]);
    const reply = message({
      direction: 'OUTGOING',
      senders: [{ actorId: 'A-9', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'rep@biz.io' } }],
      recipients: [{ actorId: 'V-1', deliveryIdentifier: { type: 'HS_PHONE_NUMBER', value: '+15550001' } }],
    });
    expect(subjectIdentifiers('77', thread(), reply)).toEqual([{ type: 'phone', value: '+15550001' }]);
    expect(subjectIdentifiers('77', thread(), message({ senders: [{ actorId: 'V-8' }] }))).toEqual([
      { type: 'externalId', value: 'actor-V-8', scope: 'hubspot-77' },
    ]);
    expect(subjectIdentifiers('77', thread(), message({ direction: 'OUTGOING', senders: [{ actorId: 'A-9' }], recipients: [] }))).toEqual(
      [],
    );
  });

  it('builds the event the conversation classifier reads as a hubspot_inbox message with text and speaker', () => {
    const e = inboxMessageEvent(
      '77',
      thread({ associatedContactId: '501' }),
      message({ senders: [{ actorId: 'V-1' }], text: 'cut…', truncationStatus: 'TRUNCATED' }),
      { text: 'the whole text' },
    );
    if (e === null) throw new Error('no event');
    expect(e).toMatchObject({
      id: 'hubspot:77:conversation.message:42:m1',
      type: 'conversation.message_received',
      text: 'the whole text',
      properties: { objectId: '42', speaker: 'customer', messageType: 'MESSAGE' },
    });
    const classified = classifyMessage({
      type: e.type,
      source: e.source,
      text: e.text ?? null,
      properties: e.properties ?? {},
      identifiers: e.subject.identifiers,
    });
    expect(classified).toMatchObject({ channel: 'hubspot_inbox', threadKey: 'hubspot:77:42', speaker: 'customer', text: 'the whole text' });
    expect(inboxMessageEvent('77', thread({ associatedContactId: '501' }), message({ type: 'COMMENT' }))).toBeNull();
    expect(
      inboxMessageEvent(
        '77',
        thread({ associatedContactId: '501' }),
        message({ text: null, richText: '<p>Hi&nbsp;there &amp; <b>thanks</b></p><p>Bye</p>' }),
      )?.text,
    ).toBe('Hi there & thanks\nBye');
  });

  it('strips rich text to plain text', () => {
    expect(plainText('<div>a<br/>b</div> &lt;c&gt;')).toBe('a\nb\n<c>');
  });
});

describe('HubSpot meetings mapping', () => {
  const links = [
    { id: '1', slug: 'group', link: 'https://m/group', type: 'GROUP_CALENDAR', organizerUserId: '7', defaultLink: false },
    { id: '2', slug: 'mine', link: 'https://m/mine', type: 'PERSONAL_LINK', organizerUserId: '7', defaultLink: false },
    { id: '3', slug: 'main', link: 'https://m/main', type: 'PERSONAL_LINK', organizerUserId: '8', defaultLink: true },
  ].map((l) => meetingLinkSchema.parse(l));

  it("offers the organiser's default page, else their personal one, else their first", () => {
    expect(pickLink(links, '8')?.slug).toBe('main');
    expect(pickLink(links, '7')?.slug).toBe('mine');
    expect(pickLink(links, '9')).toBeUndefined();
    expect(pickLink(links)?.slug).toBe('main');
  });

  it('turns a meeting and a contact into one meeting.booked event on that contact', () => {
    const e = meetingBookedEvent(
      '77',
      {
        id: '900',
        properties: { hs_meeting_start_time: String(Date.parse('2027-01-12T15:00:00Z')), hs_meeting_title: 'Intro', hubspot_owner_id: '7' },
      },
      '501',
      Date.parse('2026-12-01T10:00:00Z'),
    );
    expect(e).toMatchObject({
      id: 'hubspot:77:meeting.booked:900:501',
      type: 'meeting.booked',
      occurredAt: '2026-12-01T10:00:00.000Z',
      subject: { identifiers: [{ type: 'hubspotContactId', value: '501', scope: '77' }] },
      properties: { meetingId: '900', contactId: '501', startTime: '2027-01-12T15:00:00.000Z', title: 'Intro', ownerId: '7' },
    });
  });
});
