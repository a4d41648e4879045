/**
 * Runs and playbooks (server/runs/runs.routes.ts, playbooks.routes.ts; the bodies are built by
 * server/runs/run.view.ts): a run, its steps and their attempts, a page of runs, the answer of a
 * control call (start, resume, cancel, approve), and a playbook version.
 */
import { z } from 'zod';
import { RUN_STATUSES } from '../orchestration/runs/run.types';
import { type BodyOf, errorInfoSchema, instantSchema } from './common';

export { RUN_STATUSES };

export const attemptSchema = z.looseObject({
  attempt: z.number(),
  startedAt: instantSchema.nullable(),
  finishedAt: instantSchema.nullable(),
  outcome: z.string(),
  error: errorInfoSchema.nullable(),
  idempotencyKey: z.string().nullable().optional(),
});
export const stepSchema = z.looseObject({
  stepId: z.string(),
  kind: z.string(),
  status: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  attempt: z.number(),
  error: errorInfoSchema.nullable(),
  idempotencyKey: z.string().nullable().optional(),
  attempts: z.array(attemptSchema).default([]),
  /** A decide step's decision, kept so a retry or resume does not decide again. */
  decision: z.record(z.string(), z.unknown()).nullable().optional(),
  dueAt: instantSchema.nullable().optional(),
  rateLimitWaits: z.number().optional(),
  scheduledAt: instantSchema.nullable().optional(),
  startedAt: instantSchema.nullable().optional(),
  finishedAt: instantSchema.nullable().optional(),
  updatedAt: instantSchema.nullable().optional(),
});
export const runSchema = z.looseObject({
  id: z.string(),
  playbookId: z.string(),
  playbookVersion: z.number(),
  profileId: z.string(),
  status: z.string(),
  currentStep: z.string().nullable(),
  waitingFor: z.string().nullable().optional(),
  wakeAt: instantSchema.nullable().optional(),
  error: errorInfoSchema.extend({ stepId: z.string().optional() }).nullable(),
  end: z.looseObject({ kind: z.string(), detail: z.string().nullable() }).nullable().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  resumeCount: z.number().optional(),
  leaseExpiresAt: instantSchema.nullable().optional(),
  /** The run's compare-and-set version. */
  version: z.number().optional(),
  createdAt: instantSchema.nullable(),
  updatedAt: instantSchema.nullable(),
  startedAt: instantSchema.nullable().optional(),
  endedAt: instantSchema.nullable().optional(),
});
export const runListSchema = z.looseObject({ runs: z.array(runSchema), nextCursor: z.string().nullable().optional() });
export const runDetailSchema = runSchema.extend({ steps: z.array(stepSchema) });
/** Start, resume, cancel, approve: the run with its steps, and whether the call changed anything. */
export const runControlSchema = runDetailSchema.extend({ alreadyApplied: z.boolean().optional(), created: z.boolean().optional() });

export const playbookSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  version: z.number(),
  status: z.string(),
  description: z.string().optional(),
  steps: z.array(z.looseObject({ id: z.string(), kind: z.string() })),
  createdAt: instantSchema.nullable().optional(),
  updatedAt: instantSchema.nullable().optional(),
});
export const playbookListSchema = z.looseObject({ playbooks: z.array(playbookSchema) });

export type Attempt = z.infer<typeof attemptSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Run = z.infer<typeof runSchema>;
export type RunDetail = z.infer<typeof runDetailSchema>;
export type Playbook = z.infer<typeof playbookSchema>;
/** What the server sends (before defaults apply). */
export type RunBody = BodyOf<typeof runSchema>;
export type StepBody = BodyOf<typeof stepSchema>;
export type RunListBody = BodyOf<typeof runListSchema>;
export type RunDetailBody = BodyOf<typeof runDetailSchema>;
export type RunControlBody = BodyOf<typeof runControlSchema>;
export type PlaybookBody = BodyOf<typeof playbookSchema>;
export type PlaybookListBody = BodyOf<typeof playbookListSchema>;
