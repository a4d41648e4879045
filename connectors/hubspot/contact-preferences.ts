/**
 * Contact preferences that change in HubSpot after Baton first read the contact: a property change of
 * `hs_timezone` becomes the profile's `timeZone` trait (quiet hours use it before the tenant default),
 * and one of `hs_email_optout` (the contact opted out of all email, or an admin set it) becomes Baton
 * email consent through a `consent.updated` event: `true` is an opt-out; `false` lifts an opt-out back
 * to unknown (not an opt-in: the subscription types still decide marketing email).
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { ianaZoneOfHubSpot } from './timezone';

/** Contact properties whose changes Baton subscribes to for this (manifest.json webhooks). */
export const PREFERENCE_PROPERTIES = ['hs_timezone', 'hs_email_optout'] as const;

/** The event as stored, plus the consent event a preference change implies (none for other changes). */
export function withContactPreferences(event: CanonicalEvent): CanonicalEvent[] {
  const p = event.properties ?? {};
  if (event.source !== 'hubspot' || event.type !== 'contact.updated' || p['objectType'] !== 'contact') return [event];
  const name = p['propertyName'];
  const value = p['propertyValue'];
  if (name === 'hs_timezone') {
    const timeZone = ianaZoneOfHubSpot(typeof value === 'string' ? value : null);
    if (timeZone === undefined) return [event];
    return [
      { ...event, subject: { ...event.subject, traits: { ...event.subject.traits, timeZone, timeZoneSource: 'hubspot:hs_timezone' } } },
    ];
  }
  if (name === 'hs_email_optout') {
    const optedOut = String(value).toLowerCase() === 'true';
    const consent: CanonicalEvent = {
      id: `${event.id}:consent`,
      source: 'hubspot',
      type: 'consent.updated',
      occurredAt: event.occurredAt,
      subject: { identifiers: event.subject.identifiers, traits: {} },
      properties: {
        portalId: p['portalId'],
        objectType: 'contact',
        objectId: p['objectId'],
        channel: 'email',
        status: optedOut ? 'opted_out' : 'unknown',
        reason: 'hs_email_optout',
      },
    };
    return [event, consent];
  }
  return [event];
}
