import { type Intent } from './intents';

/**
 * How the Banking77 intents (PolyAI, CC BY 4.0; online-banking customer queries) map onto Baton's
 * canonical set. Every Banking77 query is a customer asking their provider for something, so all
 * of them are service traffic: money that moved wrongly, fees, refunds, declined or pending
 * payments → billing_issue; cards, identity, app, transfers that need doing → support_request;
 * closing the account → cancellation. Judgement calls, written down so they can be argued with.
 */
const BILLING: readonly string[] = [
  'card_payment_wrong_exchange_rate',
  'extra_charge_on_statement',
  'top_up_by_bank_transfer_charge',
  'wrong_amount_of_cash_received',
  'card_payment_fee_charged',
  'card_payment_not_recognised',
  'direct_debit_payment_not_recognised',
  'request_refund',
  'Refund_not_showing_up',
  'declined_card_payment',
  'transaction_charged_twice',
  'reverted_card_payment?',
  'transfer_fee_charged',
  'wrong_exchange_rate_for_cash_withdrawal',
  'cash_withdrawal_not_recognised',
  'exchange_charge',
  'top_up_by_card_charge',
  'cash_withdrawal_charge',
  'pending_card_payment',
  'top_up_failed',
  'top_up_reverted',
  'pending_top_up',
  'declined_transfer',
  'failed_transfer',
  'balance_not_updated_after_bank_transfer',
  'balance_not_updated_after_cheque_or_cash_deposit',
  'pending_cash_withdrawal',
  'declined_cash_withdrawal',
];

export function mapBanking77Intent(category: string): Intent | undefined {
  if (category === 'terminate_account') return 'cancellation';
  if (BILLING.includes(category)) return 'billing_issue';
  return /^[A-Za-z_?]+$/.test(category) ? 'support_request' : undefined;
}
