/**
 * Consent and opt-out per channel. An explicit opt-out always blocks. Channels configured as
 * `opt_in` (SMS and WhatsApp by default) need an explicit opt-in; `opt_out` channels (email by
 * default) may be used unless the person opted out. An `unsubscribe` intent in a recent message
 * counts as an opt-out from promotional contact on every channel, even before the CRM catches up.
 */
import { isCustomerContactChannel } from '../catalog';
import { ALLOW, HOUR_MS, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput } from './types';

export const consentPolicy: ContactPolicy = {
  id: 'consent',
  summary: 'Contact a person on a channel only with the consent that channel requires; never after an opt-out.',
  bind(input: PolicyInput): BoundPolicy {
    const { profile, config, now, signals } = input;
    const since = now - config.consent.unsubscribeIntentLookbackHours * HOUR_MS;
    const unsubscribe = signals.find((s) => s.intent === 'unsubscribe' && s.at >= since && s.at <= now);
    return (candidate) => {
      const channel = candidate.action.channel;
      if (channel !== 'email' && channel !== 'sms' && channel !== 'whatsapp') return ALLOW;
      const status = profile.consent?.[channel] ?? 'unknown';
      if (status === 'opted_out') return { kind: 'block', reason: `opted out of ${channel}` };
      if (config.consent[channel] === 'opt_in' && status !== 'opted_in') {
        return { kind: 'block', reason: `${channel} requires explicit opt-in; consent is ${status}` };
      }
      if (unsubscribe && candidate.promotional && isCustomerContactChannel(channel)) {
        return { kind: 'block', reason: `asked to unsubscribe in a message at ${formatInstant(unsubscribe.at)}` };
      }
      return ALLOW;
    };
  },
};
