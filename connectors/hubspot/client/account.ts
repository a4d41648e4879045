/**
 * Who owns a record: `GET /crm/v3/owners/{ownerId}` → the owner's HubSpot user id and email, which a
 * sequence enrolment needs (`userId` query parameter and `senderEmail`). Scope `crm.objects.owners.read`.
 */
import { z } from 'zod';
import type { HubSpotApi } from './api';

const ownerAnswer = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  email: z.string().optional(),
  userId: z.union([z.string(), z.number()]).transform(String).optional().nullable(),
  firstName: z.string().optional().nullable(),
  lastName: z.string().optional().nullable(),
});

export interface RecordOwner {
  readonly ownerId: string;
  readonly userId: string | null;
  readonly email: string | null;
}

export async function recordOwner(api: HubSpotApi, portalId: string, ownerId: string): Promise<RecordOwner> {
  const parsed = ownerAnswer.safeParse(await api.raw(portalId, { method: 'GET', path: `/crm/v3/owners/${encodeURIComponent(ownerId)}` }));
  if (!parsed.success) throw new Error(`unexpected owner answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return { ownerId: parsed.data.id, userId: parsed.data.userId ?? null, email: parsed.data.email ?? null };
}
