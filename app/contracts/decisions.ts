/**
 * Decisioning (server/decisioning/decisioning.routes.ts, bodies built by server/decisioning/views.ts):
 * the action catalog, a decision with its explanation (product.md 4.3, app/decisioning/record.ts), a
 * page of decisions, a recorded outcome, the tenant's policies. Lift is in lift.ts.
 */
import { z } from 'zod';
import { CHANNELS } from '../shared/channels';
import { type BodyOf, instantSchema } from './common';

export const channelSchema = z.enum(CHANNELS);

/** `GET|PUT /actions`: the catalog. */
export const catalogActionSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  channel: channelSchema,
  value: z.number(),
  cost: z.number().optional(),
  requiresApproval: z.boolean().optional(),
  eligibility: z.unknown().optional(),
  template: z.unknown().optional(),
});
export const catalogSchema = z.looseObject({ actions: z.array(catalogActionSchema) });

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
/** One candidate action of a decision's explanation and what became of it. */
export const candidateSchema = z.looseObject({
  actionId: z.string(),
  label: z.string(),
  channel: z.string(),
  fate: z.enum(['chosen', 'eligible', 'held_back', 'blocked']),
  blockedBy: z.looseObject({ policy: z.string(), reason: z.string() }).optional(),
  deferredUntil: instantSchema.optional(),
  deferReason: z.string().optional(),
  factors: factorsSchema.optional(),
  rank: z.number().optional(),
  reach: z.number().optional(),
  notes: z.array(z.string()).optional(),
});
/** What came of a decision; `implicit` when it was inferred from an event rather than recorded. */
const decisionOutcomeSchema = z.union([
  z.string(),
  z.looseObject({
    outcome: z.string().optional(),
    status: z.string().optional(),
    value: z.number().nullable().optional(),
    at: instantSchema.nullable().optional(),
    implicit: z.boolean().optional(),
  }),
]);
const decidedActionSchema = z.looseObject({ id: z.string(), label: z.string(), channel: z.string() });

/** `POST /decisions` and `GET /decisions/:id` (the detail adds what was decided on and what came of it). */
export const decisionSchema = z.looseObject({
  decisionId: z.string(),
  profileId: z.string().optional(),
  decidedAt: instantSchema.optional(),
  /** Who asked: api, pipeline, card… */
  origin: z.string().optional(),
  mode: z.string().optional(),
  /** proposed, accepted, snoozed, dismissed, deferred… */
  status: z.string().optional(),
  /** Until when a snoozed or deferred decision waits. */
  until: instantSchema.nullable().optional(),
  segment: z.string().optional(),
  runId: z.string().nullable().optional(),
  action: decidedActionSchema.nullable(),
  counterfactualActionId: z.string().nullable().optional(),
  holdout: z.boolean(),
  propensity: z.number(),
  score: z.number().nullable(),
  explanation: z.array(candidateSchema),
  notes: z.array(z.string()).optional(),
  escalation: z.looseObject({ kind: z.string(), reason: z.string() }).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  attributionEndsAt: instantSchema.optional(),
  outcome: decisionOutcomeSchema.nullable().optional(),
});
/** A row of `GET /decisions` (newest first). */
export const decisionSummarySchema = z.looseObject({
  decisionId: z.string(),
  profileId: z.string(),
  decidedAt: instantSchema,
  origin: z.string().optional(),
  mode: z.string(),
  status: z.string(),
  holdout: z.boolean(),
  action: decidedActionSchema.nullable(),
  propensity: z.number().optional(),
  score: z.number().nullable(),
  runId: z.string().nullable().optional(),
  outcome: decisionOutcomeSchema.nullable(),
});
export const decisionListSchema = z.looseObject({ decisions: z.array(decisionSummarySchema), nextCursor: z.string().nullable() });

/** `POST /decisions/:id/outcome`: the settled outcome, whether the model learned from it, and the lift group it counts in. */
export const outcomeRecordedSchema = z.looseObject({
  decisionId: z.string(),
  outcome: z.string(),
  value: z.number().nullable(),
  at: instantSchema,
  learned: z.boolean(),
  lift: z.string().nullable(),
});

/** The tenant's decisioning settings (app/decisioning/config.ts); only what the console shows is checked. */
export const policiesSchema = z.looseObject({
  holdout: z.looseObject({ share: z.number().min(0).max(1) }).optional(),
  randomControlShare: z.number().optional(),
  quietHours: z
    .looseObject({
      enabled: z.boolean().optional(),
      start: z.string().optional(),
      end: z.string().optional(),
      defaultTimeZone: z.string().optional(),
    })
    .optional(),
  frequencyCaps: z.array(z.looseObject({ channel: z.string(), period: z.string(), max: z.number() })).optional(),
  engagementPolicies: z.array(z.looseObject({ id: z.string(), kind: z.string(), description: z.string().optional() })).optional(),
});
/** `GET|PUT /policies` answer `{ policies, version, updatedAt }`; readers also take the settings bare. */
export const policiesResponseSchema = z.union([
  z.looseObject({ policies: policiesSchema, version: z.number().optional(), updatedAt: instantSchema.nullable().optional() }),
  policiesSchema,
]);

export type CatalogAction = z.infer<typeof catalogActionSchema>;
export type Candidate = z.infer<typeof candidateSchema>;
export type Decision = z.infer<typeof decisionSchema>;
export type DecisionSummary = z.infer<typeof decisionSummarySchema>;
export type Policies = z.infer<typeof policiesSchema>;
/** What the server sends. */
export type CatalogBody = BodyOf<typeof catalogSchema>;
export type CandidateBody = BodyOf<typeof candidateSchema>;
export type DecisionBody = BodyOf<typeof decisionSchema>;
export type DecisionSummaryBody = BodyOf<typeof decisionSummarySchema>;
export type DecisionListBody = BodyOf<typeof decisionListSchema>;
export type OutcomeRecordedBody = BodyOf<typeof outcomeRecordedSchema>;
export type PoliciesResponseBody = BodyOf<typeof policiesResponseSchema>;
