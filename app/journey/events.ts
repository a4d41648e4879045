/**
 * The events that move a journey, as plain data. The pipeline maps CRM webhooks, ticket events and
 * understood messages onto these; the state machine never sees connector payloads.
 */
export type JourneyEvent =
  /** CRM lifecycle stage changed (HubSpot `lifecyclestage`, Salesforce Lead/Contact status), value normalised to lower case. */
  | { readonly kind: 'crm_lifecycle'; readonly at: number; readonly value: string }
  /** A deal/opportunity moved. */
  | { readonly kind: 'deal_stage'; readonly at: number; readonly stage: string; readonly isClosed?: boolean; readonly isWon?: boolean }
  | {
      readonly kind: 'ticket';
      readonly at: number;
      readonly status: 'opened' | 'solved';
      readonly priority?: 'low' | 'normal' | 'high' | 'urgent';
      readonly satisfaction?: 'good' | 'bad';
    }
  /** An understood inbound message. */
  | {
      readonly kind: 'intent';
      readonly at: number;
      readonly intent: string;
      readonly sentiment: number;
      readonly urgency: 'low' | 'medium' | 'high';
      readonly confidence?: number;
    }
  /** Any engagement: email reply, form submission, meeting booked, page visit... */
  | { readonly kind: 'engagement'; readonly at: number; readonly type: string }
  /** Product or billing milestones from the tenant's systems. */
  | {
      readonly kind: 'lifecycle_milestone';
      readonly at: number;
      readonly milestone: 'onboarding_completed' | 'subscription_cancelled' | 'subscription_renewed';
    };

export type JourneyEventKind = JourneyEvent['kind'];
