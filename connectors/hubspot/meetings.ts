/**
 * Meetings created in HubSpot (booked through a scheduling page, by Baton's `book_meeting` step, or
 * logged by a rep) become `meeting.booked` outcomes: the meetings object's creation webhook
 * (`object.creation`, objectTypeId 0-47) is handed by the webhook batch job to this job, which reads
 * the meetings and their contact associations and stores one `meeting.booked` event per meeting and
 * contact through the shared ingest path. Decisioning reads `meeting.booked` as a positive outcome
 * (server/decisioning/event-interpretation.ts) and settles the person's open decision with it.
 * Cancelled meetings are not bookings and are skipped.
 */
import { classifyHubSpotError } from './client/errors';
import { HubSpotScheduler, MEETING_OBJECT_TYPE_ID, meetingBookedEvent } from './client/scheduler';
import type { HubSpotWebhookEvent } from './client/webhook';
import { type Identify, ingestEvent, type JobHandler, RateLimitedError } from '../../server/platform';
import { installationByPortal } from './installations';
import type { InboxDeps } from './inbox';
import { systemClock } from '../../app/shared/clock';

export const HUBSPOT_MEETINGS_JOB = 'hubspot.meetings';

/** A meetings-object creation webhook event. */
export const isMeetingCreation = (e: HubSpotWebhookEvent): boolean =>
  e.subscriptionType === 'object.creation' && e.objectTypeId === MEETING_OBJECT_TYPE_ID;

export function meetingsJob(
  tenantId: string,
  portalId: string,
  batchJobId: string,
  meetings: readonly { id: string; occurredAt: number }[],
): { tenantId: string; kind: string; payload: Record<string, unknown>; dedupeKey: string } {
  return { tenantId, kind: HUBSPOT_MEETINGS_JOB, payload: { portalId, meetings }, dedupeKey: `hubspot-meetings:${batchJobId}` };
}

/** The same services as the inbox job (both read an object HubSpot only announced, then ingest it). */
export type MeetingDeps = InboxDeps;

export function meetingsHandler(deps: MeetingDeps): JobHandler {
  return async (job) => {
    const api = deps.api();
    if (api === undefined) return;
    const portalId = String(job.payload['portalId']);
    const announced = (job.payload['meetings'] as { id: string; occurredAt: number }[]).slice(0, 100);
    const install = await installationByPortal(deps.db, portalId);
    if (install === undefined || install.tenantId !== job.tenantId || install.purged || announced.length === 0) return;
    const scheduler = new HubSpotScheduler(api);
    let meetings;
    let contacts;
    try {
      const ids = announced.map((m) => m.id);
      [meetings, contacts] = await Promise.all([scheduler.meetings(portalId, ids), scheduler.meetingContacts(portalId, ids)]);
    } catch (err) {
      const failure = classifyHubSpotError(err, 'meeting read');
      if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'transient') throw err;
      deps.logger.warn({ tenantId: job.tenantId, portalId, code: failure.code }, `HubSpot meetings not read: ${failure.message}`);
      return;
    }
    const identity = deps.identity();
    const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
    const when = new Map(announced.map((m) => [m.id, m.occurredAt]));
    for (const meeting of meetings) {
      if ((meeting.properties['hs_meeting_outcome'] ?? '').toUpperCase() === 'CANCELED') continue;
      for (const contactId of contacts.get(meeting.id) ?? []) {
        const result = await ingestEvent(
          deps.db,
          deps.work,
          job.tenantId,
          meetingBookedEvent(portalId, meeting, contactId, when.get(meeting.id) ?? systemClock.now()),
          undefined,
          identify,
        );
        deps.metrics.eventsIngested.inc({ source: 'hubspot', outcome: result.duplicate ? 'duplicate' : 'stored' });
      }
    }
  };
}
