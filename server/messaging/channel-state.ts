/**
 * What the messaging vendors (Twilio, WhatsApp Cloud) share about a channel's state: the key an
 * address is stored under, the order of delivery states, and a consent change as a canonical event.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { MessagingChannel } from './messaging-state.repository';

/** The key Baton stores messaging state under: E.164 for SMS, wa_id digits for WhatsApp. */
export const addressKey = (channel: MessagingChannel, address: string): string =>
  channel === 'whatsapp' ? address.replace(/^\+/, '') : address;

/** Message delivery states in order (Twilio's MessageStatus values, which WhatsApp's statuses are a subset of); a callback never moves a message backwards. */
export const DELIVERY_RANK: Readonly<Record<string, number>> = {
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  receiving: 4,
  received: 5,
  delivered: 6,
  read: 7,
  undelivered: 8,
  failed: 8,
  canceled: 8,
  partially_delivered: 6,
};

/** A consent change learned from the vendor (keyword, or an opt-out error on a send), as a canonical event. */
export function consentEvent(
  source: string,
  id: string,
  channel: MessagingChannel,
  phone: string,
  status: 'opted_in' | 'opted_out',
  at: string,
  extra: Record<string, unknown>,
): CanonicalEvent {
  return {
    id,
    source,
    type: 'consent.updated',
    occurredAt: at,
    subject: {
      identifiers: [
        channel === 'whatsapp' && !phone.startsWith('+') ? { type: 'whatsappId', value: phone } : { type: 'phone', value: phone },
      ],
      traits: {},
    },
    properties: { channel, status, ...(status === 'opted_out' ? { outcomeEvent: 'unsubscribe' } : {}), ...extra },
  };
}
