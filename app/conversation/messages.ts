/**
 * Which stored events are messages of a conversation with the person, on which channel, in which
 * thread and spoken by whom. Pure: it reads the canonical event (type, source, text, properties,
 * subject identifiers) the connectors produce, so the live pipeline, tests and tools agree.
 *
 * Threads:
 *   - Zendesk: one thread per ticket (`zendesk:<subdomain>:<ticket id>`);
 *   - HubSpot inbox: one per conversation thread (`hubspot:<portal>:<thread id>`);
 *   - SMS / WhatsApp: one per customer number and channel (`sms:<digits>`): Baton sends from one
 *     business line per channel and connection, so the phone pair is the customer's number;
 *   - Salesforce Case: one per case; API and CRM email/notes: the `threadId` (or `threadKey`,
 *     `conversationId`, `ticketId`, `recordId`) the sender gives, else the e-mail subject without
 *     Re:/Fwd:, else one thread per channel and source.
 * Speakers: `customer` (the person), `rep` (a human on the business side), `bot` (Baton's own sends)
 * and `unknown` (the source says a message was posted, not by whom: HubSpot newMessage webhooks carry
 * neither the text nor the sender).
 */

export const CONVERSATION_CHANNELS = [
  'email',
  'crm_note',
  'crm_case',
  'hubspot_inbox',
  'zendesk',
  'sms',
  'whatsapp',
  'chat',
  'api',
] as const;
export type ConversationChannel = (typeof CONVERSATION_CHANNELS)[number];
export const SPEAKERS = ['customer', 'rep', 'bot', 'unknown'] as const;
export type Speaker = (typeof SPEAKERS)[number];

/** The parts of a stored event the classifier reads. */
export interface MessageEventFacts {
  readonly type: string;
  readonly source: string;
  readonly text: string | null;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly identifiers: readonly { readonly type: string; readonly value: string; readonly scope?: string | undefined }[];
}

export interface ClassifiedMessage {
  readonly channel: ConversationChannel;
  readonly threadKey: string;
  readonly speaker: Speaker;
  /** The message text (null when the source does not carry it). */
  readonly text: string | null;
  /** A subject line or ticket subject, when the source has one. */
  readonly subject: string | null;
}

const CHANNEL_SET: ReadonlySet<string> = new Set(CONVERSATION_CHANNELS);
const SPEAKER_SET: ReadonlySet<string> = new Set(SPEAKERS);
/** Event families that are messages when they carry text (API and CRM activity events). */
const MESSAGE_FAMILIES: ReadonlySet<string> = new Set([
  'message',
  'email',
  'note',
  'chat',
  'sms',
  'whatsapp',
  'comment',
  'conversation',
  'reply',
]);
const CUSTOMER_VERBS = /(^|\.)(received|replied|reply|inbound|opened_by_customer)$/;
const AGENT_VERBS = /(^|\.)(sent|outbound|logged|posted|created|added)$/;
const MAX_KEY = 300;

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
const obj = (v: unknown): Readonly<Record<string, unknown>> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const digits = (v: string): string => v.replace(/\D/g, '');
const key = (...parts: string[]): string => parts.join(':').slice(0, MAX_KEY);

/** An e-mail subject without reply/forward prefixes, lower-cased, for threading by subject. */
export function normalizeSubject(subject: string): string {
  let s = subject.trim();
  for (;;) {
    const next = s.replace(/^\s*(re|fw|fwd|aw|wg|sv|vs|tr|rv)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s.replace(/\s+/g, ' ').toLowerCase();
}

function customerNumber(e: MessageEventFacts, channel: 'sms' | 'whatsapp'): string | null {
  const wanted = channel === 'whatsapp' ? ['whatsappId', 'phone'] : ['phone', 'twilioAddress'];
  for (const type of wanted) {
    const found = e.identifiers.find((i) => i.type === type);
    if (found !== undefined && digits(found.value) !== '') return digits(found.value);
  }
  return null;
}

function declaredSpeaker(p: Readonly<Record<string, unknown>>): Speaker | null {
  const s = str(p['speaker'])?.toLowerCase() ?? str(p['senderRole'])?.toLowerCase() ?? null;
  if (s !== null && SPEAKER_SET.has(s)) return s as Speaker;
  if (s === 'agent' || s === 'user' || s === 'owner') return 'rep';
  if (s === 'contact' || s === 'visitor' || s === 'requester') return 'customer';
  const direction = str(p['direction'])?.toLowerCase() ?? null;
  if (direction === 'inbound' || direction === 'incoming') return 'customer';
  if (direction === 'outbound' || direction === 'outgoing') return p['sentBy'] === 'baton' ? 'bot' : 'rep';
  return null;
}

function zendeskMessage(e: MessageEventFacts): ClassifiedMessage | null {
  if (e.type !== 'ticket.comment_added') return null;
  // Internal notes are not part of the conversation with the person.
  if (e.properties['public'] === false) return null;
  const ticketId = str(e.properties['ticketId']);
  if (ticketId === null) return null;
  const subdomain = str(obj(e.properties['zendesk'])?.['subdomain']) ?? 'zendesk';
  const speaker = declaredSpeaker(e.properties) ?? 'unknown';
  // The requester's words are the event's text; an agent's public reply rides in `agentComment`.
  const text = e.text ?? str(e.properties['agentComment']);
  return {
    channel: 'zendesk',
    threadKey: key('zendesk', subdomain, ticketId),
    speaker,
    text,
    subject: str(obj(e.properties['ticket'])?.['subject']),
  };
}

function phoneMessage(e: MessageEventFacts): ClassifiedMessage | null {
  const declared = str(e.properties['channel']);
  const channel =
    declared === 'whatsapp' || e.source === 'whatsapp' ? 'whatsapp' : declared === 'sms' || e.source === 'twilio' ? 'sms' : null;
  if (channel === null || e.type !== 'message.received') return null;
  const number = customerNumber(e, channel);
  if (number === null) return null;
  return { channel, threadKey: key(channel, number), speaker: 'customer', text: e.text, subject: null };
}

function hubspotInboxMessage(e: MessageEventFacts): ClassifiedMessage | null {
  if (e.type !== 'conversation.message_received') return null;
  // COMMENT is an internal note between agents in the inbox.
  if (str(e.properties['messageType'])?.toUpperCase() === 'COMMENT') return null;
  const thread = str(e.properties['objectId']);
  if (thread === null) return null;
  const portal = str(e.properties['portalId']) ?? 'hubspot';
  return {
    channel: 'hubspot_inbox',
    threadKey: key('hubspot', portal, thread),
    speaker: declaredSpeaker(e.properties) ?? 'unknown',
    text: e.text,
    subject: null,
  };
}

function salesforceCase(e: MessageEventFacts): ClassifiedMessage | null {
  if (e.type !== 'case.created' || e.text === null) return null;
  const org = str(e.properties['orgId']) ?? 'salesforce';
  const record = str(e.properties['recordId']);
  if (record === null) return null;
  const fields = obj(e.properties['fields']);
  return {
    channel: 'crm_case',
    threadKey: key('salesforce', org, 'case', record),
    speaker: 'customer',
    text: e.text,
    subject: str(fields?.['Subject']),
  };
}

function genericChannel(e: MessageEventFacts, family: string): ConversationChannel {
  const declared = str(e.properties['channel'])?.toLowerCase() ?? null;
  if (declared !== null && CHANNEL_SET.has(declared)) return declared as ConversationChannel;
  if (declared === 'ticket') return 'zendesk';
  if (family === 'email' || family === 'reply') return 'email';
  if (family === 'note') return 'crm_note';
  if (family === 'sms' || family === 'whatsapp' || family === 'chat') return family;
  return 'api';
}

function genericMessage(e: MessageEventFacts): ClassifiedMessage | null {
  if (e.text === null || e.text.trim() === '') return null;
  const family = e.type.slice(0, e.type.indexOf('.') < 0 ? e.type.length : e.type.indexOf('.'));
  if (!MESSAGE_FAMILIES.has(family)) return null;
  const channel = genericChannel(e, family);
  const speaker =
    declaredSpeaker(e.properties) ??
    (family === 'note' ? 'rep' : CUSTOMER_VERBS.test(e.type) ? 'customer' : AGENT_VERBS.test(e.type) ? 'rep' : 'customer');
  const subject = str(e.properties['subject']);
  const thread =
    str(e.properties['threadId']) ??
    str(e.properties['threadKey']) ??
    str(e.properties['conversationId']) ??
    str(e.properties['ticketId']) ??
    str(e.properties['recordId']);
  const threadKey =
    thread !== null
      ? key(channel, e.source, thread)
      : subject !== null && normalizeSubject(subject) !== ''
        ? key(channel, e.source, 'subject', normalizeSubject(subject))
        : (channel === 'sms' || channel === 'whatsapp') && customerNumber(e, channel) !== null
          ? key(channel, customerNumber(e, channel) ?? '')
          : key(channel, e.source);
  return { channel, threadKey, speaker, text: e.text, subject };
}

/** The conversation message an event is, or null when it is not one. */
export function classifyMessage(e: MessageEventFacts): ClassifiedMessage | null {
  if (e.source === 'baton') return null; // Baton's derived events (sentiment.dropped …) are not messages
  if (e.source === 'zendesk') return zendeskMessage(e);
  if (e.source === 'hubspot') return hubspotInboxMessage(e) ?? genericMessage(e);
  if (e.source === 'salesforce') return salesforceCase(e) ?? genericMessage(e);
  return phoneMessage(e) ?? genericMessage(e);
}

/** The thread of a message Baton sends itself (a run's message step) to a number on a channel. */
export function botThreadKey(channel: 'sms' | 'whatsapp', recipient: string): string {
  return key(channel, digits(recipient));
}
