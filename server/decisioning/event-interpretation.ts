/**
 * What a stored event means for journey, learning and contact rules. Connectors name their events
 * freely (dotted lower-case), so this reads the common vocabulary: message.received / *.replied
 * (a reply), meeting.booked, deal.* with a stage, ticket.* with a status and priority,
 * *.unsubscribed, consent.updated, contact.* with a lifecycle stage, subscription.* milestones.
 * Pure: no I/O, so it is tested on its own and reused by the bench.
 */
import { CHANNELS, type Channel } from '../../app/decisioning/catalog';
import type { ConsentStatus, TicketPriority } from '../../app/decisioning/types';
import type { JourneyEvent } from '../../app/journey';
import type { Signals } from '../../app/signals';

export interface EventFacts {
  readonly type: string;
  readonly source: string;
  readonly at: number;
  readonly text: string | null;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly traits: Readonly<Record<string, unknown>>;
}

export interface EventMeaning {
  readonly journey: JourneyEvent[];
  /** An outcome event type of app/decisioning/learning/outcomes.ts (reply, meeting_booked...), or null. */
  readonly outcome: string | null;
  readonly ticket: { id: string; status: 'open' | 'solved'; priority: TicketPriority } | null;
  readonly consent: { channel: 'email' | 'sms' | 'whatsapp'; status: ConsentStatus } | null;
  /** The person wrote to us on this channel (WhatsApp 24-hour window, replies). */
  readonly inbound: Channel | null;
  /** Worth deciding again (new message, stage change is added by the caller, ticket, consent, outcome). */
  readonly relevant: boolean;
}

const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
const PRIORITIES: ReadonlySet<string> = new Set(['low', 'normal', 'high', 'urgent']);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);
const lower = (v: unknown): string | null => str(v)?.toLowerCase() ?? null;

/**
 * A property of the event, also when the event is one CRM property change carried as
 * `propertyName`/`propertyValue` (HubSpot property-change webhooks).
 */
function prop(e: EventFacts, name: string): unknown {
  if (e.properties[name] !== undefined) return e.properties[name];
  return e.properties['propertyName'] === name ? e.properties['propertyValue'] : undefined;
}

/** Threats of legal action; the high-risk policy sends these to a person. */
const LEGAL =
  /\b(lawyer|attorney|solicitor|lawsuit|sue|suing|legal action|take (you|this) to court|small claims|regulator|ombudsman|class action)\b/i;
export const mentionsLegalThreat = (text: string): boolean => LEGAL.test(text);

const INBOUND_TYPES = /(^|\.)(received|replied|reply|inbound)$/;
const REPLY_TYPES = /(^|\.)(replied|reply)$/;

export function channelOf(e: Pick<EventFacts, 'type' | 'source' | 'properties'>): Channel | null {
  const declared = lower(e.properties['channel']);
  if (declared !== null && CHANNEL_SET.has(declared)) return declared as Channel;
  if (e.source === 'whatsapp' || e.type.startsWith('whatsapp.')) return 'whatsapp';
  if (e.source === 'twilio' || e.type.startsWith('sms.')) return 'sms';
  if (e.type.startsWith('email.')) return 'email';
  return null;
}

function ticketOf(e: EventFacts): EventMeaning['ticket'] {
  if (!e.type.startsWith('ticket.')) return null;
  const id = str(e.properties['ticketId']) ?? str(e.properties['id']);
  if (id === null) return null;
  const status = lower(e.properties['status']);
  const verb = e.type.slice('ticket.'.length);
  const solved = ['solved', 'closed'].includes(verb) || (status !== null && ['solved', 'closed'].includes(status));
  const priority = lower(e.properties['priority']);
  return {
    id,
    status: solved ? 'solved' : 'open',
    priority: (priority !== null && PRIORITIES.has(priority) ? priority : 'normal') as TicketPriority,
  };
}

function dealOf(e: EventFacts): JourneyEvent | null {
  if (!/^(deal|opportunity)\./.test(e.type)) return null;
  // `recordStage`: Salesforce Opportunity StageName as the Salesforce connector normalises it.
  const stage = lower(prop(e, 'stage')) ?? lower(prop(e, 'dealstage')) ?? lower(prop(e, 'stageName')) ?? lower(prop(e, 'recordStage'));
  if (stage === null) return null;
  const won = e.properties['isWon'] === true || stage === 'closedwon' || stage === 'closed won';
  const closed = won || e.properties['isClosed'] === true || stage === 'closedlost' || stage === 'closed lost';
  return { kind: 'deal_stage', at: e.at, stage, isClosed: closed, isWon: won };
}

function consentOf(e: EventFacts, channel: Channel | null): EventMeaning['consent'] {
  const target = (channel === 'sms' || channel === 'whatsapp' ? channel : 'email') as 'email' | 'sms' | 'whatsapp';
  if (/(^|\.)unsubscribed?$/.test(e.type) || e.type.endsWith('.opted_out')) return { channel: target, status: 'opted_out' };
  if (e.type.endsWith('.subscribed') || e.type.endsWith('.opted_in')) return { channel: target, status: 'opted_in' };
  if (e.type === 'consent.updated') {
    const status = lower(e.properties['status']);
    if (status === 'opted_in' || status === 'opted_out' || status === 'unknown') return { channel: target, status };
  }
  return null;
}

/**
 * The customer's satisfaction rating on a ticket: `properties.satisfaction` as 'good' / 'bad', or as
 * Zendesk's `{ score }` object. Anything else ('offered', 'unoffered', missing) is null: not rated.
 */
export function satisfactionOf(e: Pick<EventFacts, 'properties'>): 'good' | 'bad' | null {
  const raw = e.properties['satisfaction'];
  const score = lower(typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['score'] : raw);
  return score === 'good' || score === 'bad' ? score : null;
}

/**
 * The outcome an event stands for, if any (see OUTCOME_EVENTS). A solved ticket counts by its
 * satisfaction: 'good' is positive, 'bad' negative, and a solved ticket nobody rated is neutral (no
 * outcome: the decision stays open for a later signal or runs out of its window as no response).
 */
function outcomeOf(
  e: EventFacts,
  signals: Signals | null,
  deal: JourneyEvent | null,
  ticket: EventMeaning['ticket'],
  consent: EventMeaning['consent'],
): string | null {
  if (consent?.status === 'opted_out') return 'unsubscribe';
  if (signals?.intent === 'unsubscribe' && signals.intentConfidence >= 0.5) return 'unsubscribe';
  if (/(^|\.)meeting(s)?\.(booked|scheduled)$|^meeting_booked$/.test(e.type)) return 'meeting_booked';
  if (deal?.kind === 'deal_stage' && !(deal.isClosed === true && deal.isWon !== true)) return 'deal_stage_advanced';
  if (ticket?.status === 'solved') {
    const satisfaction = satisfactionOf(e);
    return satisfaction === 'good' ? 'ticket_solved' : satisfaction === 'bad' ? 'ticket_solved_unsatisfied' : null;
  }
  if (REPLY_TYPES.test(e.type) || INBOUND_TYPES.test(e.type)) return 'reply';
  return null;
}

export function interpretEvent(e: EventFacts, signals: Signals | null): EventMeaning {
  const journey: JourneyEvent[] = [];
  const lifecycle =
    lower(prop(e, 'lifecycleStage')) ??
    lower(prop(e, 'lifecyclestage')) ??
    lower(e.traits['lifecycleStage']) ??
    lower(e.traits['lifecyclestage']);
  if (lifecycle !== null) journey.push({ kind: 'crm_lifecycle', at: e.at, value: lifecycle });
  const deal = dealOf(e);
  if (deal !== null) journey.push(deal);
  const ticket = ticketOf(e);
  if (ticket !== null) {
    const satisfaction = satisfactionOf(e);
    journey.push({
      kind: 'ticket',
      at: e.at,
      status: ticket.status === 'open' ? 'opened' : 'solved',
      priority: ticket.priority,
      ...(satisfaction === null ? {} : { satisfaction }),
    });
  }
  const milestone =
    e.type === 'subscription.cancelled'
      ? 'subscription_cancelled'
      : e.type === 'subscription.renewed'
        ? 'subscription_renewed'
        : e.type === 'onboarding.completed'
          ? 'onboarding_completed'
          : null;
  if (milestone !== null) journey.push({ kind: 'lifecycle_milestone', at: e.at, milestone });
  if (signals !== null) {
    journey.push({
      kind: 'intent',
      at: e.at,
      intent: signals.intent,
      sentiment: signals.sentiment,
      urgency: signals.urgency,
      confidence: signals.intentConfidence,
    });
  }
  const channel = channelOf(e);
  const consent = consentOf(e, channel);
  const outcome = outcomeOf(e, signals, deal, ticket, consent);
  if (outcome === 'meeting_booked' || outcome === 'reply' || /\.(clicked|submitted|opened)$/.test(e.type)) {
    journey.push({ kind: 'engagement', at: e.at, type: outcome ?? e.type.replace(/\./g, '_') });
  }
  const inbound = INBOUND_TYPES.test(e.type) || e.text !== null ? channel : null;
  return {
    journey,
    outcome,
    ticket,
    consent,
    inbound,
    relevant: signals !== null || ticket !== null || consent !== null || outcome !== null || milestone !== null,
  };
}
