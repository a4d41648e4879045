import {
  ACK_XML,
  ApiUsageTracker,
  changeEventToCanonical,
  describeError,
  isEcho,
  itemPortError,
  MAX_NOTIFICATIONS,
  OutboundMessageError,
  outboundToCanonical,
  parseLimitInfo,
  parseOutboundMessage,
  parseIdentityUrl,
  toPortError,
} from '../../../connectors/salesforce/client';
import { canonicalEventSchema } from '../../../app/events/canonical-event';
import { outboundMessageXml } from '../../sandboxes/salesforce/outbound';

const ORG = '00D5e000000KQ2eEAG';

/** The envelope of the reference (§3.7), verbatim. */
const REFERENCE = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D5e000000KQ2eEAG</OrganizationId>
   <ActionId>04k5e000000CaRkAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/66.0/00D5e000000KQ2e</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/66.0/00D5e000000KQ2e</PartnerUrl>
   <Notification>
    <Id>04l5e00000Gx7QzAAJ</Id>
    <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0035g00000AbCdEAAF</sf:Id>
     <sf:Journey_Stage__c>Nurture</sf:Journey_Stage__c>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;

describe('Salesforce outbound messages', () => {
  it('parses the documented envelope', () => {
    const m = parseOutboundMessage(REFERENCE);
    expect(m).toEqual({
      organizationId: ORG,
      actionId: '04k5e000000CaRkAAK',
      notifications: [
        { id: '04l5e00000Gx7QzAAJ', objectType: 'Contact', fields: { Id: '0035g00000AbCdEAAF', Journey_Stage__c: 'Nurture' } },
      ],
    });
    const [event] = outboundToCanonical(ORG, m, new Date('2026-01-01T00:00:00Z'));
    expect(canonicalEventSchema.parse(event)).toMatchObject({
      id: 'om:04l5e00000Gx7QzAAJ',
      source: 'salesforce',
      type: 'contact.updated',
      subject: { identifiers: [{ type: 'salesforceId', value: '0035g00000AbCdEAAF', scope: ORG }] },
    });
  });

  it('keeps ids as text, nil fields as null, and entities decoded', () => {
    const xml = outboundMessageXml({
      orgId: ORG,
      notifications: [
        {
          id: '04l5e00000Gx7QzAAJ',
          sobjectType: 'Lead',
          fields: { Id: '00Q5g00000AbCdEAAF', PostalCode: '00123', Company: 'A & B <Ltd>', Email: null },
        },
      ],
    });
    expect(parseOutboundMessage(xml).notifications[0]?.fields).toEqual({
      Id: '00Q5g00000AbCdEAAF',
      PostalCode: '00123',
      Company: 'A & B <Ltd>',
      Email: null,
    });
  });

  it('accepts 100 notifications and refuses 101, malformed XML and foreign documents with a reason', () => {
    const many = (n: number) =>
      outboundMessageXml({
        orgId: ORG,
        notifications: Array.from({ length: n }, (_v, i) => ({
          id: `04l5e00000Gx${String(i).padStart(3, '0')}AAJ`,
          sobjectType: 'Contact',
          fields: { Id: '0035g00000AbCdEAAF' },
        })),
      });
    expect(parseOutboundMessage(many(MAX_NOTIFICATIONS)).notifications).toHaveLength(100);
    expect(() => parseOutboundMessage(many(101))).toThrow(/at most 100/);
    expect(() => parseOutboundMessage(REFERENCE.slice(0, 200))).toThrow(OutboundMessageError);
    expect(() => parseOutboundMessage('<a><b/></a>')).toThrow(/not an Outbound Message/);
    expect(() => parseOutboundMessage(REFERENCE.replace('00D5e000000KQ2eEAG', 'nope'))).toThrow(/OrganizationId/);
  });

  it('acknowledges with the exact documented body', () => {
    expect(ACK_XML).toMatch(
      /<notificationsResponse xmlns="http:\/\/soap\.sforce\.com\/2005\/09\/outbound">\s*<Ack>true<\/Ack>\s*<\/notificationsResponse>/,
    );
  });
});

describe('Salesforce change events', () => {
  const message = (origin: string, recordIds = ['0035g00000AbCdEAAF']) => ({
    payload: {
      ChangeEventHeader: {
        entityName: 'Contact',
        recordIds,
        changeType: 'UPDATE',
        changeOrigin: origin,
        commitTimestamp: 1767225600000,
        changedFields: ['Email'],
      },
      Email: 'Ada@Example.com',
      FirstName: null,
    },
    event: { replayId: 18098167 },
  });

  it('recognises echoes of Baton writes by the client tag only', () => {
    expect(isEcho(message('com/salesforce/api/rest/66.0;client=Baton').payload.ChangeEventHeader)).toBe(true);
    expect(isEcho(message('com/salesforce/api/rest/66.0;client=BatonX').payload.ChangeEventHeader)).toBe(false);
    expect(isEcho(message('').payload.ChangeEventHeader)).toBe(false);
    expect(changeEventToCanonical(ORG, message('com/salesforce/api/rest/66.0;client=Baton'))).toEqual([]);
  });

  it('makes one valid canonical event per record of a merged change, scoped by org', () => {
    const events = changeEventToCanonical(ORG, message('', ['0035g00000AbCdEAAF', '0035g00000AbCdFAAV']));
    expect(events.map((e) => canonicalEventSchema.parse(e).id)).toEqual([
      'cdc:Contact:18098167:0035g00000AbCdEAAF',
      'cdc:Contact:18098167:0035g00000AbCdFAAV',
    ]);
    expect(events[0]?.subject.identifiers).toEqual([
      { type: 'salesforceId', value: '0035g00000AbCdEAAF', scope: ORG },
      { type: 'email', value: 'Ada@Example.com' },
    ]);
    expect(events[0]?.occurredAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('reads org and user from the identity URL', () => {
    expect(parseIdentityUrl('https://login.salesforce.com/id/00D5e000000KQ2eEAG/0055g00000XyZabAAB')).toEqual({
      orgId: ORG,
      userId: '0055g00000XyZabAAB',
    });
    expect(() => parseIdentityUrl('https://login.salesforce.com/services/oauth2/userinfo')).toThrow();
  });
});

describe('Salesforce errors and limits', () => {
  const apiError = (errorCode: string, data?: unknown) => Object.assign(new Error('x'), { name: errorCode, errorCode, data });

  it('classifies REST error codes into retryable, permanent and auth', () => {
    expect(toPortError(apiError('REQUEST_LIMIT_EXCEEDED'), 60_000)).toMatchObject({ category: 'rate_limited', retryAfterMs: 60_000 });
    expect(toPortError(apiError('INVALID_SESSION_ID'), 1).category).toBe('auth');
    expect(toPortError(new Error('Unable to refresh session due to: expired access/refresh token'), 1).category).toBe('auth');
    expect(toPortError(apiError('ERROR_HTTP_503'), 1).category).toBe('transient');
    expect(toPortError(apiError('UNABLE_TO_LOCK_ROW'), 1).category).toBe('transient');
    expect(toPortError(apiError('REQUIRED_FIELD_MISSING'), 1)).toMatchObject({
      category: 'permanent',
      code: 'salesforce.REQUIRED_FIELD_MISSING',
    });
    expect(
      describeError(
        apiError('MULTIPLE_API_ERRORS', [
          { errorCode: 'INVALID_FIELD', message: 'a' },
          { errorCode: 'SERVER_UNAVAILABLE', message: 'b' },
        ]),
      ).cls,
    ).toBe('transient');
    expect(itemPortError([{ statusCode: 'ENTITY_IS_DELETED', message: 'gone' }], 1)).toMatchObject({
      category: 'permanent',
      code: 'salesforce.ENTITY_IS_DELETED',
    });
    expect(describeError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })).cls).toBe('transient');
  });

  it('reads Sforce-Limit-Info and holds back near the daily allocation', () => {
    expect(parseLimitInfo('api-usage=10018/100000; api-bursts=1/750')).toEqual({ used: 10018, limit: 100000 });
    expect(parseLimitInfo(undefined)).toBeUndefined();
    const t = new ApiUsageTracker(0.1, 60_000);
    t.record(ORG, { used: 89_999, limit: 100_000 }, 1_000);
    expect(t.throttleMs(ORG, 1_000)).toBe(0);
    t.record(ORG, { used: 90_000, limit: 100_000 }, 2_000);
    expect(t.throttleMs(ORG, 2_000)).toBe(60_000);
    expect(t.throttleMs(ORG, 32_000)).toBe(30_000);
    expect(t.throttleMs(ORG, 62_000)).toBe(0);
  });
});
