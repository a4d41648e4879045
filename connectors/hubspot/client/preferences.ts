/**
 * A contact's email subscription status (communication preferences API v3,
 * `GET /communication-preferences/v3/status/email/{emailAddress}`): every subscription type with
 * `status` SUBSCRIBED | NOT_SUBSCRIBED and `sourceOfStatus` PORTAL_WIDE_STATUS | BRAND_WIDE_STATUS |
 * SUBSCRIPTION_STATUS. A NOT_SUBSCRIBED that comes from the portal-wide (or brand-wide) status is an
 * unsubscribe from all email; one subscription's NOT_SUBSCRIBED only stops email of that type.
 */
import { z } from 'zod';
import type { HubSpotApi } from './api';

const statusAnswer = z.looseObject({
  recipient: z.string().optional(),
  subscriptionStatuses: z.array(
    z.looseObject({
      id: z.union([z.string(), z.number()]).transform(String),
      name: z.string().optional(),
      status: z.string(),
      sourceOfStatus: z.string().optional(),
    }),
  ),
});

export type EmailSubscriptionStatus = z.infer<typeof statusAnswer>;

export async function emailSubscriptionStatus(api: HubSpotApi, portalId: string, email: string): Promise<EmailSubscriptionStatus> {
  const answer = await api.raw(portalId, {
    method: 'GET',
    path: `/communication-preferences/v3/status/email/${encodeURIComponent(email)}`,
  });
  const parsed = statusAnswer.safeParse(answer);
  if (!parsed.success) throw new Error(`unexpected subscription status answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Why marketing email must not go to this person, or null when it may. */
export function emailOptOutReason(status: EmailSubscriptionStatus, subscriptionId?: string): string | null {
  const off = status.subscriptionStatuses.filter((s) => s.status === 'NOT_SUBSCRIBED');
  const all = off.find((s) => s.sourceOfStatus === 'PORTAL_WIDE_STATUS' || s.sourceOfStatus === 'BRAND_WIDE_STATUS');
  if (all !== undefined)
    return `unsubscribed from all email in HubSpot (${all.sourceOfStatus === 'BRAND_WIDE_STATUS' ? 'brand-wide' : 'portal-wide'})`;
  if (subscriptionId !== undefined) {
    const one = off.find((s) => s.id === subscriptionId);
    if (one !== undefined) return `unsubscribed from the subscription type "${one.name ?? one.id}" in HubSpot`;
  }
  return null;
}
