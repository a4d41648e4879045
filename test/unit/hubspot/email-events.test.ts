import { engagementOf, type EmailEvent } from '../../../connectors/hubspot/client/email-events';
import { isRefusedEmail } from '../../../connectors/hubspot/email-routing';

const ev = (over: Partial<EmailEvent>): EmailEvent => ({ id: 'e1', created: 1, type: 'SENT', recipient: 'a@b.io', ...over });

describe('engagementOf', () => {
  it('maps opens, clicks, bounces, unsubscribes and spam reports; ignores delivery bookkeeping', () => {
    expect(engagementOf(ev({ type: 'OPEN' }))).toBe('opened');
    expect(engagementOf(ev({ type: 'CLICK', url: 'https://x.io' }))).toBe('clicked');
    expect(engagementOf(ev({ type: 'BOUNCE', category: 'UNKNOWN_USER' }))).toBe('bounced');
    expect(engagementOf(ev({ type: 'SPAMREPORT' }))).toBe('unsubscribed');
    expect(engagementOf(ev({ type: 'STATUSCHANGE', portalSubscriptionStatus: 'UNSUBSCRIBED' }))).toBe('unsubscribed');
    expect(engagementOf(ev({ type: 'STATUSCHANGE', subscriptions: [{ id: '7', status: 'UNSUBSCRIBED' }] }))).toBe('unsubscribed');
    expect(
      engagementOf(
        ev({ type: 'STATUSCHANGE', portalSubscriptionStatus: 'SUBSCRIBED', subscriptions: [{ id: '7', status: 'SUBSCRIBED' }] }),
      ),
    ).toBeNull();
    for (const type of ['SENT', 'DELIVERED', 'PROCESSED', 'DEFERRED', 'DROPPED']) expect(engagementOf(ev({ type }))).toBeNull();
  });
});

describe('isRefusedEmail', () => {
  it('recognises a run parked by a 403 on an email step only', () => {
    expect(isRefusedEmail({ code: 'hubspot.http_403', message: 'HubSpot email: HubSpot answered 403: missing scopes' })).toBe(true);
    expect(isRefusedEmail({ code: 'hubspot.http_403', message: 'HubSpot task: HubSpot answered 403: missing scopes' })).toBe(false);
    expect(isRefusedEmail({ code: 'hubspot.http_400', message: 'HubSpot email: HubSpot answered 400' })).toBe(false);
    expect(isRefusedEmail(null)).toBe(false);
  });
});
