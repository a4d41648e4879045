/**
 * The HubSpot sandbox's conversations inbox (conversations v3, documented wire formats): threads with
 * an associated contact, channel, channel account and assignee; messages (MESSAGE / COMMENT) with
 * senders and recipients by actor id and delivery identifier, direction, text, truncation (a long
 * text is cut and the whole kept for `/original-content`); and sending a message into a thread, which
 * checks the sender is an agent and the channel is the thread's. Registered on the sandbox app after
 * its bearer-token check (res.locals.portal is the caller's portal).
 */
import type { Express, Response } from 'express';
import type { PortalState, SandboxState } from './index';

export interface SandboxParty {
  actorId: string;
  name?: string;
  deliveryIdentifier?: { type: string; value: string };
}

export interface SandboxMessage {
  type: 'MESSAGE' | 'COMMENT';
  id: string;
  conversationsThreadId: string;
  createdAt: string;
  createdBy: string;
  client: { clientType: string; integrationAppId?: number };
  senders: SandboxParty[];
  recipients: SandboxParty[];
  text: string;
  richText: string;
  subject?: string;
  truncationStatus: 'NOT_TRUNCATED' | 'TRUNCATED' | 'TRUNCATED_TO_MOST_RECENT_REPLY';
  direction: 'INCOMING' | 'OUTGOING';
  channelId: string;
  channelAccountId: string;
  archived: boolean;
  /** The whole text when `text` was cut (served by /original-content). */
  original: string;
}

export interface SandboxThread {
  id: string;
  associatedContactId?: string;
  originalChannelId: string;
  originalChannelAccountId: string;
  assignedTo?: string;
  inboxId: string;
  status: 'OPEN' | 'CLOSED';
  createdAt: string;
  messages: SandboxMessage[];
}

export interface SandboxInbox {
  readonly threads: Map<string, SandboxThread>;
  /** Messages POSTed by the API (what Baton sent), in order. */
  readonly sent: { threadId: string; body: Record<string, unknown> }[];
}

/** Texts longer than this come back cut (TRUNCATED) from the message endpoint. */
export const SANDBOX_TRUNCATE_AT = 200;

const inboxes = new WeakMap<PortalState, SandboxInbox>();
let seq = 7_000_000;
const next = (): string => String(++seq);

export function inboxOf(state: SandboxState, portalId: string): SandboxInbox {
  const portal = state.portal(portalId);
  let inbox = inboxes.get(portal);
  if (inbox === undefined) {
    inbox = { threads: new Map(), sent: [] };
    inboxes.set(portal, inbox);
  }
  return inbox;
}

/** Opens a thread (EMAIL channel 1002 by default, as HubSpot numbers its email channel). */
export function createThread(
  state: SandboxState,
  portalId: string,
  over: Partial<Omit<SandboxThread, 'id' | 'messages'>> = {},
): SandboxThread {
  const thread: SandboxThread = {
    id: next(),
    originalChannelId: '1002',
    originalChannelAccountId: '55501',
    inboxId: '301',
    status: 'OPEN',
    createdAt: new Date().toISOString(),
    ...over,
    messages: [],
  };
  inboxOf(state, portalId).threads.set(thread.id, thread);
  return thread;
}

/** Posts a message into a thread as the CRM would (a customer's e-mail or chat, an agent's reply, a comment). */
type NewMessage = {
  from: SandboxParty;
  to?: SandboxParty[];
  text: string;
  direction?: 'INCOMING' | 'OUTGOING';
  type?: 'MESSAGE' | 'COMMENT';
  subject?: string;
  truncation?: 'TRUNCATED_TO_MOST_RECENT_REPLY';
};

export function addMessage(state: SandboxState, portalId: string, threadId: string, m: NewMessage): SandboxMessage {
  const thread = inboxOf(state, portalId).threads.get(threadId);
  if (thread === undefined) throw new Error(`sandbox: no thread ${threadId} in portal ${portalId}`);
  return pushMessage(thread, m);
}

function pushMessage(thread: SandboxThread, m: NewMessage): SandboxMessage {
  const cut = m.text.length > SANDBOX_TRUNCATE_AT;
  const message: SandboxMessage = {
    type: m.type ?? 'MESSAGE',
    id: `${next()}abc`,
    conversationsThreadId: thread.id,
    createdAt: new Date().toISOString(),
    createdBy: m.from.actorId,
    client: { clientType: 'HUBSPOT' },
    senders: [m.from],
    recipients: m.to ?? [],
    text: cut ? m.text.slice(0, SANDBOX_TRUNCATE_AT) : m.text,
    richText: `<div>${cut ? m.text.slice(0, SANDBOX_TRUNCATE_AT) : m.text}</div>`,
    ...(m.subject === undefined ? {} : { subject: m.subject }),
    truncationStatus: cut ? 'TRUNCATED' : (m.truncation ?? 'NOT_TRUNCATED'),
    direction: m.direction ?? (m.from.actorId.startsWith('A-') ? 'OUTGOING' : 'INCOMING'),
    channelId: thread.originalChannelId,
    channelAccountId: thread.originalChannelAccountId,
    archived: false,
    original: m.text,
  };
  thread.messages.push(message);
  return message;
}

const view = (m: SandboxMessage): Record<string, unknown> => {
  const { original: _original, ...wire } = m;
  return wire;
};

export function registerConversations(app: Express): void {
  const inbox = (res: Response): SandboxInbox => {
    const portal = res.locals['portal'] as PortalState;
    let found = inboxes.get(portal);
    if (found === undefined) {
      found = { threads: new Map(), sent: [] };
      inboxes.set(portal, found);
    }
    return found;
  };
  const notFound = (res: Response, what: string): void => {
    res.status(404).json({ status: 'error', message: `${what} not found`, correlationId: 'sandbox', category: 'OBJECT_NOT_FOUND' });
  };
  const base = '/conversations/v3/conversations/threads';

  app.get(`${base}/:threadId`, (req, res) => {
    const t = inbox(res).threads.get(req.params.threadId);
    if (t === undefined) return notFound(res, `thread ${req.params.threadId}`);
    const { messages: _m, ...wire } = t;
    res.json({ ...wire, latestMessageTimestamp: t.messages.at(-1)?.createdAt ?? t.createdAt, spam: false, archived: false });
  });
  app.get(`${base}/:threadId/messages`, (req, res) => {
    const t = inbox(res).threads.get(req.params.threadId);
    if (t === undefined) return notFound(res, `thread ${req.params.threadId}`);
    res.json({ results: t.messages.map(view), paging: {} });
  });
  app.get(`${base}/:threadId/messages/:messageId`, (req, res) => {
    const m = inbox(res)
      .threads.get(req.params.threadId)
      ?.messages.find((x) => x.id === req.params.messageId);
    if (m === undefined) return notFound(res, `message ${req.params.messageId}`);
    res.json(view(m));
  });
  app.get(`${base}/:threadId/messages/:messageId/original-content`, (req, res) => {
    const m = inbox(res)
      .threads.get(req.params.threadId)
      ?.messages.find((x) => x.id === req.params.messageId);
    if (m === undefined) return notFound(res, `message ${req.params.messageId}`);
    res.json({ text: m.original, richText: `<div>${m.original}</div>` });
  });
  app.post(`${base}/:threadId/messages`, (req, res) => {
    const t = inbox(res).threads.get(req.params.threadId);
    if (t === undefined) return notFound(res, `thread ${req.params.threadId}`);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const bad = (message: string): void =>
      void res.status(400).json({ status: 'error', message, category: 'VALIDATION_ERROR', correlationId: 'sandbox' });
    if (b['type'] !== 'MESSAGE' && b['type'] !== 'COMMENT') return bad('type must be MESSAGE or COMMENT');
    if (typeof b['text'] !== 'string' || b['text'] === '') return bad('text is required');
    if (typeof b['senderActorId'] !== 'string' || !b['senderActorId'].startsWith('A-'))
      return bad('senderActorId must be an agent actor (A-<userId>)');
    if (b['type'] === 'MESSAGE' && (b['channelId'] !== t.originalChannelId || b['channelAccountId'] !== t.originalChannelAccountId))
      return bad('channelId and channelAccountId must be those of the thread');
    const recipients = (Array.isArray(b['recipients']) ? b['recipients'] : []) as {
      actorId?: string;
      deliveryIdentifiers?: { type: string; value: string }[];
    }[];
    if (b['type'] === 'MESSAGE' && t.originalChannelId === '1002' && recipients.length === 0)
      return bad('recipients are required on the email channel');
    inbox(res).sent.push({ threadId: t.id, body: b });
    const m = pushMessage(t, {
      from: { actorId: b['senderActorId'] },
      to: recipients.map((r) => ({
        actorId: r.actorId ?? '',
        ...(r.deliveryIdentifiers?.[0] === undefined ? {} : { deliveryIdentifier: r.deliveryIdentifiers[0] }),
      })),
      text: b['text'],
      type: b['type'],
      direction: 'OUTGOING',
      ...(typeof b['subject'] === 'string' ? { subject: b['subject'] } : {}),
    });
    m.client = { clientType: 'INTEGRATION', integrationAppId: 54321 };
    res.status(201).json(view(m));
  });
}
