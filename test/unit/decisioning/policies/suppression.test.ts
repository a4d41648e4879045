import { sentimentSuppressionPolicy, ticketSuppressionPolicy } from '../../../../app/decisioning/policies/suppression';
import { type OpenTicket, type SignalObservation } from '../../../../app/decisioning/types';
import { HOUR, NOON_UTC, policyInput, profile, upsellEmail } from '../fixtures';

describe('ticket suppression', () => {
  it.each<[string, OpenTicket[], boolean, 'allow' | 'block']>([
    ['no tickets', [], true, 'allow'],
    ['a low-priority ticket', [{ id: 't1', priority: 'low' }], true, 'allow'],
    ['a normal ticket', [{ id: 't1', priority: 'normal' }], true, 'allow'],
    ['a high-priority ticket, promotional action', [{ id: 't9', priority: 'high' }], true, 'block'],
    ['an urgent ticket, promotional action', [{ id: 't9', priority: 'urgent' }], true, 'block'],
    ['a high-priority ticket, service action', [{ id: 't9', priority: 'high' }], false, 'allow'],
  ])('%s → %s', (_name, openTickets, promotional, expected) => {
    const verdict = ticketSuppressionPolicy.bind(policyInput({ profile: profile({ openTickets }) }))({ action: upsellEmail, promotional });
    expect(verdict.kind).toBe(expected);
    if (verdict.kind === 'block') expect(verdict.reason).toMatch(/ticket t9 is open/);
  });
});

describe('sentiment suppression', () => {
  const signal = (sentiment: number, hoursAgo: number): SignalObservation => ({
    intent: 'billing_issue',
    sentiment,
    urgency: 'medium',
    at: NOON_UTC - hoursAgo * HOUR,
  });

  it.each<[string, SignalObservation[], boolean, 'allow' | 'block']>([
    ['no messages', [], true, 'allow'],
    ['a neutral message', [signal(0, 1)], true, 'allow'],
    ['mildly negative (above threshold)', [signal(-0.3, 1)], true, 'allow'],
    ['angry an hour ago', [signal(-0.8, 1)], true, 'block'],
    ['angry exactly at the threshold', [signal(-0.4, 1)], true, 'block'],
    ['angry four days ago (outside 72 h)', [signal(-0.9, 96)], true, 'allow'],
    ['angry but a service action', [signal(-0.9, 1)], false, 'allow'],
    ['angry earlier, happy since: still within lookback', [signal(0.8, 1), signal(-0.9, 20)], true, 'block'],
  ])('%s → %s', (_name, signals, promotional, expected) => {
    expect(sentimentSuppressionPolicy.bind(policyInput({ signals }))({ action: upsellEmail, promotional }).kind).toBe(expected);
  });
});
