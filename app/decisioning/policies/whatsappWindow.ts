/**
 * WhatsApp's customer-service window: a free-form (session) message may only be sent within 24
 * hours of the person's last inbound WhatsApp message; outside it only an approved template may be
 * sent. An action with a `template` is therefore allowed anywhere; one without is blocked outside.
 */
import { ALLOW, HOUR_MS, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput } from './types';

/** The latest inbound WhatsApp message time known from the profile or the triggering signal. */
export function lastWhatsAppInbound(input: PolicyInput): number | undefined {
  let last = input.profile.lastInboundAt?.whatsapp;
  for (const signal of input.signals) {
    if (signal.channel === 'whatsapp' && signal.at <= input.now && (last === undefined || signal.at > last)) last = signal.at;
  }
  return last;
}

export const whatsappWindowPolicy: ContactPolicy = {
  id: 'whatsapp_window',
  summary: 'Outside 24 hours since the last inbound WhatsApp message, send templates only.',
  bind(input: PolicyInput): BoundPolicy {
    const windowMs = input.config.whatsapp.sessionWindowHours * HOUR_MS;
    const last = lastWhatsAppInbound(input);
    const open = last !== undefined && input.now - last < windowMs;
    const outside =
      last === undefined ? 'no inbound WhatsApp message on record' : `last inbound WhatsApp message at ${formatInstant(last)}`;
    const templateNote = { kind: 'allow', note: `template message (session window closed: ${outside})` } as const;
    return (candidate) => {
      if (candidate.action.channel !== 'whatsapp' || open) return ALLOW;
      if (candidate.action.template !== undefined) return templateNote;
      return {
        kind: 'block',
        reason: `outside the ${input.config.whatsapp.sessionWindowHours} h WhatsApp window (${outside}): only a template may be sent`,
      };
    };
  },
};
