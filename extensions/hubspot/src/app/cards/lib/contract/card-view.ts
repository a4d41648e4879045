// GENERATED: copy of app/cards/card-view.ts (scripts/generate-hubspot-project.ts). Edit the original.
/**
 * The record card: what a rep sees about one person on a CRM record (HubSpot card, Salesforce LWC,
 * Baton console). One contract for every surface; the backend builds it, the UIs only render it.
 * Dates are ISO 8601 strings; every list is newest first and bounded.
 */
import { z } from 'zod';
import { CHANNELS } from './channels';
import { STAGES } from './stages';

export { CHANNELS };

const iso = z.iso.datetime({ offset: true });

export const cardReasonSchema = z.object({
  /** Machine-readable, e.g. `policy.quiet_hours`, `score.propensity`, `signal.intent`. */
  code: z.string(),
  /** One sentence a rep can read. */
  text: z.string(),
});

export const cardNextActionSchema = z.object({
  decisionId: z.string(),
  action: z.object({ id: z.string(), label: z.string(), channel: z.enum(CHANNELS) }),
  score: z.number().nullable(),
  propensity: z.number().min(0).max(1),
  /** Why this action, and why not the runners-up (at most 8). */
  reasons: z.array(cardReasonSchema).max(20),
  requiresApproval: z.boolean(),
  /** A drafted message the rep may approve or edit before it is sent. */
  draft: z.object({ subject: z.string().optional(), body: z.string() }).optional(),
  status: z.enum(['proposed', 'accepted', 'snoozed', 'dismissed', 'deferred']),
  /** Set when snoozed or deferred by a policy (quiet hours…). */
  until: iso.optional(),
  decidedAt: iso,
});

export const cardRunStepSchema = z.object({
  stepId: z.string(),
  kind: z.enum(['action', 'wait', 'branch', 'decide', 'exit']),
  status: z.string(),
  attempts: z.number().int().min(0),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** How the step reached the person when the system chose among routes (HubSpot email: transactional, marketing, sequence, owner_task). */
  route: z.string().max(64).optional(),
  updatedAt: iso.optional(),
});

export const cardRunSchema = z.object({
  runId: z.string(),
  playbookId: z.string(),
  playbookName: z.string(),
  playbookVersion: z.number().int(),
  status: z.string(),
  startedAt: iso,
  updatedAt: iso,
  /** True when a failed step can be retried from the card. */
  canRetry: z.boolean(),
  steps: z.array(cardRunStepSchema).max(50),
});

export const cardIdentitySchema = z.object({
  type: z.string(),
  /** Display value (phones E.164, emails lower-case). */
  value: z.string(),
  /** Portal, org or subdomain the identifier belongs to. */
  scope: z.string().optional(),
  source: z.string(),
  linkedAt: iso,
  /**
   * Why the record that brought this identifier is this person, one line ("same phone +1 303 555
   * 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp sender"); absent where the profile started.
   */
  evidence: z.string().max(200).optional(),
});

export const cardPossibleMatchSchema = z.object({
  matchId: z.string(),
  otherProfileId: z.string(),
  displayName: z.string().nullable(),
  probability: z.number().min(0).max(1),
  reasons: z.array(z.string()).max(20),
});

export const cardSignalSchema = z.object({
  eventId: z.string(),
  source: z.string(),
  type: z.string(),
  occurredAt: iso,
  /** At most 280 characters of the message. */
  excerpt: z.string().max(280).nullable(),
  intent: z.string().nullable(),
  intentConfidence: z.number().min(0).max(1).nullable(),
  sentiment: z.number().min(-1).max(1).nullable(),
  sentimentLabel: z.enum(['positive', 'neutral', 'negative']).nullable(),
  urgency: z.enum(['low', 'medium', 'high']).nullable(),
  /** ISO 639-1 language of the message; null when unknown. Optional for cards built before it existed. */
  language: z.string().nullable().optional(),
});

/**
 * One message of the person's conversation (any channel), newest first on the card. `speaker`: the
 * person (customer), someone of the business (rep), Baton's own sends (bot), or not known (unknown).
 * Signals are set for the customer's own messages only.
 */
export const cardMessageSchema = z.object({
  messageId: z.string(),
  threadKey: z.string(),
  channel: z.string(),
  speaker: z.enum(['customer', 'rep', 'bot', 'unknown']),
  occurredAt: iso,
  /** At most 280 characters of the message. */
  excerpt: z.string().max(280).nullable(),
  intent: z.string().nullable(),
  sentiment: z.number().min(-1).max(1).nullable(),
  sentimentLabel: z.enum(['positive', 'neutral', 'negative']).nullable(),
  urgency: z.enum(['low', 'medium', 'high']).nullable(),
  language: z.string().nullable(),
});

/**
 * The customer's sentiment trend: each of their messages' sentiment and the exponentially weighted
 * trend after it (oldest first), the latest trend, its direction, and the sharp falls among the points
 * (the rule policies can escalate on: `sentiment.dropped` events).
 */
export const cardTrendSchema = z.object({
  points: z.array(z.object({ at: iso, sentiment: z.number().min(-1).max(1), trend: z.number().min(-1).max(1) })).max(30),
  latest: z.number().min(-1).max(1).nullable(),
  direction: z.enum(['falling', 'rising', 'steady']),
  falls: z.array(z.object({ at: iso, from: z.number(), to: z.number(), drop: z.number() })).max(30),
});

export const cardConversationSchema = z.object({
  latest: z.array(cardMessageSchema).max(5),
  trend: cardTrendSchema,
});

/** How many traits the card shows at most. */
export const CARD_TRAITS_MAX = 12;
/** The longest trait value the card shows; longer values are clipped with an ellipsis. */
export const CARD_TRAIT_VALUE_MAX = 200;

/**
 * A trait on the person's profile (their own or one merged into it) with where and when its value came
 * from: `source` is `warehouse:<connection id>`, `hubspot`, `salesforce`, `api`… The value is a string
 * (clipped), a number or a boolean; any other JSON is shown as clipped JSON text. `audience` is set for
 * an audience membership (`audience_<name>` traits): the audience's name, and the value true while the
 * person is a member, false once they left.
 */
export const cardTraitSchema = z.object({
  name: z.string().min(1).max(200),
  value: z.union([z.string().max(CARD_TRAIT_VALUE_MAX), z.number(), z.boolean()]),
  source: z.string().max(200),
  at: iso,
  audience: z.string().max(200).optional(),
});

export const cardViewSchema = z.object({
  /** Null when the record is not yet known to Baton (no event carried its identifiers). */
  profileId: z.string().nullable(),
  displayName: z.string().nullable(),
  journey: z
    .object({
      stage: z.enum(STAGES),
      enteredAt: iso,
      timeInStageMs: z.number().int().min(0),
      history: z.array(z.object({ from: z.enum(STAGES).nullable(), to: z.enum(STAGES), at: iso, reason: z.string() })).max(20),
    })
    .nullable(),
  hotness: z.object({ score: z.number().min(0).max(100), trend: z.enum(['rising', 'steady', 'cooling']), updatedAt: iso }).nullable(),
  nextBestAction: cardNextActionSchema.nullable(),
  runs: z.array(cardRunSchema).max(20),
  identities: z.array(cardIdentitySchema).max(100),
  possibleMatches: z.array(cardPossibleMatchSchema).max(20),
  signals: z.array(cardSignalSchema).max(50),
  /** The latest messages across channels and the sentiment trend; absent where the backend has no conversation store. */
  conversation: cardConversationSchema.optional(),
  /** The person's traits, most recently changed first; absent where the backend does not record traits. */
  traits: z.array(cardTraitSchema).max(CARD_TRAITS_MAX).optional(),
  generatedAt: iso,
});

/** What a card button sends. Every request names what it acts on, so a stale card cannot act on something else. */
export const cardActionRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('accept'), profileId: z.string().min(1), decisionId: z.string().min(1) }),
  z.strictObject({
    type: z.literal('snooze'),
    profileId: z.string().min(1),
    decisionId: z.string().min(1),
    hours: z
      .number()
      .int()
      .min(1, 'snooze for at least 1 hour')
      .max(24 * 30, 'snooze for at most 30 days')
      .default(24),
  }),
  z.strictObject({
    type: z.literal('dismiss'),
    profileId: z.string().min(1),
    decisionId: z.string().min(1),
    reason: z.string().max(500).optional(),
  }),
  z.strictObject({
    type: z.literal('approve_draft'),
    profileId: z.string().min(1),
    decisionId: z.string().min(1),
    draft: z.strictObject({ subject: z.string().max(300).optional(), body: z.string().min(1, 'the message is empty').max(5000) }),
  }),
  z.strictObject({ type: z.literal('retry_step'), profileId: z.string().min(1), runId: z.string().min(1) }),
  z.strictObject({ type: z.literal('confirm_match'), profileId: z.string().min(1), matchId: z.string().min(1) }),
  z.strictObject({ type: z.literal('reject_match'), profileId: z.string().min(1), matchId: z.string().min(1) }),
]);

export type CardView = z.infer<typeof cardViewSchema>;
export type CardNextAction = z.infer<typeof cardNextActionSchema>;
export type CardRun = z.infer<typeof cardRunSchema>;
export type CardSignal = z.infer<typeof cardSignalSchema>;
export type CardMessage = z.infer<typeof cardMessageSchema>;
export type CardConversation = z.infer<typeof cardConversationSchema>;
export type CardTrait = z.infer<typeof cardTraitSchema>;
export type CardActionRequest = z.infer<typeof cardActionRequestSchema>;

/** The card's answer to a button: the refreshed card and a line to show the rep. */
export const cardActionResultSchema = z.object({ message: z.string(), card: cardViewSchema });
export type CardActionResult = z.infer<typeof cardActionResultSchema>;

/** An empty card for a record Baton has not seen yet. */
export function emptyCard(now: Date): CardView {
  return {
    profileId: null,
    displayName: null,
    journey: null,
    hotness: null,
    nextBestAction: null,
    runs: [],
    identities: [],
    possibleMatches: [],
    signals: [],
    generatedAt: now.toISOString(),
  };
}
