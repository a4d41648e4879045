// GENERATED: copy of app/contracts/common.ts (scripts/generate-hubspot-project.ts). Edit the original.
/**
 * Pieces every API contract shares: how instants arrive, a classified error inside a body, and the
 * one error envelope of a non-2xx answer (server/http/errors.ts builds it).
 */
import { z } from 'zod';

/** Times arrive as ISO strings from most endpoints and as epoch ms from a few. */
export const instantSchema = z.union([z.string(), z.number()]);

/** A classified error inside a body (a run's, a step's, a connection test's). */
export const errorInfoSchema = z.looseObject({ code: z.string(), message: z.string(), category: z.string().optional() });

/** One field the server refused: its path (`policies.holdoutShare`) and why. */
export const fieldIssueSchema = z.object({ path: z.string(), message: z.string() });

/**
 * `{ "error": { "code", "message", "details"? } }`, the answer of every failed call. `details` is
 * free-form (a list of field issues for a validation failure, `{ vendor }` for `not_configured`…).
 */
export const apiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

/**
 * A body as the server writes it: what the schema accepts (before defaults), without the index
 * signatures of loose objects (so a domain interface with exactly the named fields fits) and with
 * read-only lists.
 */
export type BodyOf<S extends z.ZodType> = Known<z.input<S>>;
type Known<T> = T extends readonly (infer U)[]
  ? readonly Known<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Known<T[K]> }
    : T;

export type ErrorInfo = z.infer<typeof errorInfoSchema>;
export type FieldIssue = z.infer<typeof fieldIssueSchema>;
export type ApiErrorBody = BodyOf<typeof apiErrorSchema>;
