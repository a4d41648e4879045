/**
 * Zendesk event-subscribed webhooks (fixed JSON envelope) → canonical events. Ticket events are about
 * the requester (zendeskUserId scoped by the account's subdomain); user events are about the user and
 * carry its email/phone identities. Status and priority arrive upper-case in event payloads and
 * lower-case in the REST API, so both are normalised to lower case.
 */
import { z } from 'zod';
import type { CanonicalEvent, Identifier } from '../../../app/events/canonical-event';

const id = z.union([z.string().trim().min(1).max(40), z.number().int().nonnegative()]).transform(String);

export const zendeskEnvelopeSchema = z.object({
  account_id: id.optional(),
  id: z.string().trim().min(1).max(200),
  type: z
    .string()
    .trim()
    .regex(/^zen:event-type:[a-z_]+\.[a-z_]+$/, 'must look like zen:event-type:ticket.created'),
  subject: z.string().max(200).optional(),
  time: z.iso.datetime({ offset: true }),
  zendesk_event_version: z.string().max(40).optional(),
  detail: z.record(z.string(), z.unknown()),
  event: z.record(z.string(), z.unknown()).default({}),
});
export type ZendeskEnvelope = z.infer<typeof zendeskEnvelopeSchema>;

export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
/** Statuses in which a ticket is still being worked on. */
export const OPEN_STATUSES: ReadonlySet<TicketStatus> = new Set(['new', 'open', 'pending', 'hold']);
const HIGH_PRIORITIES: ReadonlySet<TicketPriority> = new Set(['high', 'urgent']);

/** What the server keeps per ticket (open high-priority tickets suppress promotions). */
export interface TicketState {
  readonly ticketId: string;
  readonly requesterId: string | undefined;
  readonly status: TicketStatus | undefined;
  readonly priority: TicketPriority | undefined;
  readonly subject: string | undefined;
  readonly updatedAt: string;
  /** A public comment written by the requester in this event (the customer's own words). */
  readonly requesterComment: string | undefined;
}

export type ZendeskNormalized =
  | { readonly kind: 'event'; readonly event: CanonicalEvent; readonly ticket?: TicketState }
  | { readonly kind: 'unknown'; readonly type: string };

const TICKET_TYPES = new Set(['created', 'status_changed', 'comment_added', 'priority_changed']);
const USER_TYPES = new Set(['created', 'identity_created', 'identity_changed', 'identity_deleted', 'merged', 'deleted', 'active_changed']);

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function normalizeStatus(v: unknown): TicketStatus | undefined {
  const s = str(v)?.toLowerCase();
  return (TICKET_STATUSES as readonly string[]).includes(s ?? '') ? (s as TicketStatus) : undefined;
}
export function normalizePriority(v: unknown): TicketPriority | undefined {
  const s = str(v)?.toLowerCase();
  return (TICKET_PRIORITIES as readonly string[]).includes(s ?? '') ? (s as TicketPriority) : undefined;
}

export function isOpenHighPriority(status: TicketStatus | undefined, priority: TicketPriority | undefined): boolean {
  return status !== undefined && OPEN_STATUSES.has(status) && priority !== undefined && HIGH_PRIORITIES.has(priority);
}

/** A Zendesk identity (`{type, value}`) as a canonical identifier, when Baton resolves on that type. */
export function identityToIdentifier(identity: Record<string, unknown> | undefined): Identifier | undefined {
  const type = str(identity?.['type'])?.toLowerCase();
  const value = str(identity?.['value']);
  if (value === undefined) return undefined;
  if (type === 'email') return { type: 'email', value };
  if (type === 'phone_number' || type === 'phone') return { type: 'phone', value };
  return undefined;
}

/** Normalises one verified envelope. `subdomain` scopes Zendesk user ids to the account. */
export function normalizeZendeskEvent(envelope: ZendeskEnvelope, subdomain: string): ZendeskNormalized {
  const [, family = '', action = ''] = /^zen:event-type:([a-z_]+)\.([a-z_]+)$/.exec(envelope.type) ?? [];
  if (family === 'ticket' && TICKET_TYPES.has(action)) return ticketEvent(envelope, subdomain, action);
  if (family === 'user' && USER_TYPES.has(action)) return userEvent(envelope, subdomain, action);
  return { kind: 'unknown', type: envelope.type };
}

function base(
  envelope: ZendeskEnvelope,
  subdomain: string,
): { id: string; source: string; occurredAt: string; zendesk: Record<string, unknown> } {
  return {
    id: `zendesk:${envelope.id}`,
    source: 'zendesk',
    occurredAt: envelope.time,
    zendesk: {
      eventId: envelope.id,
      eventType: envelope.type,
      subdomain,
      ...(envelope.account_id === undefined ? {} : { accountId: envelope.account_id }),
    },
  };
}

function ticketEvent(envelope: ZendeskEnvelope, subdomain: string, action: string): ZendeskNormalized {
  const d = envelope.detail;
  const ticketId = str(d['id']) ?? /^zen:ticket:(\d+)$/.exec(envelope.subject ?? '')?.[1];
  const requesterId = str(d['requester_id']);
  if (ticketId === undefined || requesterId === undefined) return { kind: 'unknown', type: `${envelope.type} (no ticket or requester id)` };
  const status = normalizeStatus(d['status']);
  const priority = normalizePriority(d['priority']);
  const ev = envelope.event;
  const comment = obj(ev['comment']) ?? obj(ev['current']);
  const author = obj(comment?.['author']);
  const authorId = str(author?.['id']) ?? str(comment?.['author_id']);
  const isPublic = comment?.['is_public'] !== false && comment?.['public'] !== false;
  const body = str(comment?.['body']);
  const byRequester = action === 'comment_added' && body !== undefined && authorId === requesterId;
  const requesterComment = byRequester && isPublic ? body : undefined;
  const b = base(envelope, subdomain);
  const solved = status === 'solved' || status === 'closed';
  const type = action === 'status_changed' && solved ? 'ticket.solved' : `ticket.${action}`;
  const ticket = {
    id: ticketId,
    status: status ?? null,
    priority: priority ?? null,
    subject: str(d['subject']) ?? null,
    channel: str(obj(d['via'])?.['channel']) ?? null,
    ...(action === 'status_changed' ? { previousStatus: normalizeStatus(ev['previous']) ?? null } : {}),
    ...(action === 'priority_changed' ? { previousPriority: normalizePriority(ev['previous']) ?? null } : {}),
  };
  const journey =
    action === 'created'
      ? { kind: 'ticket', status: 'opened', ...(priority === undefined ? {} : { priority }) }
      : type === 'ticket.solved'
        ? { kind: 'ticket', status: 'solved', ...(priority === undefined ? {} : { priority }) }
        : action === 'priority_changed' && status !== undefined && OPEN_STATUSES.has(status)
          ? { kind: 'ticket', status: 'opened', ...(priority === undefined ? {} : { priority }) }
          : undefined;
  const event: CanonicalEvent = {
    id: b.id,
    source: b.source,
    type,
    occurredAt: b.occurredAt,
    subject: { identifiers: [{ type: 'zendeskUserId', value: requesterId, scope: subdomain }], traits: {} },
    ...(requesterComment === undefined ? {} : { text: requesterComment.slice(0, 20_000) }),
    properties: {
      zendesk: b.zendesk,
      ticket,
      // Flat fields the decisioning pipeline reads (server/decisioning/event-interpretation.ts).
      ticketId,
      status: status ?? null,
      priority: priority ?? null,
      openHighPriorityTicket: isOpenHighPriority(status, priority),
      ...(journey === undefined ? {} : { journey }),
      ...(action === 'comment_added'
        ? {
            channel: 'ticket',
            direction: byRequester ? 'inbound' : 'outbound',
            public: isPublic,
            ...(authorId === undefined ? {} : { authorId }),
            // An agent's public reply is part of the conversation (never the customer's signals, which read `text`).
            ...(!byRequester && isPublic && body !== undefined ? { agentComment: body.slice(0, 20_000) } : {}),
          }
        : {}),
    },
  };
  return {
    kind: 'event',
    event,
    ticket: {
      ticketId,
      requesterId,
      status,
      priority,
      subject: str(d['subject']),
      updatedAt: str(d['updated_at']) ?? envelope.time,
      requesterComment,
    },
  };
}

function userEvent(envelope: ZendeskEnvelope, subdomain: string, action: string): ZendeskNormalized {
  const d = envelope.detail;
  const userId = str(d['id']) ?? /^zen:user:(\d+)$/.exec(envelope.subject ?? '')?.[1];
  if (userId === undefined) return { kind: 'unknown', type: `${envelope.type} (no user id)` };
  const b = base(envelope, subdomain);
  const ev = envelope.event;
  const identifiers: Identifier[] = [{ type: 'zendeskUserId', value: userId, scope: subdomain }];
  const email = str(d['email']);
  const properties: Record<string, unknown> = { zendesk: b.zendesk, zendeskUserId: userId };
  let type = `user.${action}`;
  if (action === 'identity_created' || action === 'identity_changed') {
    const identity = identityToIdentifier(obj(ev['current']) ?? obj(ev['identity']) ?? ev);
    if (identity !== undefined) identifiers.push(identity);
    const previous = identityToIdentifier(obj(ev['previous']));
    if (previous !== undefined) properties['previousIdentity'] = previous;
  } else if (action === 'identity_deleted') {
    const removed = identityToIdentifier(obj(ev['previous']) ?? obj(ev['identity']) ?? obj(ev['current']) ?? ev);
    // The identity hook drops the record's evidence for identifiers listed in removedIdentifiers.
    if (removed !== undefined) properties['removedIdentifiers'] = [removed];
  } else if (action === 'merged') {
    // UNCONFIRMED payload shape: collect the other user's id from the fields merge events are seen with.
    const others = new Set<string>();
    for (const key of ['merged_user_id', 'source_user_id', 'target_user_id', 'merged_into_user_id', 'previous', 'current', 'user_id']) {
      const v = ev[key];
      const otherId = str(v) ?? str(obj(v)?.['id']);
      if (otherId !== undefined && /^\d+$/.test(otherId) && otherId !== userId) others.add(otherId);
    }
    properties['mergedFrom'] = [...others].map((value) => ({ type: 'zendeskUserId', value, scope: subdomain }));
  } else if (action === 'active_changed') {
    if (ev['current'] !== false && str(ev['current'])?.toLowerCase() !== 'false')
      return { kind: 'unknown', type: `${envelope.type} (reactivated)` };
    type = 'user.deleted';
  }
  if (email !== undefined && action !== 'identity_deleted' && type !== 'user.deleted') identifiers.push({ type: 'email', value: email });
  const role = str(d['role'])?.toLowerCase();
  // Agents and admins are staff, not customers: their identities must never link to a customer profile.
  if (role === 'agent' || role === 'admin') return { kind: 'unknown', type: `${envelope.type} (staff user)` };
  if (role !== undefined) properties['role'] = role;
  return {
    kind: 'event',
    event: { id: b.id, source: b.source, type, occurredAt: b.occurredAt, subject: { identifiers, traits: {} }, properties },
  };
}
