/**
 * A tenant's decisioning settings: engagement policies, contact policies, arbitration levers,
 * exploration and measurement. `parseDecisioningConfig({})` gives the documented defaults, so a
 * tenant that configured nothing still gets safe behaviour (consent rules, quiet hours, caps,
 * suppression, 5% holdout, 2% random control).
 */
import { z } from 'zod';
import { channelSchema, CUSTOMER_CONTACT_CHANNELS } from './catalog';
import { jsonLogicRuleSchema } from './expressions';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const PLAYBOOK_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const share = (fallback: number) => z.number().min(0).max(1).default(fallback);

export const ENGAGEMENT_KINDS = ['eligibility', 'applicability', 'suitability'] as const;
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];

const engagementPolicySchema = z.strictObject({
  id: z.string().trim().min(1).max(128),
  kind: z.enum(ENGAGEMENT_KINDS),
  description: z.string().max(500).optional(),
  /** Evaluated over `{ profile, context, action, now }`; the action passes when the rule is true. */
  rule: jsonLogicRuleSchema,
  /** Limit the policy to these actions / channels; absent means every action. */
  actions: z.array(z.string()).optional(),
  channels: z.array(channelSchema).optional(),
});

const contextWeightSchema = z.strictObject({
  id: z.string().trim().min(1).max(128),
  /** Evaluated over `{ profile, context, now }`. */
  when: jsonLogicRuleSchema,
  actions: z.array(z.string()).optional(),
  channels: z.array(channelSchema).optional(),
  /** Additive percentage (Pega): matched weights are summed, C = max(0, 1 + sum / 100). */
  weightPct: z.number().finite().min(-100).max(10000),
});

const actionSettingsSchema = z.strictObject({
  /** Promotional actions are suppressed for angry customers and during high-priority tickets. */
  promotional: z.boolean().optional(),
  /** Business lever for this action, additive percentage. */
  leverPct: z.number().finite().min(-100).max(10000).optional(),
  /** Playbook that carries this action out when automation runs it (default: automation.playbook). */
  playbook: z.string().regex(PLAYBOOK_ID, 'playbook must be a playbook id').optional(),
});

const eventTypePattern = z
  .string()
  .regex(
    /^\*$|^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*(\.\*)?$/,
    'an event type pattern is a dotted type ("email.replied"), a prefix ("ticket.*") or "*"',
  );

const consentRuleSchema = z.enum(['opt_in', 'opt_out']);

const frequencyCapSchema = z.strictObject({
  channel: z.union([channelSchema, z.literal('all')]),
  period: z.enum(['day', 'week']),
  max: z.number().int().min(0),
});

export const decisioningConfigSchema = z.strictObject({
  engagementPolicies: z.array(engagementPolicySchema).default([]),
  actionSettings: z.record(z.string(), actionSettingsSchema).default({}),
  levers: z.strictObject({ channels: z.partialRecord(channelSchema, z.number().finite().min(-100).max(10000)).default({}) }).prefault({}),
  contextWeights: z.array(contextWeightSchema).default([]),

  /** opt_in: contact only with explicit consent; opt_out: contact unless opted out. */
  consent: z
    .strictObject({
      email: consentRuleSchema.default('opt_out'),
      sms: consentRuleSchema.default('opt_in'),
      whatsapp: consentRuleSchema.default('opt_in'),
      /** Channels whose promotional actions stop after an `unsubscribe` intent in recent signals. */
      unsubscribeIntentLookbackHours: z
        .number()
        .min(0)
        .default(24 * 30),
    })
    .prefault({}),
  quietHours: z
    .strictObject({
      enabled: z.boolean().default(true),
      start: z.string().regex(HH_MM, 'start must be HH:MM (24h)').default('21:00'),
      end: z.string().regex(HH_MM, 'end must be HH:MM (24h)').default('08:00'),
      channels: z.array(channelSchema).default([...CUSTOMER_CONTACT_CHANNELS]),
      /** Used when the profile has no (or an unknown) time zone. */
      defaultTimeZone: z.string().default('UTC'),
    })
    .prefault({}),
  frequencyCaps: z.array(frequencyCapSchema).default([
    { channel: 'all', period: 'day', max: 2 },
    { channel: 'all', period: 'week', max: 5 },
    { channel: 'email', period: 'week', max: 3 },
    { channel: 'sms', period: 'week', max: 2 },
    { channel: 'whatsapp', period: 'week', max: 3 },
  ]),
  suppression: z
    .strictObject({
      ticketPriorities: z.array(z.enum(['low', 'normal', 'high', 'urgent'])).default(['high', 'urgent']),
      negativeSentimentThreshold: z.number().min(-1).max(1).default(-0.4),
      negativeSentimentLookbackHours: z.number().min(0).default(72),
    })
    .prefault({}),
  whatsapp: z.strictObject({ sessionWindowHours: z.number().positive().default(24) }).prefault({}),
  highRisk: z
    .strictObject({
      highValueThreshold: z.number().min(0).default(10000),
      signalLookbackHours: z.number().min(0).default(72),
      escalationActionId: z.string().min(1).default('baton.escalate_to_human'),
    })
    .prefault({}),

  holdout: z.strictObject({ share: share(0.05), salt: z.string().min(1).default('baton-holdout-v1') }).prefault({}),
  randomControlShare: share(0.02),
  reach: z
    .strictObject({
      /** Reach of a brand-new action (Pega: 2%), growing linearly to 100% at `fullAtPositives`. */
      initial: share(0.02),
      fullAtPositives: z.number().positive().default(200),
    })
    .prefault({}),
  prior: z
    .strictObject({
      alpha: z.number().positive().default(1),
      beta: z.number().positive().default(1),
      /** Pseudo-observations borrowed from the action's all-segment rate for a thin segment. */
      poolingStrength: z.number().min(0).default(5),
    })
    .prefault({}),
  /** Most Monte-Carlo rounds for the selection probability of the chosen action (fewer when it is clear early). */
  selectionRounds: z.number().int().min(1).max(10000).default(100),
  attributionWindowHours: z.number().positive().default(72),
  /**
   * Act on the pipeline's decision without waiting for a person: after an ingested event of one of
   * `events`, a chosen action (not held out, not `requiresApproval`) is accepted and a run of its
   * playbook starts (`actionSettings[id].playbook` ?? `playbook` ?? Baton's one-step
   * "baton-accepted-action"), with `acceptedDecisionId` in its context. Empty: decisions wait on the card.
   */
  automation: z
    .strictObject({
      events: z.array(eventTypePattern).default([]),
      playbook: z.string().regex(PLAYBOOK_ID, 'playbook must be a playbook id').optional(),
    })
    .prefault({}),
});

export type DecisioningConfig = z.output<typeof decisioningConfigSchema>;
export type DecisioningConfigInput = z.input<typeof decisioningConfigSchema>;

export type ConfigParseResult = { ok: true; config: DecisioningConfig } | { ok: false; issues: { path: string; message: string }[] };

export function parseDecisioningConfig(input: unknown): ConfigParseResult {
  const result = decisioningConfigSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  };
}

/** The defaults, for tests and for tenants that configured nothing. */
export function defaultDecisioningConfig(overrides: DecisioningConfigInput = {}): DecisioningConfig {
  return decisioningConfigSchema.parse(overrides);
}
