import { canonicalEventSchema, type CanonicalEvent } from '../../../app/events/canonical-event';
import {
  canonicalOf,
  changeEventToCanonical,
  flattenAddresses,
  personFactFields,
  recordTimeZone,
  timeZoneOfValue,
  withPersonFacts,
  type ChangeEventMessage,
} from '../../../connectors/salesforce/client';

const ORG = '00D5e000000KQ2eEAG';
const CONTACT = '0035g00000AbCdEAAF';

const change = (
  fields: Record<string, unknown>,
  over: { entity?: string; via?: 'cdc' | 'outbound_message' | 'resync'; changedFields?: string[]; change?: string } = {},
): CanonicalEvent =>
  canonicalOf({
    orgId: ORG,
    entity: over.entity ?? 'Contact',
    recordId: CONTACT,
    change: over.change ?? 'updated',
    occurredAt: '2026-05-04T09:00:00.000Z',
    fields: { Email: 'ada@example.com', ...fields },
    sourceEventId: 'cdc:Contact:1001:x',
    via: over.via ?? 'cdc',
    ...(over.changedFields === undefined ? {} : { changedFields: over.changedFields }),
  });

const consentOf = (events: CanonicalEvent[]) =>
  events.filter((e) => e.type === 'consent.updated').map((e) => [e.properties?.['channel'], e.properties?.['status']]);

describe("Salesforce person facts: opt-outs as consent, the record's time zone as a trait", () => {
  it('turns Email Opt Out into an email opt-out and Do Not Call into sms and whatsapp opt-outs, as valid events about the same person', () => {
    const events = withPersonFacts(change({ HasOptedOutOfEmail: true, DoNotCall: true }));
    expect(events[0]?.type).toBe('contact.updated');
    expect(consentOf(events)).toEqual([
      ['email', 'opted_out'],
      ['sms', 'opted_out'],
      ['whatsapp', 'opted_out'],
    ]);
    for (const e of events) expect(canonicalEventSchema.safeParse(e).success).toBe(true);
    const [, email] = events;
    expect(email?.subject.identifiers).toEqual(events[0]?.subject.identifiers);
    expect(email?.id).toBe('cdc:Contact:1001:x:consent:email');
    expect(email?.occurredAt).toBe('2026-05-04T09:00:00.000Z');
  });

  it('lifts an opt-out to unknown only when a change event says the flag was turned off; a snapshot with it off says nothing', () => {
    expect(consentOf(withPersonFacts(change({ HasOptedOutOfEmail: false }, { changedFields: ['HasOptedOutOfEmail'] })))).toEqual([
      ['email', 'unknown'],
    ]);
    expect(consentOf(withPersonFacts(change({ HasOptedOutOfEmail: false, DoNotCall: false }, { via: 'resync' })))).toEqual([]);
    expect(consentOf(withPersonFacts(change({ HasOptedOutOfEmail: false }, { via: 'outbound_message' })))).toEqual([]);
    expect(consentOf(withPersonFacts(change({ HasOptedOutOfEmail: false, Title: 'CTO' }, { changedFields: ['Title'] })))).toEqual([]);
    // Outbound Messages carry checkboxes as text.
    expect(consentOf(withPersonFacts(change({ HasOptedOutOfEmail: 'true', DoNotCall: 'false' }, { via: 'outbound_message' })))).toEqual([
      ['email', 'opted_out'],
    ]);
  });

  it('leaves other objects, other sources and deletions alone', () => {
    const account = change({ HasOptedOutOfEmail: true, MailingCountry: 'Japan' }, { entity: 'Account' });
    expect(withPersonFacts(account)).toEqual([account]);
    const deleted = change({ HasOptedOutOfEmail: true }, { change: 'deleted' });
    expect(withPersonFacts(deleted)).toEqual([deleted]);
    const api = { ...change({ HasOptedOutOfEmail: true }), source: 'api' };
    expect(withPersonFacts(api)).toEqual([api]);
  });

  it('takes the time zone from the configured field (namespace-aware), else the mailing country/state, naming the source', () => {
    const both = { Time_Zone__c: 'America/Denver', MailingCountry: 'Japan' };
    expect(recordTimeZone('Contact', both, { timeZoneField: 'Time_Zone__c' })).toEqual({
      timeZone: 'America/Denver',
      source: 'salesforce:Contact.Time_Zone__c',
    });
    // The package's fields arrive by their bare names: a namespaced setting still finds it.
    expect(recordTimeZone('Contact', both, { timeZoneField: 'baton__Time_Zone__c', namespace: 'baton' })).toEqual({
      timeZone: 'America/Denver',
      source: 'salesforce:Contact.Time_Zone__c',
    });
    expect(recordTimeZone('Contact', both)).toEqual({ timeZone: 'Asia/Tokyo', source: 'salesforce:Contact.MailingCountry' });
    expect(
      recordTimeZone(
        'Contact',
        { Time_Zone__c: 'Pacific Time', MailingCountry: 'US', MailingState: 'WA' },
        { timeZoneField: 'Time_Zone__c' },
      ),
    ).toEqual({ timeZone: 'America/Los_Angeles', source: 'salesforce:Contact.MailingState' });
    expect(recordTimeZone('Lead', { Country: 'Brazil', State: 'Amazonas' })).toEqual({
      timeZone: 'America/Manaus',
      source: 'salesforce:Lead.State',
    });
    expect(recordTimeZone('Lead', { CountryCode: 'AU', StateCode: 'WA' })).toEqual({
      timeZone: 'Australia/Perth',
      source: 'salesforce:Lead.State',
    });
    expect(recordTimeZone('Contact', { MailingCountry: 'United States' })).toBeUndefined();
    expect(recordTimeZone('Contact', {})).toBeUndefined();
  });

  it('reads a zone from a plain IANA value or a picklist label, and nothing else', () => {
    expect(timeZoneOfValue('Europe/Paris')).toBe('Europe/Paris');
    expect(timeZoneOfValue('(GMT+01:00) Central European Standard Time (Europe/Paris)')).toBe('Europe/Paris');
    expect(timeZoneOfValue('Mars/Olympus')).toBeUndefined();
    expect(timeZoneOfValue('EST')).toBeUndefined();
    expect(timeZoneOfValue(42)).toBeUndefined();
  });

  it("puts the zone on the record event's traits, and a change event's nested MailingAddress counts like flat fields", () => {
    const message: ChangeEventMessage = {
      payload: {
        ChangeEventHeader: {
          entityName: 'Contact',
          recordIds: [CONTACT],
          changeType: 'UPDATE',
          commitTimestamp: Date.parse('2026-05-04T09:00:00Z'),
          changedFields: ['MailingAddress.State', 'MailingAddress.Country'],
        },
        MailingAddress: { State: 'Texas', Country: 'United States' },
      },
      event: { replayId: 2001 },
    };
    const [event] = changeEventToCanonical(ORG, message);
    expect(event?.properties?.['fields']).toEqual({ MailingState: 'Texas', MailingCountry: 'United States' });
    expect(event?.properties?.['changedFields']).toEqual(['MailingState', 'MailingCountry']);
    const [withZone] = withPersonFacts(event as CanonicalEvent);
    expect(withZone?.subject.traits).toMatchObject({ timeZone: 'America/Chicago', timeZoneSource: 'salesforce:Contact.MailingState' });
    expect(flattenAddresses({ Address: { Country: 'Japan' }, Name: 'x', OtherAddress: null })).toEqual({
      Country: 'Japan',
      Name: 'x',
      OtherAddress: null,
    });
  });

  it('names the fields a resync must read for these facts', () => {
    expect(personFactFields('Contact', 'Time_Zone__c')).toEqual([
      'HasOptedOutOfEmail',
      'DoNotCall',
      'MailingCountry',
      'MailingState',
      'Time_Zone__c',
    ]);
    expect(personFactFields('Lead')).toEqual(['HasOptedOutOfEmail', 'DoNotCall', 'Country', 'State']);
  });
});
