import { consentPolicy } from '../../../../app/decisioning/policies/consent';
import { type ConsentStatus } from '../../../../app/decisioning/types';
import { type Action } from '../../../../app/decisioning/catalog';
import { callTask, HOUR, NOON_UTC, policyInput, profile, smsNudge, upsellEmail, waTemplate } from '../fixtures';

const check = (action: Action, consent: Partial<Record<'email' | 'sms' | 'whatsapp', ConsentStatus>>, promotional = true, extra = {}) =>
  consentPolicy.bind(policyInput({ profile: profile({ consent }), ...extra }))({ action, promotional });

describe('consent policy', () => {
  it.each<[string, Action, Partial<Record<'email' | 'sms' | 'whatsapp', ConsentStatus>>, 'allow' | 'block', RegExp | null]>([
    ['email, unknown consent (opt-out channel)', upsellEmail, {}, 'allow', null],
    ['email, opted in', upsellEmail, { email: 'opted_in' }, 'allow', null],
    ['email, opted out', upsellEmail, { email: 'opted_out' }, 'block', /opted out of email/],
    ['sms, unknown consent (opt-in channel)', smsNudge, {}, 'block', /sms requires explicit opt-in; consent is unknown/],
    ['sms, opted in', smsNudge, { sms: 'opted_in' }, 'allow', null],
    ['sms, opted out', smsNudge, { sms: 'opted_out' }, 'block', /opted out of sms/],
    ['whatsapp, unknown', waTemplate, {}, 'block', /whatsapp requires explicit opt-in/],
    ['task ignores consent', callTask, { email: 'opted_out', sms: 'opted_out' }, 'allow', null],
  ])('%s → %s', (_name, action, consent, expected, reason) => {
    const verdict = check(action, consent);
    expect(verdict.kind).toBe(expected);
    if (reason && verdict.kind === 'block') expect(verdict.reason).toMatch(reason);
  });

  it('treats a recent unsubscribe message as an opt-out from promotional contact only', () => {
    const signals = [{ intent: 'unsubscribe', sentiment: -0.2, urgency: 'low' as const, at: NOON_UTC - 2 * HOUR }];
    expect(check(upsellEmail, { email: 'opted_in' }, true, { signals }).kind).toBe('block');
    expect(check(upsellEmail, { email: 'opted_in' }, false, { signals }).kind).toBe('allow');
  });

  it('forgets an unsubscribe message older than the lookback', () => {
    const signals = [{ intent: 'unsubscribe', sentiment: 0, urgency: 'low' as const, at: NOON_UTC - 40 * 24 * HOUR }];
    expect(check(upsellEmail, { email: 'opted_in' }, true, { signals }).kind).toBe('allow');
  });
});
