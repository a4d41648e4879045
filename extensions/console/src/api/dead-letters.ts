/** The dead-letter endpoints (work that used up its attempts): list, redrive one, redrive many. */
import { z } from 'zod';
import { query, type ApiClient } from './http';

const instant = z.union([z.string(), z.number()]);

export const deadLetterSchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  error: z.string().nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  redrives: z.number().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
  createdAt: instant.optional(),
  diedAt: instant,
});
export type DeadLetter = z.output<typeof deadLetterSchema>;

export const deadLetterListSchema = z.looseObject({ deadLetters: z.array(deadLetterSchema), nextCursor: z.string().nullable() });
export const redriveOneSchema = z.looseObject({ id: z.string(), status: z.string() });
export const redriveManySchema = z.looseObject({ redriven: z.number(), ids: z.array(z.string()), remaining: z.number() });
export type RedriveMany = z.output<typeof redriveManySchema>;

export function deadLetterEndpoints(api: ApiClient) {
  return {
    /** One page of the tenant's dead letters, newest deaths first. */
    deadLettersPage: (filter: { limit: number; cursor?: string; kind?: string }) => api.request('GET', `/dead-letters${query(filter)}`, deadLetterListSchema),
    /** Puts one dead letter back to work (pending, due now, attempts reset). */
    redriveDeadLetter: (jobId: string) => api.request('POST', `/dead-letters/${encodeURIComponent(jobId)}/redrive`, redriveOneSchema, {}),
    /** Redrives every dead letter of the tenant (a bounded batch per call; `remaining` says how many are left). */
    redriveAllDeadLetters: (filter: { kind?: string } = {}) => api.request('POST', '/dead-letters/redrive', redriveManySchema, filter),
  };
}
