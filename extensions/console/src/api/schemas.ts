/**
 * What the console expects from the API. The card uses the shared card contract (app/cards/card-view);
 * runs and playbooks mirror server/runs/run.view.ts; the decisioning shapes follow product.md 4.3 and
 * app/decisioning/record.ts. Objects are loose (extra fields are fine); a missing or mistyped field the
 * console renders is a contract error shown to the user.
 */
import { z } from 'zod';
import { CHANNELS, cardViewSchema } from '../../../../app/cards/card-view';
import { RUN_STATUSES } from '../../../../app/orchestration/runs/run.types';

export { RUN_STATUSES };
/** Times arrive as ISO strings from most endpoints and as epoch ms from a few. */
const instant = z.union([z.string(), z.number()]);
const errorInfo = z.looseObject({ code: z.string(), message: z.string(), category: z.string().optional() });

export const profileSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  identifiers: z.array(z.looseObject({ type: z.string(), scope: z.string().nullable(), value: z.string() })),
});
export const profileSearchSchema = z.looseObject({ profiles: z.array(profileSummarySchema) });

export const cardSchema = cardViewSchema;
export const cardActionResultSchema = z.looseObject({ message: z.string(), card: cardViewSchema });

/** GET /profiles/:id/conversation (server/conversation/conversation.routes.ts). */
export const conversationMessageSchema = z.looseObject({
  id: z.string(),
  threadKey: z.string(),
  channel: z.string(),
  speaker: z.enum(['customer', 'rep', 'bot', 'unknown']),
  occurredAt: z.string(),
  source: z.string(),
  eventType: z.string(),
  subject: z.string().nullable(),
  text: z.string().nullable(),
  signals: z
    .looseObject({ intent: z.string(), intentConfidence: z.number(), sentiment: z.number(), sentimentLabel: z.string(), urgency: z.string(), language: z.string().nullable() })
    .nullable(),
});
export const conversationThreadSchema = z.looseObject({
  threadKey: z.string(),
  channel: z.string(),
  subject: z.string().nullable(),
  firstAt: z.string(),
  lastAt: z.string(),
  messageCount: z.number(),
  messageIds: z.array(z.string()),
});
export const sentimentTrendSchema = z.looseObject({
  points: z.array(z.looseObject({ at: z.string(), messageId: z.string(), sentiment: z.number(), trend: z.number() })),
  latest: z.number().nullable(),
  direction: z.enum(['falling', 'rising', 'steady']),
  falls: z.array(z.looseObject({ at: z.string(), messageId: z.string(), from: z.number(), to: z.number(), drop: z.number() })),
});
export const conversationSchema = z.looseObject({
  profileId: z.string(),
  messages: z.array(conversationMessageSchema),
  threads: z.array(conversationThreadSchema),
  trend: sentimentTrendSchema,
  nextCursor: z.string().nullable(),
});
export type ConversationMessage = z.infer<typeof conversationMessageSchema>;
export type ConversationThread = z.infer<typeof conversationThreadSchema>;
export type SentimentTrend = z.infer<typeof sentimentTrendSchema>;
export type ConversationPage = z.infer<typeof conversationSchema>;

export const attemptSchema = z.looseObject({
  attempt: z.number(),
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
  outcome: z.string(),
  error: errorInfo.nullable(),
  idempotencyKey: z.string().nullable().optional(),
});
export const stepSchema = z.looseObject({
  stepId: z.string(),
  kind: z.string(),
  status: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  attempt: z.number(),
  error: errorInfo.nullable(),
  idempotencyKey: z.string().nullable().optional(),
  attempts: z.array(attemptSchema).default([]),
  startedAt: instant.nullable().optional(),
  finishedAt: instant.nullable().optional(),
  updatedAt: instant.nullable().optional(),
});
export const runSchema = z.looseObject({
  id: z.string(),
  playbookId: z.string(),
  playbookVersion: z.number(),
  profileId: z.string(),
  status: z.string(),
  currentStep: z.string().nullable(),
  waitingFor: z.string().nullable().optional(),
  error: errorInfo.extend({ stepId: z.string().optional() }).nullable(),
  end: z.looseObject({ kind: z.string(), detail: z.string().nullable() }).nullable().optional(),
  resumeCount: z.number().optional(),
  createdAt: instant.nullable(),
  updatedAt: instant.nullable(),
});
export const runListSchema = z.looseObject({ runs: z.array(runSchema), nextCursor: z.string().nullable().optional() });
export const runDetailSchema = runSchema.extend({ steps: z.array(stepSchema) });
export const runControlSchema = runDetailSchema.extend({ alreadyApplied: z.boolean().optional(), created: z.boolean().optional() });

export const playbookSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  version: z.number(),
  status: z.string(),
  description: z.string().optional(),
  steps: z.array(z.looseObject({ id: z.string(), kind: z.string() })),
});
export const playbookListSchema = z.looseObject({ playbooks: z.array(playbookSchema) });

export const channelSchema = z.enum(CHANNELS);
export const actionSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  channel: channelSchema,
  value: z.number(),
  cost: z.number().optional(),
  requiresApproval: z.boolean().optional(),
  eligibility: z.unknown().optional(),
  template: z.unknown().optional(),
});
export const catalogSchema = z.looseObject({ actions: z.array(actionSchema) });

export const factorsSchema = z.looseObject({
  propensity: z.number(),
  propensityMean: z.number().optional(),
  evidence: z.number().optional(),
  contextWeight: z.number(),
  value: z.number(),
  levers: z.number(),
  score: z.number(),
  contextRules: z.array(z.string()).optional(),
});
export const candidateSchema = z.looseObject({
  actionId: z.string(),
  label: z.string(),
  channel: z.string(),
  fate: z.enum(['chosen', 'eligible', 'held_back', 'blocked']),
  blockedBy: z.looseObject({ policy: z.string(), reason: z.string() }).optional(),
  deferredUntil: instant.optional(),
  deferReason: z.string().optional(),
  factors: factorsSchema.optional(),
  rank: z.number().optional(),
  reach: z.number().optional(),
  notes: z.array(z.string()).optional(),
});
const outcomeSchema = z.union([
  z.string(),
  z.looseObject({ outcome: z.string().optional(), status: z.string().optional(), value: z.number().nullable().optional(), at: instant.nullable().optional() }),
]);
export const decisionSchema = z.looseObject({
  decisionId: z.string(),
  profileId: z.string().optional(),
  decidedAt: instant.optional(),
  mode: z.string().optional(),
  /** proposed, accepted, snoozed, dismissed, deferred… */
  status: z.string().optional(),
  segment: z.string().optional(),
  runId: z.string().nullable().optional(),
  action: z.looseObject({ id: z.string(), label: z.string(), channel: z.string() }).nullable(),
  holdout: z.boolean(),
  propensity: z.number(),
  score: z.number().nullable(),
  explanation: z.array(candidateSchema),
  notes: z.array(z.string()).optional(),
  outcome: outcomeSchema.nullable().optional(),
});
/** A row of GET /decisions (newest first). */
export const decisionSummarySchema = z.looseObject({
  decisionId: z.string(),
  profileId: z.string(),
  decidedAt: instant,
  mode: z.string(),
  status: z.string(),
  holdout: z.boolean(),
  action: z.looseObject({ id: z.string(), label: z.string(), channel: z.string() }).nullable(),
  score: z.number().nullable(),
  outcome: outcomeSchema.nullable(),
});
export type DecisionSummary = z.infer<typeof decisionSummarySchema>;
export const decisionListSchema = z.looseObject({ decisions: z.array(decisionSummarySchema), nextCursor: z.string().nullable() });

export const rateSchema = z.looseObject({ decisions: z.number(), positives: z.number(), rate: z.number().nullable(), standardError: z.number().nullable().optional() });
export const liftEstimateSchema = z.looseObject({
  treated: rateSchema,
  control: rateSchema,
  lift: z.number().nullable(),
  confidenceInterval: z.tuple([z.number(), z.number()]).nullable(),
  confidenceLevel: z.number().optional(),
  significant: z.boolean().optional(),
});
/** A point of the lift series; the period start may be called at, periodStart, date or day. */
const liftPointSchema = z.preprocess((v) => {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return { ...o, at: o['at'] ?? o['periodStart'] ?? o['date'] ?? o['day'] };
}, liftEstimateSchema.extend({ at: instant }));
/** How many decided actions runs tried to carry out and how many reached the person (rate null before any). */
export const deliveryCountsSchema = z.looseObject({ attempted: z.number(), delivered: z.number(), undeliverable: z.number(), rate: z.number().nullable() });
export const liftReportSchema = z.looseObject({
  overall: liftEstimateSchema,
  /** Delivery of treated decisions per action (lift stays intention-to-treat). */
  delivery: z.looseObject({ overall: deliveryCountsSchema, perAction: z.array(deliveryCountsSchema.extend({ actionId: z.string() })) }).optional(),
  perAction: z.array(liftEstimateSchema.extend({ actionId: z.string(), series: z.array(liftPointSchema).optional() })),
  series: z.array(liftPointSchema).optional(),
  /** Width of a series point (minute, hour, day, week; UTC) and whether points accumulate. */
  bucket: z.string().optional(),
  cumulative: z.boolean().optional(),
});

/** The tenant's decisioning settings (app/decisioning/config.ts); only what the console shows is checked. */
export const policiesSchema = z.looseObject({
  holdout: z.looseObject({ share: z.number().min(0).max(1) }).optional(),
  randomControlShare: z.number().optional(),
  quietHours: z.looseObject({ enabled: z.boolean().optional(), start: z.string().optional(), end: z.string().optional(), defaultTimeZone: z.string().optional() }).optional(),
  frequencyCaps: z.array(z.looseObject({ channel: z.string(), period: z.string(), max: z.number() })).optional(),
  engagementPolicies: z.array(z.looseObject({ id: z.string(), kind: z.string(), description: z.string().optional() })).optional(),
});
/** GET /policies may answer the settings bare or wrapped as { policies }. */
export const policiesResponseSchema = z.union([z.looseObject({ policies: policiesSchema }), policiesSchema]);

export const connectionSchema = z.preprocess((v) => {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return { ...o, connectionId: o['connectionId'] ?? o['id'] };
}, z.looseObject({
  connectionId: z.string(),
  type: z.string(),
  status: z.string().optional(),
  createdAt: instant.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  statusReason: z.string().nullable().optional(),
  webhookUrl: z.string().optional(),
  webhookSetup: z.string().optional(),
  lastError: z.union([z.string(), errorInfo]).nullable().optional(),
}));
export const connectionListSchema = z.looseObject({ connections: z.array(connectionSchema) });
export const connectionCreatedSchema = z.looseObject({ connectionId: z.string() });
/** POST /connections/:id/test: the vendor call ran; ok, or the classified error. */
export const connectionTestSchema = z.looseObject({ ok: z.boolean(), error: errorInfo.optional() });

export type ProfileSummary = z.infer<typeof profileSummarySchema>;
export type Run = z.infer<typeof runSchema>;
export type RunDetail = z.infer<typeof runDetailSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Playbook = z.infer<typeof playbookSchema>;
export type CatalogAction = z.infer<typeof actionSchema>;
export type Decision = z.infer<typeof decisionSchema>;
export type Candidate = z.infer<typeof candidateSchema>;
export type LiftEstimate = z.infer<typeof liftEstimateSchema>;
export type LiftReport = z.infer<typeof liftReportSchema>;
export type LiftPoint = NonNullable<LiftReport['series']>[number];
export type Policies = z.infer<typeof policiesSchema>;
export type Connection = z.infer<typeof connectionSchema>;
