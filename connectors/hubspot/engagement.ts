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
import { type Database, type Identify, type IdentityService, ingestEvent, type JobHandler, type Logger, type OutcomeService, RateLimitedError, type WorkQueue } from '../../server/platform';
import type { EmailCapabilityStore } from './capabilities';
import { systemClock } from '../../app/shared/clock';

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

interface Send {
  idempotency_key: string;
  profile_id: string;
  contact_id: string;
  run_id: string | null;
  route: string;
  recipient: string;
}

export interface PollResult {
  readonly fetched: number;
  readonly matched: number;
  readonly stored: number;
  readonly settled: number;
}

/** The next poll of this portal, one interval from now (one job per slot however often it is asked). */
export async function schedulePoll(deps: Pick<EngagementDeps, 'work' | 'intervalMs' | 'now'>, tenantId: string, portalId: string): Promise<void> {
  const interval = deps.intervalMs ?? DEFAULT_EMAIL_EVENTS_INTERVAL_MS;
  const due = (deps.now?.() ?? systemClock.now()) + interval;
  const slot = Math.floor(due / interval);
  await deps.work.enqueue({ tenantId, kind: HUBSPOT_EMAIL_EVENTS_JOB, payload: { portalId }, dueAt: new Date(due), dedupeKey: `hubspot-email-events:${portalId}:${slot}` });
}

async function matchSend(deps: EngagementDeps, tenantId: string, portalId: string, e: EmailEvent): Promise<Send | undefined> {
  if (e.recipient === undefined) return undefined;
  const r = await deps.db.query<Send>(
    `SELECT idempotency_key, profile_id, contact_id, run_id, route, recipient FROM hubspot_email_sends
      WHERE tenant_id = $1 AND portal_id = $2 AND lower(recipient) = lower($3) AND sent_at <= $4 AND sent_at >= $5
      ORDER BY (send_id IS NOT DISTINCT FROM $6) DESC, sent_at DESC LIMIT 1`,
    [tenantId, portalId, e.recipient, new Date(e.created + 5 * 60_000).toISOString(), new Date(e.created - MATCH_WINDOW_MS).toISOString(), e.sendId ?? null],
  );
  return r.rows[0];
}

function canonical(portalId: string, kind: EngagementKind, e: EmailEvent, send: Send): CanonicalEvent {
  const base = { portalId, hubspotEventId: e.id, hubspotEventType: e.type, sendKey: send.idempotency_key, route: send.route, channel: 'email', ...(send.run_id === null ? {} : { runId: send.run_id }) };
  const type = kind === 'unsubscribed' ? 'consent.updated' : `email.${kind}`;
  const properties =
    kind === 'clicked' ? { ...base, ...(e.url ? { url: e.url } : {}) }
    : kind === 'bounced' ? { ...base, address: send.recipient, ...(e.category ? { category: e.category } : {}), ...(e.response ? { response: e.response.slice(0, 500) } : {}) }
    : kind === 'unsubscribed' ? { ...base, status: 'opted_out', reason: e.type === 'SPAMREPORT' ? 'spam_report' : 'unsubscribed' }
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

/** The open decision behind the run that sent the email, if any. */
async function decisionOfRun(db: Database, tenantId: string, runId: string): Promise<string | undefined> {
  const r = await db.query<{ id: string }>(
    `SELECT d.id FROM decisions d WHERE d.tenant_id = $1 AND d.run_id = $2 AND d.attribution_ends_at > now()
       AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id)
     ORDER BY d.decided_at DESC LIMIT 1`,
    [tenantId, runId],
  );
  return r.rows[0]?.id;
}

/** One poll pass: the stored window, page by page, then the cursor moves to the window's end. */
export async function pollEmailEvents(deps: EngagementDeps, tenantId: string, portalId: string): Promise<PollResult> {
  const api = deps.api();
  if (api === undefined) return { fetched: 0, matched: 0, stored: 0, settled: 0 };
  const now = deps.now?.() ?? systemClock.now();
  const found = await deps.db.query<{ start_ms: string; end_ms: string | null; offset_token: string | null }>('SELECT start_ms, end_ms, offset_token FROM hubspot_email_event_cursors WHERE portal_id = $1 AND tenant_id = $2', [portalId, tenantId]);
  let cursor = found.rows[0];
  if (cursor === undefined) {
    // Start at the first email Baton sent here (nothing before it can be Baton's).
    const first = await deps.db.query<{ at: Date | string | null }>('SELECT min(sent_at) AS at FROM hubspot_email_sends WHERE tenant_id = $1 AND portal_id = $2', [tenantId, portalId]);
    const at = first.rows[0]?.at;
    const start = at === null || at === undefined ? now - EVENT_LAG_MS : new Date(at).getTime() - 60_000;
    await deps.db.query('INSERT INTO hubspot_email_event_cursors (portal_id, tenant_id, start_ms) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, portal_id) DO NOTHING', [portalId, tenantId, start]);
    cursor = { start_ms: String(start), end_ms: null, offset_token: null };
  }
  const start = Number(cursor.start_ms);
  const end = cursor.end_ms === null ? now - EVENT_LAG_MS : Number(cursor.end_ms);
  if (end <= start) return { fetched: 0, matched: 0, stored: 0, settled: 0 };
  const recent = await deps.db.query('SELECT 1 FROM hubspot_email_sends WHERE tenant_id = $1 AND portal_id = $2 AND sent_at > $3 LIMIT 1', [tenantId, portalId, new Date(start - MATCH_WINDOW_MS).toISOString()]);
  if (recent.rows.length === 0) {
    // Baton sent nothing here that these events could be about: move on without asking HubSpot.
    await deps.db.query('UPDATE hubspot_email_event_cursors SET start_ms = $2, end_ms = NULL, offset_token = NULL, polled_at = now(), updated_at = now() WHERE portal_id = $1', [portalId, end]);
    return { fetched: 0, matched: 0, stored: 0, settled: 0 };
  }
  if (cursor.end_ms === null) await deps.db.query('UPDATE hubspot_email_event_cursors SET end_ms = $2, updated_at = now() WHERE portal_id = $1', [portalId, end]);
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
        const decisionId = await decisionOfRun(deps.db, tenantId, send.run_id);
        const outcomes = deps.outcomes();
        if (decisionId !== undefined && outcomes !== undefined && (await outcomes.record(tenantId, decisionId, 'positive')).ok) settled++;
      }
    }
    offset = page.hasMore ? page.offset : null;
    await deps.db.query('UPDATE hubspot_email_event_cursors SET offset_token = $2, updated_at = now() WHERE portal_id = $1', [portalId, offset]);
    if (offset === null) {
      // Window done: the next one starts where this ended (events on the boundary are deduplicated by id).
      await deps.db.query('UPDATE hubspot_email_event_cursors SET start_ms = $2, end_ms = NULL, offset_token = NULL, polled_at = now(), last_error = NULL, updated_at = now() WHERE portal_id = $1', [portalId, end]);
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
        await deps.db.query('UPDATE hubspot_email_event_cursors SET last_error = $2, updated_at = now() WHERE portal_id = $1', [portalId, refusal]);
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
