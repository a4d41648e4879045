/** Dead letters (server/http/dead-letters.routes.ts): work that used up its attempts, and redrives. */
import { z } from 'zod';
import { type BodyOf, instantSchema } from './common';

export const deadLetterSchema = z.looseObject({
  id: z.string(),
  tenantId: z.string().optional(),
  kind: z.string(),
  error: z.string().nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  /** Tries a vendor's rate limit deferred without spending an attempt. */
  rateLimitedWaits: z.number().optional(),
  redrives: z.number().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
  createdAt: instantSchema.optional(),
  diedAt: instantSchema,
});
export const deadLetterListSchema = z.looseObject({ deadLetters: z.array(deadLetterSchema), nextCursor: z.string().nullable() });
export const redriveOneSchema = z.looseObject({ id: z.string(), status: z.string(), dueAt: instantSchema.optional() });
export const redriveManySchema = z.looseObject({ redriven: z.number(), ids: z.array(z.string()), remaining: z.number() });

export type DeadLetter = z.output<typeof deadLetterSchema>;
export type RedriveMany = z.output<typeof redriveManySchema>;
export type DeadLetterBody = BodyOf<typeof deadLetterSchema>;
export type DeadLetterListBody = BodyOf<typeof deadLetterListSchema>;
export type RedriveOneBody = BodyOf<typeof redriveOneSchema>;
export type RedriveManyBody = BodyOf<typeof redriveManySchema>;
