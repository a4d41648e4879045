/** `GET /api/v1/profiles?email=|phone=|q=` (server/identity/identity.routes.ts): the profiles found. */
import { z } from 'zod';
import type { BodyOf } from './common';

export const profileSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  identifiers: z.array(z.looseObject({ type: z.string(), scope: z.string().nullable(), value: z.string() })),
});
export const profileSearchSchema = z.looseObject({ profiles: z.array(profileSummarySchema) });

export type ProfileSummary = z.infer<typeof profileSummarySchema>;
export type ProfileSearchBody = BodyOf<typeof profileSearchSchema>;
