/**
 * Two suppressions of promotional actions (upsell, cross-sell, marketing), the classic failure the
 * product exists to prevent: no "Buy now!" while a high-priority ticket is open, and none after a
 * negative message within the lookback window. Service actions (tasks, ticket updates, replies)
 * are not affected.
 */
import { ALLOW, HOUR_MS, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput } from './types';

export const ticketSuppressionPolicy: ContactPolicy = {
  id: 'ticket_suppression',
  summary: 'No promotional action while the person has a high-priority ticket open.',
  bind(input: PolicyInput): BoundPolicy {
    const priorities = new Set<string>(input.config.suppression.ticketPriorities);
    const ticket = (input.profile.openTickets ?? []).find((t) => priorities.has(t.priority));
    if (ticket === undefined) return () => ALLOW;
    const reason = `${ticket.priority}-priority ticket ${ticket.id} is open: no promotional contact`;
    return (candidate) => (candidate.promotional ? { kind: 'block', reason } : ALLOW);
  },
};

export const sentimentSuppressionPolicy: ContactPolicy = {
  id: 'sentiment_suppression',
  summary: 'No promotional action to someone who sent a negative message recently.',
  bind(input: PolicyInput): BoundPolicy {
    const { negativeSentimentThreshold, negativeSentimentLookbackHours } = input.config.suppression;
    const since = input.now - negativeSentimentLookbackHours * HOUR_MS;
    const angry = input.signals.find((s) => s.at >= since && s.at <= input.now && s.sentiment <= negativeSentimentThreshold);
    if (angry === undefined) return () => ALLOW;
    const reason = `negative message (sentiment ${angry.sentiment.toFixed(2)}, ${angry.intent}) at ${formatInstant(angry.at)}: no promotional contact for ${negativeSentimentLookbackHours} h`;
    return (candidate) => (candidate.promotional ? { kind: 'block', reason } : ALLOW);
  },
};
