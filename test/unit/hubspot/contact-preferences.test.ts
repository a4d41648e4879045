import type { CanonicalEvent } from '../../../app/events/canonical-event';
import { withContactPreferences } from '../../../connectors/hubspot/contact-preferences';

const change = (propertyName: string, propertyValue: string, type = 'contact.updated'): CanonicalEvent => ({
  id: 'hubspot:1:evt',
  source: 'hubspot',
  type,
  occurredAt: '2026-12-06T10:00:00.000Z',
  subject: { identifiers: [{ type: 'hubspotContactId', value: '101', scope: '1' }], traits: {} },
  properties: { portalId: 1, objectType: 'contact', objectId: '101', propertyName, propertyValue },
});

describe('HubSpot contact preference changes', () => {
  it('hs_email_optout true is an email opt-out, false lifts it to unknown, with an id derived from the change', () => {
    const [main, consent] = withContactPreferences(change('hs_email_optout', 'true'));
    expect(main?.type).toBe('contact.updated');
    expect(consent).toMatchObject({
      id: 'hubspot:1:evt:consent',
      type: 'consent.updated',
      properties: { channel: 'email', status: 'opted_out' },
    });
    expect(consent?.subject.identifiers).toEqual([{ type: 'hubspotContactId', value: '101', scope: '1' }]);
    expect(withContactPreferences(change('hs_email_optout', 'false'))[1]?.properties?.['status']).toBe('unknown');
  });

  it('hs_timezone becomes the timeZone trait; an unknown zone and other properties change nothing', () => {
    expect(withContactPreferences(change('hs_timezone', 'europe_slash_berlin'))[0]?.subject.traits).toEqual({
      timeZone: 'Europe/Berlin',
      timeZoneSource: 'hubspot:hs_timezone',
    });
    const unknown = change('hs_timezone', 'nowhere');
    expect(withContactPreferences(unknown)).toEqual([unknown]);
    const other = change('lifecyclestage', 'customer');
    expect(withContactPreferences(other)).toEqual([other]);
    const notContact = change('hs_email_optout', 'true', 'deal.updated');
    expect(withContactPreferences(notContact)).toEqual([notContact]);
  });
});
