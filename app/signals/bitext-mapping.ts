import { type Intent } from './intents';

/**
 * How the Bitext customer-support intents (27, e-commerce flavoured) map onto Baton's canonical set.
 * Judgement calls, written down so they can be argued with:
 * - cancel_order, delete_account, check_cancellation_fee → cancellation (a churn / exit signal).
 * - contact_customer_service, contact_human_agent → human_handoff (they want a person).
 * - review ("how do I leave feedback") says nothing about polarity → other, not positive_feedback.
 * - newsletter_subscription is split by wording: unsubscribing → unsubscribe, the rest → other.
 */
const MAPPING: Readonly<Record<string, Intent>> = {
  cancel_order: 'cancellation',
  delete_account: 'cancellation',
  check_cancellation_fee: 'cancellation',
  change_order: 'support_request',
  change_shipping_address: 'support_request',
  set_up_shipping_address: 'support_request',
  create_account: 'support_request',
  edit_account: 'support_request',
  switch_account: 'support_request',
  recover_password: 'support_request',
  registration_problems: 'support_request',
  delivery_options: 'support_request',
  delivery_period: 'support_request',
  track_order: 'support_request',
  check_invoice: 'billing_issue',
  get_invoice: 'billing_issue',
  check_payment_methods: 'billing_issue',
  payment_issue: 'billing_issue',
  check_refund_policy: 'billing_issue',
  get_refund: 'billing_issue',
  track_refund: 'billing_issue',
  complaint: 'complaint',
  contact_customer_service: 'human_handoff',
  contact_human_agent: 'human_handoff',
  place_order: 'purchase_intent',
  review: 'other',
};

const LEAVING_NEWSLETTER = /un\w{0,3}s\w{0,3}cri|cancel|opt\W?out|stop|remov|leave|quit/i;

/** Canonical intent for a Bitext row, or undefined when the Bitext intent is unknown. */
export function mapBitextIntent(bitextIntent: string, instruction: string): Intent | undefined {
  if (bitextIntent === 'newsletter_subscription') {
    return LEAVING_NEWSLETTER.test(instruction) ? 'unsubscribe' : 'other';
  }
  return MAPPING[bitextIntent];
}
