/**
 * Twilio messaging webhooks (form-encoded) → what Baton does with them: an inbound SMS/WhatsApp
 * message (a canonical `message.received` event, plus `consent.updated` for STOP/START keywords) or
 * a delivery status callback. WhatsApp senders are identified by WaId and phone; ProfileName is a
 * user-chosen display name, kept as a trait and never used as an identifier.
 */
import { z } from 'zod';
import type { CanonicalEvent, Identifier } from '../../../app/events/canonical-event';
import type { FormParams } from './signature';

/** Twilio's default opt-out / opt-in keywords (single-word messages only). */
export const OPT_OUT_KEYWORDS: ReadonlySet<string> = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'ARRET',
  'ARRETE',
  'ARRETT',
]);
export const OPT_IN_KEYWORDS: ReadonlySet<string> = new Set(['START', 'YES', 'UNSTOP']);

export type MessagingChannel = 'sms' | 'whatsapp';
export type ConsentChange = { readonly channel: MessagingChannel; readonly status: 'opted_in' | 'opted_out'; readonly keyword: string };

const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be a ${prefix}… sid`);
const one = z.union([z.string(), z.array(z.string()).transform((a) => a[0] ?? '')]);

const inboundSchema = z.looseObject({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be an SM…/MM… sid'),
  AccountSid: sid('AC'),
  From: one.pipe(z.string().min(3).max(100)),
  To: one.pipe(z.string().min(3).max(100)),
  Body: one.default(''),
  NumMedia: one.optional(),
  WaId: one.optional(),
  ProfileName: one.optional(),
  MessagingServiceSid: one.optional(),
});

const statusSchema = z.looseObject({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be an SM…/MM… sid'),
  AccountSid: sid('AC'),
  MessageStatus: one.pipe(z.string().min(1).max(40)),
  To: one.optional(),
  From: one.optional(),
  ErrorCode: one.optional(),
  ErrorMessage: one.optional(),
});

export type TwilioInbound =
  | {
      readonly kind: 'message';
      readonly channel: MessagingChannel;
      readonly accountSid: string;
      readonly address: string;
      readonly events: CanonicalEvent[];
      readonly consent?: ConsentChange;
      readonly occurredAt: string;
    }
  | {
      readonly kind: 'status';
      readonly accountSid: string;
      readonly messageSid: string;
      readonly status: string;
      readonly errorCode?: string;
      readonly to?: string;
      readonly channel: MessagingChannel;
    }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'unknown'; readonly type: string };

const stripChannel = (address: string): { channel: MessagingChannel; value: string } =>
  address.toLowerCase().startsWith('whatsapp:')
    ? { channel: 'whatsapp', value: address.slice('whatsapp:'.length).trim() }
    : { channel: 'sms', value: address.trim() };

/** The consent keyword a single-word message carries, if any. */
export function consentKeyword(body: string, channel: MessagingChannel): ConsentChange | undefined {
  const word = body
    .trim()
    .toUpperCase()
    .replace(/[.!]+$/, '');
  if (word === '' || /\s/.test(word)) return undefined;
  if (OPT_OUT_KEYWORDS.has(word)) return { channel, status: 'opted_out', keyword: word };
  if (OPT_IN_KEYWORDS.has(word)) return { channel, status: 'opted_in', keyword: word };
  return undefined;
}

/** Classifies and normalises one verified Twilio messaging webhook; `receivedAt` is the delivery time (Twilio sends none). */
export function normalizeTwilioWebhook(params: FormParams, receivedAt: string): TwilioInbound {
  const isStatus = params['MessageStatus'] !== undefined && params['SmsStatus'] !== 'received';
  if (isStatus) {
    const parsed = statusSchema.safeParse(params);
    if (!parsed.success)
      return { kind: 'invalid', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const p = parsed.data;
    const to = p.To === undefined ? undefined : stripChannel(p.To);
    return {
      kind: 'status',
      accountSid: p.AccountSid,
      messageSid: p.MessageSid,
      status: p.MessageStatus.toLowerCase(),
      channel: to?.channel ?? 'sms',
      ...(p.ErrorCode === undefined || p.ErrorCode === '' ? {} : { errorCode: p.ErrorCode }),
      ...(to === undefined ? {} : { to: to.value }),
    };
  }
  if (params['MessageSid'] === undefined) return { kind: 'unknown', type: 'twilio webhook without MessageSid (not a messaging webhook)' };
  const parsed = inboundSchema.safeParse(params);
  if (!parsed.success) return { kind: 'invalid', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const p = parsed.data;
  const from = stripChannel(p.From);
  const to = stripChannel(p.To);
  const identifiers: Identifier[] = [{ type: 'phone', value: from.value }];
  if (from.channel === 'whatsapp' && p.WaId !== undefined && p.WaId !== '') identifiers.push({ type: 'whatsappId', value: p.WaId });
  const numMedia = Number(p.NumMedia ?? '0');
  const media: { url: string; contentType: string | null }[] = [];
  for (let i = 0; i < (Number.isFinite(numMedia) ? Math.min(numMedia, 10) : 0); i++) {
    const url = params[`MediaUrl${i}`];
    const type = params[`MediaContentType${i}`];
    if (typeof url === 'string') media.push({ url, contentType: typeof type === 'string' ? type : null });
  }
  const traits: Record<string, string> = {};
  if (p.ProfileName !== undefined && p.ProfileName !== '') traits['profileName'] = p.ProfileName.slice(0, 200);
  const consent = consentKeyword(p.Body, from.channel);
  const message: CanonicalEvent = {
    id: `twilio:${p.MessageSid}`,
    source: 'twilio',
    type: 'message.received',
    occurredAt: receivedAt,
    subject: { identifiers, traits },
    ...(p.Body === '' ? {} : { text: p.Body.slice(0, 20_000) }),
    properties: {
      channel: from.channel,
      direction: 'inbound',
      provider: 'twilio',
      messageSid: p.MessageSid,
      to: to.value,
      ...(p.MessagingServiceSid === undefined ? {} : { messagingServiceSid: p.MessagingServiceSid }),
      ...(media.length === 0 ? {} : { media }),
      ...(consent === undefined ? {} : { consentKeyword: consent.keyword }),
      journey: { kind: 'engagement', type: `${from.channel}_inbound` },
    },
  };
  const events = [message];
  if (consent !== undefined) {
    events.push({
      id: `twilio:${p.MessageSid}:consent`,
      source: 'twilio',
      type: 'consent.updated',
      occurredAt: receivedAt,
      subject: { identifiers, traits: {} },
      properties: {
        channel: consent.channel,
        status: consent.status,
        keyword: consent.keyword,
        provider: 'twilio',
        messageSid: p.MessageSid,
        ...(consent.status === 'opted_out' ? { outcomeEvent: 'unsubscribe' } : {}),
      },
    });
  }
  return {
    kind: 'message',
    channel: from.channel,
    accountSid: p.AccountSid,
    address: from.value,
    events,
    occurredAt: receivedAt,
    ...(consent === undefined ? {} : { consent }),
  };
}
