/**
 * Runs and playbooks (server/runs/runs.routes.ts, playbooks.routes.ts; the bodies are built by
 * server/runs/run.view.ts): a run, its steps and their attempts, a page of runs, the answer of a
 * control call (start, resume, cancel, approve), and a playbook version.
 */
import { z } from 'zod';
import { RUN_STATUSES } from '../orchestration/runs/run.types';
import { errorInfoSchema, instantSchema } from './common';

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
  error: errorInfoSchema.extend({ stepId: z.string().optional() }).nullable(),
  end: z.looseObject({ kind: z.string(), detail: z.string().nullable() }).nullable().optional(),
  resumeCount: z.number().optional(),
  createdAt: instantSchema.nullable(),
  updatedAt: instantSchema.nullable(),
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
});
export const playbookListSchema = z.looseObject({ playbooks: z.array(playbookSchema) });

export type Attempt = z.infer<typeof attemptSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Run = z.infer<typeof runSchema>;
export type RunDetail = z.infer<typeof runDetailSchema>;
export type Playbook = z.infer<typeof playbookSchema>;
/** What the server sends (before defaults apply). */
export type RunBody = z.input<typeof runSchema>;
export type StepBody = z.input<typeof stepSchema>;
export type RunListBody = z.input<typeof runListSchema>;
export type RunDetailBody = z.input<typeof runDetailSchema>;
export type RunControlBody = z.input<typeof runControlSchema>;
export type PlaybookBody = z.input<typeof playbookSchema>;
export type PlaybookListBody = z.input<typeof playbookListSchema>;
