/**
 * Engagement with the emails Baton sent (issue #20 item 4): a durable per-portal poll of the email events
 * API with a stored cursor (hubspot_email_event_cursors: a fixed window [start, end] and the page offset
 * inside it, so a crash resumes the same window at the same page). Only events for a recipient Baton
 * emailed in this portal (hubspot_email_sends, within 30 days before the event) count; each becomes an
 * event in the log, idempotent by HubSpot's event id:
 * - OPEN → `email.opened`, CLICK → `email.clicked` (engagement), and a click settles the decision of
 *   the run that sent the email as positive;
 * - BOUNCE → `email.bounced` with the address, which the email step then treats as undeliverable;
 * - STATUSCHANGE to unsubscribed or SPAMREPORT → `consent.updated` email opted_out (consent and the
 *   negative `unsubscribe` outcome follow from it).
 * The next poll is a job due one interval later (deduplicated per slot), so polling survives restarts.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { HubSpotApi } from './client/api';
import { engagementOf, listEmailEvents, type EmailEvent, type EngagementKind } from './client/email-events';
import { classifyHubSpotError, HubSpotDisconnectedError } from './client/errors';
import { contactIdentifier } from './client/webhook';
import { routeRefusal } from './client/email';
import {
  type Database,
  type Identify,
  type IdentityService,
  ingestEvent,
  type JobHandler,
  type Logger,
  type OutcomeService,
  RateLimitedError,
  type WorkQueue,
} from '../../server/platform';
import type { EmailCapabilityStore } from './capabilities';
import { systemClock } from '../../app/shared/clock';
import {
  advanceEmailEventCursor,
  createEmailEventCursor,
  type EmailSend,
  emailEventCursor,
  firstSendAt,
  matchingSend,
  sentSince,
  setEmailEventError,
  setEmailEventOffset,
  setEmailEventWindowEnd,
} from './email-events.repository';

export const HUBSPOT_EMAIL_EVENTS_JOB = 'hubspot.email_events';
export const DEFAULT_EMAIL_EVENTS_INTERVAL_MS = 5 * 60_000;
/** Events younger than this are left for the next poll (HubSpot records them with a delay). */
export const EVENT_LAG_MS = 60_000;
const MATCH_WINDOW_MS = 30 * 24 * 3600_000;
const MAX_PAGES_PER_POLL = 50;

export interface EngagementDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly api: () => HubSpotApi | undefined;
  readonly identity: () => IdentityService | undefined;
  readonly outcomes: () => OutcomeService | undefined;
  readonly capabilities: EmailCapabilityStore;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

type Send = EmailSend;

export interface PollResult {
  readonly fetched: number;
  readonly matched: number;
  readonly stored: number;
  readonly settled: number;
}

/** The next poll of this portal, one interval from now (one job per slot however often it is asked). */
export async function schedulePoll(
  deps: Pick<EngagementDeps, 'work' | 'intervalMs' | 'now'>,
  tenantId: string,
  portalId: string,
): Promise<void> {
  const interval = deps.intervalMs ?? DEFAULT_EMAIL_EVENTS_INTERVAL_MS;
  const due = (deps.now?.() ?? systemClock.now()) + interval;
  const slot = Math.floor(due / interval);
  await deps.work.enqueue({
    tenantId,
    kind: HUBSPOT_EMAIL_EVENTS_JOB,
    payload: { portalId },
    dueAt: new Date(due),
    dedupeKey: `hubspot-email-events:${portalId}:${slot}`,
  });
}

async function matchSend(deps: EngagementDeps, tenantId: string, portalId: string, e: EmailEvent): Promise<Send | undefined> {
  if (e.recipient === undefined) return undefined;
  return matchingSend(deps.db, tenantId, portalId, e.recipient, e.created, MATCH_WINDOW_MS, e.sendId ?? null);
}

function canonical(portalId: string, kind: EngagementKind, e: EmailEvent, send: Send): CanonicalEvent {
  const base = {
    portalId,
    hubspotEventId: e.id,
    hubspotEventType: e.type,
    sendKey: send.idempotency_key,
    route: send.route,
    channel: 'email',
    ...(send.run_id === null ? {} : { runId: send.run_id }),
  };
  const type = kind === 'unsubscribed' ? 'consent.updated' : `email.${kind}`;
  const properties =
    kind === 'clicked'
      ? { ...base, ...(e.url ? { url: e.url } : {}) }
      : kind === 'bounced'
        ? {
            ...base,
            address: send.recipient,
            ...(e.category ? { category: e.category } : {}),
            ...(e.response ? { response: e.response.slice(0, 500) } : {}),
          }
        : kind === 'unsubscribed'
          ? { ...base, status: 'opted_out', reason: e.type === 'SPAMREPORT' ? 'spam_report' : 'unsubscribed' }
          : base;
  return {
    id: `hubspot:${portalId}:email-event:${e.created}:${e.id}`,
    source: 'hubspot',
    type,
    occurredAt: new Date(e.created).toISOString(),
    subject: { identifiers: [contactIdentifier(portalId, send.contact_id), { type: 'email', value: send.recipient }], traits: {} },
    properties,
  };
}

/** One poll pass: the stored window, page by page, then the cursor moves to the window's end. */
export async function pollEmailEvents(deps: EngagementDeps, tenantId: string, portalId: string): Promise<PollResult> {
  const api = deps.api();
  if (api === undefined) return { fetched: 0, matched: 0, stored: 0, settled: 0 };
  const now = deps.now?.() ?? systemClock.now();
  let cursor = await emailEventCursor(deps.db, tenantId, portalId);
  if (cursor === undefined) {
    // Start at the first email Baton sent here (nothing before it can be Baton's).
    const at = await firstSendAt(deps.db, tenantId, portalId);
    const start = at === null || at === undefined ? now - EVENT_LAG_MS : new Date(at).getTime() - 60_000;
    await createEmailEventCursor(deps.db, tenantId, portalId, start);
    cursor = { start_ms: String(start), end_ms: null, offset_token: null };
  }
  const start = Number(cursor.start_ms);
  const end = cursor.end_ms === null ? now - EVENT_LAG_MS : Number(cursor.end_ms);
  if (end <= start) return { fetched: 0, matched: 0, stored: 0, settled: 0 };
  if (!(await sentSince(deps.db, tenantId, portalId, start - MATCH_WINDOW_MS))) {
    // Baton sent nothing here that these events could be about: move on without asking HubSpot.
    await advanceEmailEventCursor(deps.db, portalId, end, false);
    return { fetched: 0, matched: 0, stored: 0, settled: 0 };
  }
  if (cursor.end_ms === null) await setEmailEventWindowEnd(deps.db, portalId, end);
  const identity = deps.identity();
  const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
  let offset = cursor.offset_token;
  let fetched = 0;
  let matched = 0;
  let stored = 0;
  let settled = 0;
  for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages++) {
    const page = await listEmailEvents(api, portalId, { startTimestamp: start, endTimestamp: end, offset });
    fetched += page.events.length;
    for (const e of page.events) {
      const kind = engagementOf(e);
      if (kind === null) continue;
      const send = await matchSend(deps, tenantId, portalId, e);
      if (send === undefined) continue;
      matched++;
      const result = await ingestEvent(deps.db, deps.work, tenantId, canonical(portalId, kind, e, send), undefined, identify);
      if (result.duplicate) continue;
      stored++;
      if (kind === 'clicked' && send.run_id !== null) {
        // The open decision behind the run that sent the email, if any, learns from the click.
        const outcomes = deps.outcomes();
        if (outcomes !== undefined && (await outcomes.recordForRun(tenantId, send.run_id, 'positive'))?.ok === true) settled++;
      }
    }
    offset = page.hasMore ? page.offset : null;
    await setEmailEventOffset(deps.db, portalId, offset);
    if (offset === null) {
      // Window done: the next one starts where this ended (events on the boundary are deduplicated by id).
      await advanceEmailEventCursor(deps.db, portalId, end, true);
      break;
    }
  }
  return { fetched, matched, stored, settled };
}

/** The job: poll, then schedule the next poll; a portal without the events scope stops until reinstalled. */
export function emailEventsHandler(deps: EngagementDeps): JobHandler {
  return async (job) => {
    const portalId = String(job.payload['portalId']);
    const caps = await deps.capabilities.capabilities(job.tenantId, portalId);
    if (!caps.events.available) return;
    try {
      const r = await pollEmailEvents(deps, job.tenantId, portalId);
      if (r.stored > 0) deps.logger.info({ tenantId: job.tenantId, portalId, ...r }, 'HubSpot email engagement recorded');
    } catch (err) {
      if (err instanceof HubSpotDisconnectedError) return; // a reinstall schedules polling again
      const refusal = routeRefusal(err);
      if (refusal !== undefined) {
        await deps.capabilities.markOff(job.tenantId, portalId, 'events', refusal);
        await setEmailEventError(deps.db, portalId, refusal);
        return;
      }
      const failure = classifyHubSpotError(err, 'email events poll');
      if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'auth') return;
      throw err;
    }
    await schedulePoll(deps, job.tenantId, portalId);
  };
}
