import { z } from 'zod';
import type { JsonObject, JsonValue } from '../json';
import { languageKeyed } from '../../shared/language';
import { ACTION_KINDS } from './action-kinds';
import { durationSchema } from './duration';
import { retryPolicySchema } from './retry-policy';

export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);
export const jsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), jsonValueSchema);

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const idSchema = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit`);

export const stepIdSchema = idSchema('a step id');
/** A reference to another step of the same playbook (checked by the validator). */
const stepRef = z.string().min(1);
/** A JSON-logic expression (operators checked by the validator). */
const expressionSchema = jsonValueSchema;
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day must be "HH:MM" (24-hour)');

/**
 * What a run does when an action or decide step turns out undeliverable for the person (no connected
 * system can carry it out; nothing was sent): `skip` goes on with the step's `next` (the step keeps
 * status `undeliverable` and its reason, visible on the run and the card); `fail` parks the run as
 * failed on that step (resumable, e.g. after connecting the missing system); `{ fallback: stepId }`
 * continues at a named alternative step of the same playbook (e.g. a task instead of an email).
 */
export const UNDELIVERABLE_POLICIES = ['skip', 'fail'] as const;
export const onUndeliverableSchema = z.union([z.enum(UNDELIVERABLE_POLICIES), z.object({ fallback: z.string().min(1) }).strict()], {
  error: 'onUndeliverable must be "skip", "fail" or { "fallback": "<step id>" }',
});
export type OnUndeliverable = z.output<typeof onUndeliverableSchema>;

const stepBase = {
  id: stepIdSchema,
  name: z.string().optional(),
  description: z.string().optional(),
};

export const actionStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('action'),
    action: z
      .object({
        type: z.enum(ACTION_KINDS),
        params: jsonObjectSchema.default({}),
        /** Parameter variants by the person's language (ISO 639-1 keys), laid over `params`: see localize.ts. */
        localized: languageKeyed(jsonObjectSchema).optional(),
      })
      .strict(),
    retry: retryPolicySchema.optional(),
    onUndeliverable: onUndeliverableSchema.optional(),
    next: stepRef.optional(),
  })
  .strict();

const durationWait = z.object({ type: z.literal('duration'), duration: durationSchema }).strict();
const timeWindowWait = z
  .object({
    type: z.literal('time_window'),
    /** ISO weekdays on which the window opens: 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
    start: clockTime,
    end: clockTime,
    /** Dotted path in the run scope holding the recipient's IANA time zone. */
    timeZoneFrom: z.string().min(1).default('context.profile.timeZone'),
    /** Used when the path is empty or not a valid IANA zone. */
    defaultTimeZone: z.string().min(1).default('UTC'),
  })
  .strict();
const eventWait = z
  .object({ type: z.literal('event'), match: expressionSchema, timeout: durationSchema, onTimeout: stepRef.optional() })
  .strict();
const approvalWait = z
  .object({
    type: z.literal('approval'),
    timeout: durationSchema,
    prompt: z.string().optional(),
    onTimeout: stepRef.optional(),
    onRejected: stepRef.optional(),
  })
  .strict();

export const waitSpecSchema = z.discriminatedUnion('type', [durationWait, timeWindowWait, eventWait, approvalWait], {
  error: 'wait.type must be one of duration, time_window, event, approval',
});

export const waitStepSchema = z.object({ ...stepBase, kind: z.literal('wait'), wait: waitSpecSchema, next: stepRef.optional() }).strict();

export const branchStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('branch'),
    branches: z.array(z.object({ when: expressionSchema, next: stepRef }).strict()).min(1, 'a branch needs at least one case'),
    /** Where to go when no case matches; defaults to the following step. */
    otherwise: stepRef.optional(),
  })
  .strict();

export const decideStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('decide'),
    /** Extra context for the decider; values may be expressions/templates like action params. */
    context: jsonObjectSchema.default({}),
    retry: retryPolicySchema.optional(),
    next: stepRef.optional(),
    /** Where to go when the decider proposes no action; defaults to `next`. */
    onNoAction: stepRef.optional(),
    /** When the decided action cannot be delivered to this person (see onUndeliverableSchema). */
    onUndeliverable: onUndeliverableSchema.optional(),
  })
  .strict();

export const exitStepSchema = z.object({ ...stepBase, kind: z.literal('exit'), reason: z.string().optional() }).strict();

export const stepSchema = z.discriminatedUnion(
  'kind',
  [actionStepSchema, waitStepSchema, branchStepSchema, decideStepSchema, exitStepSchema],
  {
    error: (issue) => (issue.code === 'invalid_union' ? 'kind must be one of action, wait, branch, decide, exit' : undefined),
  },
);

/** An event type ("email.replied"), a prefix ("ticket.*") or every event ("*"). */
export const eventTypePatternSchema = z
  .string()
  .regex(
    /^\*$|^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*(\.\*)?$/,
    'an event type pattern is a dotted type ("email.replied"), a prefix ("ticket.*") or "*"',
  );

/** True when `type` matches one of the patterns (see eventTypePatternSchema). */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/**
 * Starts a run of the (latest published) playbook for the profile of each ingested event that
 * matches: its type is one of `events` and `when` (JSON-logic over `{ event, profile }`, see
 * TRIGGER_SCOPE_ROOTS) holds. Holdout profiles never get a triggered run.
 */
export const triggerSchema = z
  .object({
    events: z.array(eventTypePatternSchema).min(1, 'a trigger needs at least one event type'),
    when: expressionSchema.optional(),
  })
  .strict();

export const PLAYBOOK_STATUSES = ['draft', 'published', 'archived'] as const;
export type PlaybookStatus = (typeof PLAYBOOK_STATUSES)[number];

export const playbookSchema = z
  .object({
    id: idSchema('a playbook id'),
    version: z.number().int().min(1, 'version starts at 1'),
    name: z.string().min(1),
    description: z.string().optional(),
    status: z.enum(PLAYBOOK_STATUSES).default('draft'),
    /** A criterion that holds for an incoming event or after a context change ends the run (status `exited`). */
    exitCriteria: z
      .array(z.object({ id: idSchema('an exit criterion id'), description: z.string().optional(), when: expressionSchema }).strict())
      .default([]),
    /** one_per_profile: starting a run while one is active for (profile, playbook) returns the active one. */
    concurrency: z.enum(['one_per_profile', 'unlimited']).default('one_per_profile'),
    /** `onUndeliverable` applies to steps that do not set their own (default `skip`). */
    defaults: z
      .object({ retry: retryPolicySchema.optional(), onUndeliverable: z.enum(UNDELIVERABLE_POLICIES).optional() })
      .strict()
      .default({}),
    steps: z.array(stepSchema).min(1, 'a playbook needs at least one step'),
    trigger: triggerSchema.optional(),
  })
  .strict();

export type PlaybookInput = z.input<typeof playbookSchema>;
export type Playbook = z.output<typeof playbookSchema>;
export type Step = z.output<typeof stepSchema>;
export type StepKind = Step['kind'];
export type ActionStep = z.output<typeof actionStepSchema>;
export type WaitStep = z.output<typeof waitStepSchema>;
export type WaitSpec = z.output<typeof waitSpecSchema>;
export type BranchStep = z.output<typeof branchStepSchema>;
export type DecideStep = z.output<typeof decideStepSchema>;
export type ExitStep = z.output<typeof exitStepSchema>;
export type TimeWindowSpec = z.output<typeof timeWindowWait>;
export type PlaybookTrigger = z.output<typeof triggerSchema>;
