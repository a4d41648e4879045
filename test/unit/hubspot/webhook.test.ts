import { canonicalEventSchema } from '../../../app/events/canonical-event';
import { classifyHubSpotError, HubSpotCallError, retryAfterMsOf } from '../../../connectors/hubspot/client/errors';
import {
  attachToContact,
  dedupeKeyOf,
  needsAssociatedContact,
  normalizeWebhookEvent,
  webhookBatchSchema,
  type HubSpotWebhookEvent,
} from '../../../connectors/hubspot/client/webhook';

const base = {
  eventId: 1,
  subscriptionId: 12345,
  portalId: 62515,
  appId: 54321,
  occurredAt: 1564113600000,
  attemptNumber: 0,
  objectId: 123,
  changeSource: 'CRM',
};
const parse = (e: Record<string, unknown>): HubSpotWebhookEvent => webhookBatchSchema.parse([e])[0] as HubSpotWebhookEvent;

describe('HubSpot webhook normalisation', () => {
  it('re-addresses company, deal and ticket changes to their contact, but not contacts, merges or deletions', () => {
    const deal = normalizeWebhookEvent(
      parse({ ...base, subscriptionType: 'deal.propertyChange', propertyName: 'dealstage', propertyValue: 'closedwon' }),
    );
    expect(needsAssociatedContact(deal)).toBe(true);
    if (!needsAssociatedContact(deal)) return;
    const moved = attachToContact(deal, '51');
    expect(moved.event.subject.identifiers).toEqual([{ type: 'hubspotContactId', value: '51', scope: '62515' }]);
    expect(moved.event.properties).toMatchObject({
      objectType: 'deal',
      objectId: '123',
      associatedContactId: '51',
      propertyName: 'dealstage',
      propertyValue: 'closedwon',
    });
    expect(moved.event.id).toBe(deal.event.id);
    expect(canonicalEventSchema.safeParse(moved.event).success).toBe(true);
    for (const type of ['contact.creation', 'deal.merge', 'deal.deletion', 'conversation.newMessage']) {
      expect(
        needsAssociatedContact(
          normalizeWebhookEvent(
            parse({ ...base, subscriptionType: type, ...(type === 'deal.merge' ? { primaryObjectId: 123, mergedObjectIds: [124] } : {}) }),
          ),
        ),
      ).toBe(false);
    }
    expect(
      needsAssociatedContact(normalizeWebhookEvent(parse({ ...base, subscriptionType: 'object.creation', objectTypeId: '0-5' }))),
    ).toBe(true);
  });

  it('maps classic and generic creation to the same canonical event, scoped by portal', () => {
    const classic = normalizeWebhookEvent(parse({ ...base, subscriptionType: 'contact.creation', changeFlag: 'NEW' }));
    const generic = normalizeWebhookEvent(parse({ ...base, subscriptionType: 'object.creation', objectTypeId: '0-1' }));
    for (const n of [classic, generic]) {
      expect(n.kind).toBe('event');
      if (n.kind !== 'event') return;
      expect(canonicalEventSchema.safeParse(n.event).success).toBe(true);
      expect(n.event.type).toBe('contact.created');
      expect(n.event.subject.identifiers).toEqual([{ type: 'hubspotContactId', value: '123', scope: '62515' }]);
      expect(n.event.occurredAt).toBe('2019-07-26T04:00:00.000Z');
    }
  });

  it('carries email and phone changes as identifiers, but never a redacted value', () => {
    const email = normalizeWebhookEvent(
      parse({ ...base, subscriptionType: 'contact.propertyChange', propertyName: 'email', propertyValue: 'Jane@Acme.io' }),
    );
    expect(email.kind === 'event' && email.event.subject.identifiers).toEqual([
      { type: 'hubspotContactId', value: '123', scope: '62515' },
      { type: 'email', value: 'Jane@Acme.io' },
    ]);
    const redacted = normalizeWebhookEvent(
      parse({ ...base, subscriptionType: 'contact.propertyChange', propertyName: 'phone', propertyValue: 'REDACTED' }),
    );
    expect(redacted.kind === 'event' && redacted.event.subject.identifiers).toHaveLength(1);
  });

  it('maps merges to an identity merge of the merged contacts into the primary', () => {
    const n = normalizeWebhookEvent(
      parse({ ...base, subscriptionType: 'contact.merge', primaryObjectId: 200, mergedObjectIds: [200, 201, 202], newObjectId: 200 }),
    );
    expect(n.kind).toBe('event');
    if (n.kind !== 'event') return;
    expect(n.event.type).toBe('contact.merged');
    expect(n.event.subject.identifiers[0]).toEqual({ type: 'hubspotContactId', value: '200', scope: '62515' });
    expect(n.event.properties?.['mergedFrom']).toEqual([
      { type: 'hubspotContactId', value: '201', scope: '62515' },
      { type: 'hubspotContactId', value: '202', scope: '62515' },
    ]);
  });

  it('maps deletion, privacy deletion, deals and unknown types', () => {
    const del = normalizeWebhookEvent(parse({ ...base, subscriptionType: 'contact.deletion' }));
    expect(del.kind === 'event' && del.event.type).toBe('contact.deleted');
    expect(normalizeWebhookEvent(parse({ ...base, subscriptionType: 'contact.privacyDeletion' }))).toEqual({
      kind: 'privacy_deletion',
      portalId: '62515',
      contactId: '123',
    });
    const deal = normalizeWebhookEvent(
      parse({
        ...base,
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-3',
        propertyName: 'dealstage',
        propertyValue: 'closedwon',
      }),
    );
    expect(deal.kind === 'event' && [deal.event.type, deal.event.subject.identifiers]).toEqual([
      'deal.updated',
      [{ type: 'externalId', value: 'deal-123', scope: 'hubspot-62515' }],
    ]);
    expect(normalizeWebhookEvent(parse({ ...base, subscriptionType: 'product.creation' })).kind).toBe('unsupported');
    expect(normalizeWebhookEvent(parse({ ...base, subscriptionType: 'object.creation', objectTypeId: '2-999' })).kind).toBe('unsupported');
  });

  it('dedupes on the composite key, not on eventId alone', () => {
    const a = parse({ ...base, subscriptionType: 'contact.propertyChange', propertyName: 'email', propertyValue: 'a@b.io' });
    const b = parse({ ...base, subscriptionType: 'contact.propertyChange', propertyName: 'phone', propertyValue: '+14155550134' });
    expect(dedupeKeyOf(a)).not.toBe(dedupeKeyOf(b));
    expect(dedupeKeyOf(a)).toBe(
      dedupeKeyOf(
        parse({ ...base, attemptNumber: 3, subscriptionType: 'contact.propertyChange', propertyName: 'email', propertyValue: 'a@b.io' }),
      ),
    );
  });

  it('refuses batches over 100 events, empty batches and events without the required fields', () => {
    expect(
      webhookBatchSchema.safeParse(Array.from({ length: 101 }, (_, i) => ({ ...base, eventId: i, subscriptionType: 'contact.creation' })))
        .success,
    ).toBe(false);
    expect(webhookBatchSchema.safeParse([]).success).toBe(false);
    expect(webhookBatchSchema.safeParse([{ ...base, portalId: undefined, subscriptionType: 'contact.creation' }]).success).toBe(false);
    expect(webhookBatchSchema.safeParse({ events: [] }).success).toBe(false);
  });
});

describe('HubSpot error classification', () => {
  const err = (status: number, body: unknown = {}, headers: Record<string, string> = {}) =>
    new HubSpotCallError(status, body, headers, `HubSpot answered ${status}`);

  it('classifies 429 as rate_limited with the wait its headers and policy imply', () => {
    const tenSecondly = classifyHubSpotError(
      err(
        429,
        { policyName: 'TEN_SECONDLY_ROLLING', message: 'You have reached your ten_secondly_rolling limit.' },
        { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' },
      ),
      'x',
    );
    expect([tenSecondly.category, tenSecondly.retryAfterMs]).toEqual(['rate_limited', 10_000]);
    expect(classifyHubSpotError(err(429, { policyName: 'SECONDLY' }), 'x').retryAfterMs).toBe(1_000);
    expect(classifyHubSpotError(err(429, {}, { 'retry-after': '3' }), 'x').retryAfterMs).toBe(3_000);
    const now = Date.UTC(2026, 10, 30, 23, 0, 0);
    expect(retryAfterMsOf({}, { policyName: 'DAILY' }, now)).toBe(3_600_000);
  });

  it('classifies 5xx and network failures as transient, 401/403 as auth, other 4xx as permanent', () => {
    expect(classifyHubSpotError(err(502), 'x').category).toBe('transient');
    expect(classifyHubSpotError(new TypeError('fetch failed'), 'x').category).toBe('transient');
    expect(classifyHubSpotError(err(401), 'x').category).toBe('auth');
    expect(classifyHubSpotError(err(403), 'x').category).toBe('auth');
    expect(classifyHubSpotError(err(400, { message: 'Property values were not valid' }), 'x')).toMatchObject({
      category: 'permanent',
      code: 'hubspot.http_400',
    });
    expect(classifyHubSpotError({ code: 404, body: {}, headers: {} }, 'x').category).toBe('permanent');
  });
});
