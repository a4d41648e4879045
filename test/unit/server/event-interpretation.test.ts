import { channelOf, interpretEvent, mentionsLegalThreat, type EventFacts } from '../../../server/decisioning/event-interpretation';
import type { Signals } from '../../../app/signals';
import { outcomeForEvent } from '../../../app/decisioning/learning/outcomes';

const at = Date.parse('2026-11-23T10:00:00Z');
const facts = (type: string, extra: Partial<EventFacts> = {}): EventFacts => ({
  type,
  source: 'api',
  at,
  text: null,
  properties: {},
  traits: {},
  ...extra,
});
const signals = (intent: Signals['intent'], extra: Partial<Signals> = {}): Signals => ({
  intent,
  intentConfidence: 0.9,
  sentiment: 0,
  sentimentLabel: 'neutral',
  urgency: 'low',
  ...extra,
});

describe('interpretEvent', () => {
  it.each([
    ['email.replied', 'reply'],
    ['message.received', 'reply'],
    ['meeting.booked', 'meeting_booked'],
    ['ticket.solved', null],
    ['contact.unsubscribed', 'unsubscribe'],
    ['contact.updated', null],
    ['email.opened', null],
  ])('%s → outcome %s', (type, outcome) => {
    const props = type.startsWith('ticket.') ? { ticketId: 'T1' } : {};
    expect(interpretEvent(facts(type, { properties: props }), null).outcome).toBe(outcome);
  });

  it.each([
    [{ satisfaction: 'good' }, 'ticket_solved', 'positive'],
    [{ satisfaction: 'Good' }, 'ticket_solved', 'positive'],
    [{ satisfaction: { score: 'good' } }, 'ticket_solved', 'positive'],
    [{ satisfaction: 'bad' }, 'ticket_solved_unsatisfied', 'negative'],
    [{ satisfaction: { score: 'bad' } }, 'ticket_solved_unsatisfied', 'negative'],
    [{ satisfaction: 'offered' }, null, null],
    [{}, null, null],
  ])('a solved ticket with %j counts as %s (%s)', (extra, outcome, polarity) => {
    const meaning = interpretEvent(facts('ticket.solved', { properties: { ticketId: 'T1', ...extra } }), null);
    expect(meaning.outcome).toBe(outcome);
    expect(meaning.outcome === null ? null : outcomeForEvent(meaning.outcome)).toBe(polarity);
    // Rated or not, the ticket is solved (suppression lifts) and the event is worth deciding again.
    expect(meaning.ticket?.status).toBe('solved');
    expect(meaning.relevant).toBe(true);
  });

  it('reads CRM property changes carried as propertyName/propertyValue, and Salesforce record stages', () => {
    const hubspot = interpretEvent(
      facts('contact.property_changed', { properties: { propertyName: 'lifecyclestage', propertyValue: 'salesqualifiedlead' } }),
      null,
    );
    expect(hubspot.journey).toContainEqual({ kind: 'crm_lifecycle', at, value: 'salesqualifiedlead' });
    const other = interpretEvent(
      facts('contact.property_changed', { properties: { propertyName: 'phone', propertyValue: '+33612345678' } }),
      null,
    );
    expect(other.journey.some((j) => j.kind === 'crm_lifecycle')).toBe(false);
    const deal = interpretEvent(
      facts('deal.property_changed', { properties: { propertyName: 'dealstage', propertyValue: 'closedwon' } }),
      null,
    );
    expect(deal.outcome).toBe('deal_stage_advanced');
    const opportunity = interpretEvent(facts('opportunity.updated', { properties: { recordStage: 'Closed Won' } }), null);
    expect(opportunity.journey).toContainEqual({ kind: 'deal_stage', at, stage: 'closed won', isClosed: true, isWon: true });
  });

  it('reads deal stages: advancing is positive, closed lost is not', () => {
    const won = interpretEvent(facts('deal.stage_changed', { properties: { stage: 'closedwon' } }), null);
    expect(won.outcome).toBe('deal_stage_advanced');
    expect(won.journey).toContainEqual({ kind: 'deal_stage', at, stage: 'closedwon', isClosed: true, isWon: true });
    const lost = interpretEvent(facts('deal.stage_changed', { properties: { stage: 'closedlost' } }), null);
    expect(lost.outcome).toBeNull();
    expect(lost.journey).toContainEqual(expect.objectContaining({ kind: 'deal_stage', isClosed: true, isWon: false }));
  });

  it('tracks tickets with their priority and status', () => {
    expect(interpretEvent(facts('ticket.created', { properties: { id: 42, priority: 'URGENT' } }), null).ticket).toEqual({
      id: '42',
      status: 'open',
      priority: 'urgent',
    });
    expect(interpretEvent(facts('ticket.updated', { properties: { ticketId: 'T', status: 'closed' } }), null).ticket).toMatchObject({
      status: 'solved',
      priority: 'normal',
    });
    expect(interpretEvent(facts('ticket.created'), null).ticket).toBeNull();
  });

  it('turns an unsubscribe message into an opt-out outcome and consent on the channel it came from', () => {
    const sms = interpretEvent(facts('sms.received', { source: 'twilio', text: 'STOP' }), signals('unsubscribe'));
    expect(sms.outcome).toBe('unsubscribe');
    expect(sms.inbound).toBe('sms');
    expect(interpretEvent(facts('whatsapp.unsubscribed'), null).consent).toEqual({ channel: 'whatsapp', status: 'opted_out' });
    expect(interpretEvent(facts('consent.updated', { properties: { channel: 'sms', status: 'opted_in' } }), null).consent).toEqual({
      channel: 'sms',
      status: 'opted_in',
    });
  });

  it('maps lifecycle stages, milestones and intents onto journey events, and says when a decision is due', () => {
    const m = interpretEvent(facts('contact.updated', { properties: { lifecycleStage: 'SalesQualifiedLead' } }), null);
    expect(m.journey).toEqual([{ kind: 'crm_lifecycle', at, value: 'salesqualifiedlead' }]);
    expect(m.relevant).toBe(false);
    const msg = interpretEvent(facts('message.received', { text: 'demo please' }), signals('demo_request', { urgency: 'medium' }));
    expect(msg.journey).toContainEqual({ kind: 'intent', at, intent: 'demo_request', sentiment: 0, urgency: 'medium', confidence: 0.9 });
    expect(msg.relevant).toBe(true);
    expect(interpretEvent(facts('subscription.cancelled'), null).journey).toEqual([
      { kind: 'lifecycle_milestone', at, milestone: 'subscription_cancelled' },
    ]);
  });

  it('finds the channel and legal threats', () => {
    expect(channelOf(facts('message.received', { source: 'whatsapp' }))).toBe('whatsapp');
    expect(channelOf(facts('message.received', { properties: { channel: 'EMAIL' } }))).toBe('email');
    expect(channelOf(facts('note.created'))).toBeNull();
    expect(mentionsLegalThreat('Fix it or my lawyer will be in touch')).toBe(true);
    expect(mentionsLegalThreat('The law of large numbers')).toBe(false);
  });
});
