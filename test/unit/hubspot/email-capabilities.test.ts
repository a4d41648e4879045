import { routeRefusal } from '../../../connectors/hubspot/client/email';
import { HubSpotCallError } from '../../../connectors/hubspot/client/errors';
import { emailOptOutReason } from '../../../connectors/hubspot/client/preferences';
import { capabilitiesFromScopes } from '../../../connectors/hubspot/capabilities';

describe('HubSpot email capabilities from granted scopes', () => {
  it('turns on exactly the routes whose scopes were all granted, and says what is missing', () => {
    const caps = capabilitiesFromScopes(['oauth', 'marketing-email', 'automation.sequences.enrollments.write']);
    expect(caps.marketing.available).toBe(true);
    expect(caps.transactional).toMatchObject({
      available: false,
      reason: expect.stringMatching(/transactional-email not granted.*Transactional Email add-on/),
    });
    // Sequences also need the owners scope (the sender is the record owner).
    expect(caps.sequence).toMatchObject({ available: false, reason: expect.stringMatching(/crm\.objects\.owners\.read not granted/) });
    expect(caps.task.available).toBe(true);
    expect(capabilitiesFromScopes([]).task.available).toBe(true);
  });
});

describe('routeRefusal', () => {
  it('explains a 403 with its category and the scopes HubSpot names; other errors are not refusals', () => {
    const missing = new HubSpotCallError(
      403,
      {
        status: 'error',
        message: 'not granted',
        category: 'MISSING_SCOPES',
        errors: [{ context: { requiredGranularScopes: ['transactional-email'] } }],
      },
      {},
      '403',
    );
    expect(routeRefusal(missing)).toBe('HubSpot answered 403 MISSING_SCOPES (needs transactional-email): not granted');
    expect(routeRefusal(new HubSpotCallError(400, { message: 'bad' }, {}, '400'))).toBeUndefined();
    expect(routeRefusal(new HubSpotCallError(401, {}, {}, '401'))).toBeUndefined();
    expect(routeRefusal(new Error('network'))).toBeUndefined();
  });
});

describe('emailOptOutReason', () => {
  const status = (statuses: { id: string; status: string; sourceOfStatus: string; name?: string }[]) => ({
    subscriptionStatuses: statuses,
  });
  it('a portal-wide or brand-wide NOT_SUBSCRIBED stops all marketing email', () => {
    expect(emailOptOutReason(status([{ id: '1', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'PORTAL_WIDE_STATUS' }]))).toMatch(/portal-wide/);
    expect(emailOptOutReason(status([{ id: '1', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'BRAND_WIDE_STATUS' }]))).toMatch(/brand-wide/);
  });
  it('one type unsubscribed stops only email of that type', () => {
    const s = status([
      { id: '7', name: 'Newsletter', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
      { id: '8', status: 'SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
    ]);
    expect(emailOptOutReason(s, '7')).toMatch(/Newsletter/);
    expect(emailOptOutReason(s, '8')).toBeNull();
    expect(emailOptOutReason(s)).toBeNull();
  });
});
