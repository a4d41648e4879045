/**
 * HubSpot conversations inbox (conversations v3): reading a message the `conversation.newMessage`
 * webhook announced (the webhook carries neither text nor sender), its thread (the associated contact,
 * channel, assignee), its original content when HubSpot cut it, and sending a reply into the thread.
 * Formats (developers.hubspot.com, conversations v3 "public message"/"public thread"):
 *   - a message has `type` MESSAGE (to/from the customer) or COMMENT (internal note) among other
 *     thread-activity types, `senders[]`/`recipients[]` with `actorId` (`V-` visitor, `A-` agent user,
 *     `B-` bot, `E-` e-mail address, `I-` integration, `S-` system) and a `deliveryIdentifier`
 *     (`HS_EMAIL_ADDRESS`, `HS_PHONE_NUMBER`, `CHANNEL_SPECIFIC_OPAQUE_ID`), `direction`
 *     INCOMING/OUTGOING, `text`/`richText`, `truncationStatus`, `channelId`/`channelAccountId`;
 *   - `/original-content` answers `{ text, richText }` for a truncated message;
 *   - a thread has `associatedContactId`, `originalChannelId`, `originalChannelAccountId`, `assignedTo`.
 * Pure mapping (`inboxMessageEvent`) is separate from the calls so tests and the handler agree.
 */
import { z } from 'zod';
import type { CanonicalEvent, Identifier } from '../../../app/events/canonical-event';
import type { HubSpotApi } from './api';
import { HubSpotCallError } from './errors';
import { contactIdentifier } from './webhook';

const BASE = '/conversations/v3/conversations/threads';
const idString = z.union([z.string(), z.number()]).transform(String);
/** An optional field HubSpot may send as null: absent either way. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

const deliveryIdentifier = z.looseObject({ type: z.string(), value: z.string() });
const party = z.looseObject({ actorId: z.string().optional(), name: opt(z.string()), deliveryIdentifier: opt(deliveryIdentifier) });

export const inboxMessageSchema = z.looseObject({
  type: z.string(),
  id: idString,
  conversationsThreadId: idString.optional(),
  createdAt: z.string(),
  createdBy: opt(z.string()),
  client: z.looseObject({ clientType: z.string().optional(), integrationAppId: opt(z.number()) }).nullish(),
  senders: z.array(party).default([]),
  recipients: z.array(party).default([]),
  text: opt(z.string()),
  richText: opt(z.string()),
  subject: opt(z.string()),
  truncationStatus: opt(z.string()),
  direction: opt(z.string()),
  channelId: opt(idString),
  channelAccountId: opt(idString),
});
export type InboxMessage = z.infer<typeof inboxMessageSchema>;

export const inboxThreadSchema = z.looseObject({
  id: idString,
  associatedContactId: opt(idString),
  originalChannelId: opt(idString),
  originalChannelAccountId: opt(idString),
  assignedTo: opt(z.string()),
  inboxId: opt(idString),
  status: opt(z.string()),
});
export type InboxThread = z.infer<typeof inboxThreadSchema>;

const originalContentSchema = z.looseObject({ text: opt(z.string()), richText: opt(z.string()) });
const messagePageSchema = z.looseObject({ results: z.array(z.unknown()).default([]) });

export type ActorKind = 'visitor' | 'agent' | 'bot' | 'email' | 'integration' | 'system' | 'unknown';
const ACTOR_PREFIXES: Readonly<Record<string, ActorKind>> = {
  V: 'visitor',
  A: 'agent',
  B: 'bot',
  E: 'email',
  I: 'integration',
  S: 'system',
};

export const actorKindOf = (actorId: string | undefined): ActorKind =>
  actorId === undefined ? 'unknown' : (ACTOR_PREFIXES[actorId.slice(0, actorId.indexOf('-'))] ?? 'unknown');

/**
 * Who spoke, in the conversation classifier's terms (app/conversation/messages.ts): a visitor or an
 * e-mail sender is the customer, an agent user is a rep, a bot/integration/system is not the customer
 * either ('bot'). Without a recognisable sender, the direction decides.
 */
export function speakerOf(message: InboxMessage): 'customer' | 'rep' | 'bot' {
  const kind = actorKindOf(message.senders[0]?.actorId ?? message.createdBy ?? undefined);
  if (kind === 'visitor' || kind === 'email') return 'customer';
  if (kind === 'agent') return 'rep';
  if (kind === 'bot' || kind === 'integration' || kind === 'system') return 'bot';
  return message.direction === 'OUTGOING' ? 'rep' : 'customer';
}

/** Whether HubSpot cut the text for length (the whole text is at `/original-content`). A reply cut to its newest part is kept as is. */
export const needsOriginalContent = (message: InboxMessage): boolean => message.truncationStatus === 'TRUNCATED';

/** Plain text of rich (HTML) text: tags dropped, common entities decoded, whitespace collapsed. */
export function plainText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/li)\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

const MAX_TEXT = 20_000;

/** The customer's side of a message: its senders when incoming, its recipients when outgoing. */
function customerParties(message: InboxMessage): InboxMessage['senders'] {
  const incoming = message.direction === 'INCOMING' || (message.direction === undefined && speakerOf(message) === 'customer');
  return (incoming ? message.senders : message.recipients).filter((p) => {
    const kind = actorKindOf(p.actorId);
    return kind === 'visitor' || kind === 'email' || kind === 'unknown';
  });
}

/**
 * Who the message is about: the thread's associated contact when HubSpot linked one; otherwise the
 * customer party's e-mail address or phone number; otherwise its actor id inside the portal.
 */
export function subjectIdentifiers(portalId: string, thread: InboxThread, message: InboxMessage): Identifier[] {
  if (thread.associatedContactId !== undefined && thread.associatedContactId !== '')
    return [contactIdentifier(portalId, thread.associatedContactId)];
  const out: Identifier[] = [];
  const parties = customerParties(message);
  for (const p of parties) {
    const d = p.deliveryIdentifier;
    if (d === undefined || d.value.trim() === '') continue;
    if (d.type === 'HS_EMAIL_ADDRESS' && d.value.includes('@'))
      out.push({ type: 'email', value: d.value.trim().toLowerCase().slice(0, 320) });
    if (d.type === 'HS_PHONE_NUMBER') out.push({ type: 'phone', value: d.value.trim().slice(0, 320) });
  }
  if (out.length > 0) return out;
  const actor = parties.find((p) => p.actorId !== undefined)?.actorId;
  if (actor !== undefined) return [{ type: 'externalId', value: `actor-${actor}`.slice(0, 320), scope: `hubspot-${portalId}` }];
  return [];
}

/**
 * An inbox MESSAGE as the canonical event the conversation classifier reads
 * (`conversation.message_received`, thread id in `objectId`, `speaker` declared, text filled);
 * null for other message types (internal COMMENTs, thread activity) or when nobody can be named.
 */
export function inboxMessageEvent(
  portalId: string,
  thread: InboxThread,
  message: InboxMessage,
  fullText?: { text?: string | undefined; richText?: string | undefined },
): CanonicalEvent | null {
  if (message.type !== 'MESSAGE') return null;
  const identifiers = subjectIdentifiers(portalId, thread, message);
  if (identifiers.length === 0) return null;
  const source = fullText ?? message;
  const text = (
    source.text !== undefined && source.text.trim() !== '' ? source.text : source.richText !== undefined ? plainText(source.richText) : ''
  ).slice(0, MAX_TEXT);
  const sender = message.senders[0];
  const properties: Record<string, unknown> = {
    portalId,
    objectType: 'conversation',
    objectId: thread.id,
    threadId: thread.id,
    messageId: message.id,
    messageType: message.type,
    speaker: speakerOf(message),
    ...(message.direction === undefined ? {} : { direction: message.direction }),
    ...(sender?.actorId === undefined ? {} : { actorId: sender.actorId }),
    ...(message.channelId === undefined ? {} : { channelId: message.channelId }),
    ...(message.channelAccountId === undefined ? {} : { channelAccountId: message.channelAccountId }),
    ...(message.subject === undefined || message.subject === '' ? {} : { subject: message.subject.slice(0, 500) }),
    ...(thread.associatedContactId === undefined ? {} : { associatedContactId: thread.associatedContactId }),
    ...(message.truncationStatus === undefined ? {} : { truncationStatus: message.truncationStatus }),
  };
  return {
    id: `hubspot:${portalId}:conversation.message:${thread.id}:${message.id}`,
    source: 'hubspot',
    type: 'conversation.message_received',
    occurredAt: new Date(message.createdAt).toISOString(),
    subject: { identifiers, traits: {} },
    ...(text === '' ? {} : { text }),
    properties,
  };
}

export interface SendMessageInput {
  readonly text: string;
  readonly richText?: string;
  readonly senderActorId: string;
  readonly channelId: string;
  readonly channelAccountId: string;
  readonly recipients?: readonly { actorId?: string; deliveryIdentifiers?: { type: string; value: string }[] }[];
  readonly subject?: string;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new HubSpotCallError(
      502,
      { message: `unexpected ${what} answer: ${r.error.issues[0]?.message ?? 'invalid'}` },
      {},
      `unexpected ${what} answer`,
    );
  return r.data;
}

const digitsOnly = (id: string, what: string): string => {
  if (!/^\d{1,20}$/.test(id)) throw new HubSpotCallError(400, { message: `${what} must be a numeric id` }, {}, `bad ${what}`);
  return id;
};

/** The conversations v3 endpoints Baton calls, over the shared adapter (gate, token, deadline). */
export class HubSpotConversations {
  constructor(private readonly api: HubSpotApi) {}

  async message(portalId: string, threadId: string, messageId: string): Promise<InboxMessage> {
    return parsed(
      inboxMessageSchema,
      await this.api.request(portalId, {
        method: 'GET',
        path: `${BASE}/${digitsOnly(threadId, 'threadId')}/messages/${encodeURIComponent(messageId)}`,
      }),
      'message',
    );
  }

  async originalContent(
    portalId: string,
    threadId: string,
    messageId: string,
  ): Promise<{ text?: string | undefined; richText?: string | undefined }> {
    return parsed(
      originalContentSchema,
      await this.api.request(portalId, {
        method: 'GET',
        path: `${BASE}/${digitsOnly(threadId, 'threadId')}/messages/${encodeURIComponent(messageId)}/original-content`,
      }),
      'original content',
    );
  }

  async thread(portalId: string, threadId: string): Promise<InboxThread> {
    return parsed(
      inboxThreadSchema,
      await this.api.request(portalId, { method: 'GET', path: `${BASE}/${digitsOnly(threadId, 'threadId')}` }),
      'thread',
    );
  }

  /** The thread's messages (HubSpot answers newest last); entries that do not parse as messages are skipped. */
  async messages(portalId: string, threadId: string): Promise<InboxMessage[]> {
    const page = parsed(
      messagePageSchema,
      await this.api.request(portalId, {
        method: 'GET',
        path: `${BASE}/${digitsOnly(threadId, 'threadId')}/messages`,
        qs: { limit: '100' },
      }),
      'message list',
    );
    return page.results.flatMap((m) => {
      const r = inboxMessageSchema.safeParse(m);
      return r.success ? [r.data] : [];
    });
  }

  async send(portalId: string, threadId: string, input: SendMessageInput): Promise<InboxMessage> {
    const body = {
      type: 'MESSAGE',
      text: input.text,
      ...(input.richText === undefined ? {} : { richText: input.richText }),
      senderActorId: input.senderActorId,
      channelId: input.channelId,
      channelAccountId: input.channelAccountId,
      ...(input.recipients === undefined || input.recipients.length === 0 ? {} : { recipients: input.recipients }),
      ...(input.subject === undefined ? {} : { subject: input.subject }),
    };
    return parsed(
      inboxMessageSchema,
      await this.api.request(portalId, { method: 'POST', path: `${BASE}/${digitsOnly(threadId, 'threadId')}/messages`, body }),
      'sent message',
    );
  }
}
