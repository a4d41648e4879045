/**
 * The email events API (`GET /email/public/v1/events`, scope `content`): events of marketing email sent
 * through the portal (SENT, DELIVERED, OPEN, CLICK, BOUNCE, STATUSCHANGE, SPAMREPORT, …), filtered by
 * `startTimestamp`/`endTimestamp` (ms) and paged with the opaque `offset` while `hasMore`. Each event has
 * `id` + `created` (its identity), `type`, `recipient`, `portalId`; CLICK carries `url`, BOUNCE
 * `category`/`response`, STATUSCHANGE `portalSubscriptionStatus` and `subscriptions[{ id, status }]`.
 */
import { z } from 'zod';
import type { HubSpotApi } from './api';

const eventSchema = z.looseObject({
  id: z.string().min(1),
  created: z.number(),
  type: z.string(),
  recipient: z.string().optional(),
  emailCampaignId: z.number().optional(),
  sendId: z.string().optional().nullable(),
  url: z.string().optional().nullable(),
  category: z.string().optional().nullable(),
  response: z.string().optional().nullable(),
  portalSubscriptionStatus: z.string().optional().nullable(),
  subscriptions: z
    .array(z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), status: z.string() }))
    .optional()
    .nullable(),
});
const pageSchema = z.looseObject({
  events: z.array(eventSchema),
  hasMore: z.boolean().default(false),
  offset: z.string().optional().nullable(),
});

export type EmailEvent = z.infer<typeof eventSchema>;
export interface EmailEventPage {
  readonly events: readonly EmailEvent[];
  readonly hasMore: boolean;
  readonly offset: string | null;
}

export async function listEmailEvents(
  api: HubSpotApi,
  portalId: string,
  query: { startTimestamp: number; endTimestamp: number; offset?: string | null; limit?: number },
): Promise<EmailEventPage> {
  const qs: Record<string, string> = {
    startTimestamp: String(query.startTimestamp),
    endTimestamp: String(query.endTimestamp),
    limit: String(query.limit ?? 300),
  };
  if (query.offset !== undefined && query.offset !== null) qs['offset'] = query.offset;
  const parsed = pageSchema.safeParse(await api.raw(portalId, { method: 'GET', path: '/email/public/v1/events', qs }));
  if (!parsed.success) throw new Error(`unexpected email events answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return { events: parsed.data.events, hasMore: parsed.data.hasMore, offset: parsed.data.offset ?? null };
}

/** What an event means for Baton, or null for events Baton does not act on (SENT, DELIVERED, …). */
export type EngagementKind = 'opened' | 'clicked' | 'bounced' | 'unsubscribed';
export function engagementOf(e: EmailEvent): EngagementKind | null {
  switch (e.type) {
    case 'OPEN':
      return 'opened';
    case 'CLICK':
      return 'clicked';
    case 'BOUNCE':
      return 'bounced';
    case 'SPAMREPORT':
      return 'unsubscribed';
    case 'STATUSCHANGE': {
      const portalWide = e.portalSubscriptionStatus === 'UNSUBSCRIBED';
      const someType = (e.subscriptions ?? []).some((s) => s.status === 'UNSUBSCRIBED');
      return portalWide || someType ? 'unsubscribed' : null;
    }
    default:
      return null;
  }
}
