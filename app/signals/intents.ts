/** The canonical intent set every signal extractor must map into (product brief, section 3.3). */
export const CANONICAL_INTENTS = [
  'purchase_intent',
  'demo_request',
  'objection',
  'support_request',
  'billing_issue',
  'complaint',
  'cancellation',
  'unsubscribe',
  'human_handoff',
  'positive_feedback',
  'other',
] as const;

export type Intent = (typeof CANONICAL_INTENTS)[number];

/** Intents that trigger consequential automation (suppression, retention plays, human tasks). */
export const HIGH_STAKES_INTENTS: ReadonlySet<Intent> = new Set<Intent>([
  'cancellation',
  'unsubscribe',
  'complaint',
  'billing_issue',
  'human_handoff',
]);

const intentSet: ReadonlySet<string> = new Set(CANONICAL_INTENTS);

export function isIntent(value: string): value is Intent {
  return intentSet.has(value);
}
