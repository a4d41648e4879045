/**
 * The journey's transitions, declared as data: from which stages, on which event kind, under which
 * condition (a JSON-logic rule over the event, e.g. `{"in": [{"var": "intent"}, ["demo_request"]]}`),
 * to which stage. The first matching rule wins, so specific rules go before general ones. A tenant
 * can replace the table (validated by `transitionTableSchema`).
 */
import { z } from 'zod';
import { jsonLogicRuleSchema, type JsonLogicRule } from '../decisioning/expressions';
import { STAGES, type Stage } from './stages';
import { type JourneyEventKind } from './events';

export interface TransitionRule {
  readonly id: string;
  /** Stages the rule applies in; "any" for every stage. */
  readonly from: readonly Stage[] | 'any';
  readonly on: JourneyEventKind;
  /** JSON-logic over the event; absent means always. */
  readonly when?: JsonLogicRule;
  readonly to: Stage;
  readonly description: string;
}

const stage = z.enum(STAGES);
export const transitionTableSchema = z.array(
  z.strictObject({
    id: z.string().min(1),
    from: z.union([z.literal('any'), z.array(stage).min(1)]),
    on: z.enum(['crm_lifecycle', 'deal_stage', 'ticket', 'intent', 'engagement', 'lifecycle_milestone']),
    when: jsonLogicRuleSchema.optional(),
    to: stage,
    description: z.string().min(1),
  }),
);

const lifecycle = (values: string[]): JsonLogicRule => ({ in: [{ var: 'value' }, values] });
const intents = (values: string[]): JsonLogicRule => ({ in: [{ var: 'intent' }, values] });

/** Baton's default journey (HubSpot lifecycle values as the CRM vocabulary). */
export const DEFAULT_TRANSITIONS: readonly TransitionRule[] = [
  // Terminal and recovery events first: they apply from many stages.
  {
    id: 'cancelled',
    from: ['onboarding', 'active', 'at_risk'],
    on: 'lifecycle_milestone',
    when: { '==': [{ var: 'milestone' }, 'subscription_cancelled'] },
    to: 'churned',
    description: 'subscription cancelled',
  },
  {
    id: 'renewed',
    from: ['at_risk'],
    on: 'lifecycle_milestone',
    when: { '==': [{ var: 'milestone' }, 'subscription_renewed'] },
    to: 'active',
    description: 'subscription renewed',
  },
  {
    id: 'onboarded',
    from: ['onboarding'],
    on: 'lifecycle_milestone',
    when: { '==': [{ var: 'milestone' }, 'onboarding_completed'] },
    to: 'active',
    description: 'onboarding completed',
  },

  // CRM lifecycle stage is the system of record for the sales funnel.
  {
    id: 'crm-customer',
    from: ['lead', 'engaged', 'qualified', 'opportunity', 'churned'],
    on: 'crm_lifecycle',
    when: lifecycle(['customer']),
    to: 'onboarding',
    description: 'CRM marked the contact a customer',
  },
  {
    id: 'crm-evangelist',
    from: ['onboarding', 'at_risk'],
    on: 'crm_lifecycle',
    when: lifecycle(['evangelist']),
    to: 'active',
    description: 'CRM marked the contact an evangelist',
  },
  {
    id: 'crm-opportunity',
    from: ['lead', 'engaged', 'qualified'],
    on: 'crm_lifecycle',
    when: lifecycle(['opportunity']),
    to: 'opportunity',
    description: 'CRM lifecycle stage opportunity',
  },
  {
    id: 'crm-sql',
    from: ['lead', 'engaged'],
    on: 'crm_lifecycle',
    when: lifecycle(['salesqualifiedlead']),
    to: 'qualified',
    description: 'CRM lifecycle stage sales-qualified lead',
  },
  {
    id: 'crm-mql',
    from: ['lead'],
    on: 'crm_lifecycle',
    when: lifecycle(['marketingqualifiedlead']),
    to: 'engaged',
    description: 'CRM lifecycle stage marketing-qualified lead',
  },

  // Deals.
  {
    id: 'deal-won',
    from: ['lead', 'engaged', 'qualified', 'opportunity', 'churned'],
    on: 'deal_stage',
    when: { '==': [{ var: 'isWon' }, true] },
    to: 'onboarding',
    description: 'deal closed won',
  },
  {
    id: 'deal-lost',
    from: ['opportunity'],
    on: 'deal_stage',
    when: { and: [{ '==': [{ var: 'isClosed' }, true] }, { '!': { var: 'isWon' } }] },
    to: 'engaged',
    description: 'deal closed lost: back to nurturing',
  },
  {
    id: 'deal-open',
    from: ['lead', 'engaged', 'qualified'],
    on: 'deal_stage',
    when: { '!': { var: 'isClosed' } },
    to: 'opportunity',
    description: 'open deal',
  },

  // What people say.
  {
    id: 'intent-cancel',
    from: ['onboarding', 'active'],
    on: 'intent',
    when: intents(['cancellation']),
    to: 'at_risk',
    description: 'asked to cancel',
  },
  {
    id: 'intent-angry',
    from: ['onboarding', 'active'],
    on: 'intent',
    when: { and: [intents(['complaint', 'billing_issue']), { '<=': [{ var: 'sentiment' }, -0.4] }] },
    to: 'at_risk',
    description: 'negative complaint or billing issue',
  },
  {
    id: 'intent-happy',
    from: ['at_risk'],
    on: 'intent',
    when: { and: [intents(['positive_feedback']), { '>=': [{ var: 'sentiment' }, 0.3] }] },
    to: 'active',
    description: 'positive feedback after a risk',
  },
  {
    id: 'intent-buying',
    from: ['lead', 'engaged'],
    on: 'intent',
    when: intents(['purchase_intent', 'demo_request']),
    to: 'qualified',
    description: 'asked to buy or for a demo',
  },
  {
    id: 'intent-any',
    from: ['lead'],
    on: 'intent',
    when: { '!': intents(['unsubscribe', 'other']) },
    to: 'engaged',
    description: 'wrote to us',
  },

  // Tickets.
  {
    id: 'ticket-urgent',
    from: ['onboarding', 'active'],
    on: 'ticket',
    when: { and: [{ '==': [{ var: 'status' }, 'opened'] }, { in: [{ var: 'priority' }, ['urgent']] }] },
    to: 'at_risk',
    description: 'urgent ticket opened',
  },
  {
    id: 'ticket-solved-good',
    from: ['at_risk'],
    on: 'ticket',
    when: { and: [{ '==': [{ var: 'status' }, 'solved'] }, { '==': [{ var: 'satisfaction' }, 'good'] }] },
    to: 'active',
    description: 'ticket solved, customer satisfied',
  },

  // Engagement.
  {
    id: 'meeting-booked',
    from: ['lead', 'engaged'],
    on: 'engagement',
    when: { '==': [{ var: 'type' }, 'meeting_booked'] },
    to: 'qualified',
    description: 'meeting booked',
  },
  { id: 'engaged', from: ['lead'], on: 'engagement', to: 'engaged', description: 'engaged (reply, form, click)' },
];
