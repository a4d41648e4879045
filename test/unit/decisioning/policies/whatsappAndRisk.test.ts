import { highRiskPolicy, classifyRisk } from '../../../../app/decisioning/policies/highRisk';
import { whatsappWindowPolicy } from '../../../../app/decisioning/policies/whatsappWindow';
import { type Action } from '../../../../app/decisioning/catalog';
import { type SignalObservation } from '../../../../app/decisioning/types';
import { callTask, crmUpdate, HOUR, NOON_UTC, policyInput, profile, upsellEmail, waSession, waTemplate } from '../fixtures';

describe('WhatsApp 24-hour window', () => {
  it.each<[string, Action, number | undefined, 'allow' | 'block']>([
    ['session message, inbound 2 h ago', waSession, 2, 'allow'],
    ['session message, inbound 23.9 h ago', waSession, 23.9, 'allow'],
    ['session message, inbound exactly 24 h ago', waSession, 24, 'block'],
    ['session message, inbound 30 h ago', waSession, 30, 'block'],
    ['session message, never wrote', waSession, undefined, 'block'],
    ['template, inbound 30 h ago', waTemplate, 30, 'allow'],
    ['template, never wrote', waTemplate, undefined, 'allow'],
    ['email is not affected', upsellEmail, undefined, 'allow'],
  ])('%s → %s', (_name, action, hoursAgo, expected) => {
    const lastInboundAt = hoursAgo === undefined ? {} : { whatsapp: NOON_UTC - hoursAgo * HOUR };
    const verdict = whatsappWindowPolicy.bind(policyInput({ profile: profile({ lastInboundAt }) }))({ action, promotional: false });
    expect(verdict.kind).toBe(expected);
    if (verdict.kind === 'block') expect(verdict.reason).toMatch(/only a template may be sent/);
  });

  it('opens the window from the triggering WhatsApp message', () => {
    const signals: SignalObservation[] = [
      { intent: 'support_request', sentiment: 0, urgency: 'low', at: NOON_UTC - HOUR, channel: 'whatsapp' },
    ];
    expect(whatsappWindowPolicy.bind(policyInput({ signals }))({ action: waSession, promotional: false }).kind).toBe('allow');
  });

  it('notes that a template was used outside the window', () => {
    const verdict = whatsappWindowPolicy.bind(policyInput())({ action: waTemplate, promotional: false });
    expect(verdict).toMatchObject({ kind: 'allow', note: expect.stringMatching(/template message/) });
  });
});

describe('high-risk intents go to a person', () => {
  const signal = (overrides: Partial<SignalObservation>): SignalObservation => ({
    intent: 'other',
    sentiment: 0,
    urgency: 'low',
    at: NOON_UTC - HOUR,
    ...overrides,
  });

  it.each<[string, SignalObservation, number, string | null]>([
    ['complaint, high urgency', signal({ intent: 'complaint', urgency: 'high', sentiment: -0.7 }), 0, 'complaint_high_urgency'],
    ['complaint, medium urgency', signal({ intent: 'complaint', urgency: 'medium', sentiment: -0.7 }), 0, null],
    ['cancellation, high-value account', signal({ intent: 'cancellation' }), 50_000, 'high_value_cancellation'],
    ['cancellation, account at the threshold', signal({ intent: 'cancellation' }), 10_000, 'high_value_cancellation'],
    ['cancellation, small account', signal({ intent: 'cancellation' }), 500, null],
    ['legal threat in any intent', signal({ intent: 'billing_issue', legalThreat: true }), 0, 'legal_threat'],
    ['purchase intent', signal({ intent: 'purchase_intent', urgency: 'high' }), 1e6, null],
  ])('%s', (_name, s, accountValue, kind) => {
    expect(classifyRisk(s, profile({ accountValue }), 10_000)?.kind ?? null).toBe(kind);
  });

  it('blocks every automated action and leaves human tasks', () => {
    const bound = highRiskPolicy.bind(policyInput({ signals: [signal({ intent: 'complaint', urgency: 'high' })] }));
    expect(bound({ action: upsellEmail, promotional: true }).kind).toBe('block');
    expect(bound({ action: waTemplate, promotional: false }).kind).toBe('block');
    expect(bound({ action: crmUpdate, promotional: false }).kind).toBe('block');
    expect(bound({ action: callTask, promotional: false }).kind).toBe('allow');
  });

  it('ignores risks older than the lookback', () => {
    const old = signal({ intent: 'complaint', urgency: 'high', at: NOON_UTC - 100 * HOUR });
    expect(highRiskPolicy.bind(policyInput({ signals: [old] }))({ action: upsellEmail, promotional: true }).kind).toBe('allow');
  });
});
