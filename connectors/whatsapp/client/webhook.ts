/**
 * WhatsApp Cloud API webhooks → canonical message events and delivery statuses. One POST may carry
 * several entries, changes, messages and statuses; each message becomes one event keyed by its wamid
 * (Meta retries deliveries for days, so duplicates collapse on that id). The sender's wa_id is its
 * own identifier (it is not always the E.164 digits: Brazil, Mexico); the profile name is a trait.
 */
import { z } from 'zod';
import type { CanonicalEvent } from '../../../app/events/canonical-event';

const messageSchema = z.looseObject({
  from: z.string().regex(/^\d{5,20}$/, 'must be a wa_id (digits)'),
  id: z.string().min(1).max(200),
  timestamp: z.string().regex(/^\d{1,12}$/, 'must be unix seconds'),
  type: z.string().min(1).max(40),
  text: z.looseObject({ body: z.string().max(20_000) }).optional(),
  button: z.looseObject({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  interactive: z.looseObject({}).optional(),
  context: z.looseObject({}).optional(),
});

const statusSchema = z.looseObject({
  id: z.string().min(1).max(200),
  status: z.string().min(1).max(40),
  timestamp: z.string().regex(/^\d{1,12}$/),
  recipient_id: z.string().max(40).optional(),
  errors: z.array(z.looseObject({ code: z.number().optional(), title: z.string().optional() })).optional(),
});

const valueSchema = z.looseObject({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string().min(1) }),
  contacts: z.array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(messageSchema).optional(),
  statuses: z.array(statusSchema).optional(),
});

export const whatsappPayloadSchema = z.object({
  object: z.string().min(1),
  entry: z.array(z.object({ id: z.string(), changes: z.array(z.object({ field: z.string(), value: z.unknown() })) })).min(1),
});
export type WhatsAppPayload = z.infer<typeof whatsappPayloadSchema>;

export interface WhatsAppStatus {
  readonly messageId: string;
  readonly status: string;
  readonly recipientId: string | undefined;
  readonly errorCode: number | undefined;
  readonly at: string;
}

export interface WhatsAppNormalized {
  readonly events: CanonicalEvent[];
  /** Sender wa_id and when they wrote (opens the 24-hour window). */
  readonly inbound: { readonly waId: string; readonly at: string }[];
  readonly statuses: WhatsAppStatus[];
  /** Changes Baton does not handle (other fields, other phone numbers), counted. */
  readonly ignored: string[];
  /** Parts of the payload that do not match the documented shape. */
  readonly invalid: string[];
}

const iso = (unixSeconds: string): string => new Date(Number(unixSeconds) * 1000).toISOString();

function messageText(m: z.infer<typeof messageSchema>): string | undefined {
  if (m.text?.body !== undefined) return m.text.body;
  if (m.button?.text !== undefined) return m.button.text;
  const interactive = m.interactive as { button_reply?: { title?: unknown }; list_reply?: { title?: unknown } } | undefined;
  const title = interactive?.button_reply?.title ?? interactive?.list_reply?.title;
  return typeof title === 'string' ? title : undefined;
}

/** Normalises a verified payload. Changes for another phone number id are ignored (apps may see each other's events). */
export function normalizeWhatsAppPayload(payload: WhatsAppPayload, phoneNumberId: string): WhatsAppNormalized {
  const out: WhatsAppNormalized = { events: [], inbound: [], statuses: [], ignored: [], invalid: [] };
  if (payload.object !== 'whatsapp_business_account') {
    out.ignored.push(`object:${payload.object}`);
    return out;
  }
  for (const entry of payload.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        out.ignored.push(`field:${change.field}`);
        continue;
      }
      const parsed = valueSchema.safeParse(change.value);
      if (!parsed.success) {
        out.invalid.push(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        continue;
      }
      const value = parsed.data;
      if (value.metadata.phone_number_id !== phoneNumberId) {
        out.ignored.push(`phone_number_id:${value.metadata.phone_number_id}`);
        continue;
      }
      for (const m of value.messages ?? []) {
        const contact = value.contacts?.find((c) => c.wa_id === m.from) ?? value.contacts?.[0];
        const name = contact?.profile?.name;
        const text = messageText(m);
        const at = iso(m.timestamp);
        out.inbound.push({ waId: m.from, at });
        out.events.push({
          id: `whatsapp:${m.id}`,
          source: 'whatsapp',
          type: 'message.received',
          occurredAt: at,
          subject: {
            identifiers: [{ type: 'whatsappId', value: m.from }],
            traits: name === undefined || name === '' ? {} : { profileName: name.slice(0, 200) },
          },
          ...(text === undefined || text === '' ? {} : { text: text.slice(0, 20_000) }),
          properties: {
            channel: 'whatsapp',
            direction: 'inbound',
            provider: 'whatsapp_cloud',
            messageId: m.id,
            messageType: m.type,
            phoneNumberId,
            ...(value.metadata.display_phone_number === undefined ? {} : { to: value.metadata.display_phone_number }),
            ...(m.context === undefined ? {} : { context: m.context }),
            journey: { kind: 'engagement', type: 'whatsapp_inbound' },
          },
        });
      }
      for (const s of value.statuses ?? []) {
        out.statuses.push({
          messageId: s.id,
          status: s.status.toLowerCase(),
          recipientId: s.recipient_id,
          errorCode: s.errors?.[0]?.code,
          at: iso(s.timestamp),
        });
      }
    }
  }
  return out;
}
