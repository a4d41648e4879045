/**
 * HubSpot inbox messages into Baton. The `conversation.newMessage` webhook names a thread and a
 * message but carries no text and no sender, so the webhook batch job hands each announced MESSAGE
 * to this job (`hubspot.inbox_message`, one per message, deduplicated on the message id), which reads
 * the message (and its original content when HubSpot cut it for length) and the thread (its associated
 * contact, else the sender's identity), and stores a `conversation.message_received` event with the
 * text and the speaker through the shared ingest path: the conversation graph and, for the customer's
 * words only, signals and decisioning pick it up like any other message. Internal COMMENTs are not
 * fetched: they are notes between agents, not part of the conversation with the person. A message
 * Baton itself sent (a reply_in_thread or book_meeting step, found in the effect ledger by its message
 * id) is Baton's ('bot'), not the agent it was sent as.
 */
import { classifyHubSpotError } from './client/errors';
import { HubSpotConversations, inboxMessageEvent, needsOriginalContent } from './client/conversations';
import type { HubSpotApi } from './client/api';
import {
  type Database,
  type Identify,
  type IdentityService,
  ingestEvent,
  type JobHandler,
  type Logger,
  type Metrics,
  RateLimitedError,
  SqlEffectLedger,
  type WorkQueue,
} from '../../server/platform';
import { installationByPortal } from './installations';

export const HUBSPOT_INBOX_JOB = 'hubspot.inbox_message';

/** One announced inbox message (from a `conversation.newMessage` webhook event). */
export interface AnnouncedMessage {
  readonly threadId: string;
  readonly messageId: string;
}

/** Job payload → what to fetch; the dedupe key keeps HubSpot's duplicate deliveries to one fetch. */
export function inboxJob(
  tenantId: string,
  portalId: string,
  m: AnnouncedMessage,
): { tenantId: string; kind: string; payload: Record<string, unknown>; dedupeKey: string } {
  return {
    tenantId,
    kind: HUBSPOT_INBOX_JOB,
    payload: { portalId, threadId: m.threadId, messageId: m.messageId },
    dedupeKey: `hubspot-inbox:${portalId}:${m.threadId}:${m.messageId}`,
  };
}

export interface InboxDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly api: () => HubSpotApi | undefined;
  readonly identity: () => IdentityService | undefined;
}

export function inboxMessageHandler(deps: InboxDeps): JobHandler {
  return async (job) => {
    const api = deps.api();
    if (api === undefined) return;
    const portalId = String(job.payload['portalId']);
    const threadId = String(job.payload['threadId']);
    const messageId = String(job.payload['messageId']);
    const install = await installationByPortal(deps.db, portalId);
    if (install === undefined || install.tenantId !== job.tenantId || install.purged) return;
    const conversations = new HubSpotConversations(api);
    let event;
    try {
      const [message, thread] = await Promise.all([
        conversations.message(portalId, threadId, messageId),
        conversations.thread(portalId, threadId),
      ]);
      const full = needsOriginalContent(message) ? await conversations.originalContent(portalId, threadId, messageId) : undefined;
      event = inboxMessageEvent(portalId, thread, message, full);
    } catch (err) {
      const failure = classifyHubSpotError(err, 'inbox message read');
      if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'transient') throw err;
      // Disconnected, scope missing, thread or message gone: nothing to store; say so instead of retrying for a day.
      deps.logger.warn(
        { tenantId: job.tenantId, portalId, threadId, messageId, code: failure.code },
        `HubSpot inbox message not stored: ${failure.message}`,
      );
      deps.metrics.eventsIngested.inc({ source: 'hubspot', outcome: 'inbox_unreadable' });
      return;
    }
    if (event === null) return; // not a MESSAGE (thread activity) or nobody to attach it to
    const ours = await new SqlEffectLedger(deps.db).hasDoneOutput(job.tenantId, {
      vendor: 'hubspot',
      accountId: portalId,
      kind: 'reply_in_thread',
      field: 'messageId',
      value: messageId,
    });
    if (ours) event = { ...event, properties: { ...event.properties, speaker: 'bot', sentBy: 'baton' } };
    const identity = deps.identity();
    const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
    const result = await ingestEvent(deps.db, deps.work, job.tenantId, event, undefined, identify);
    deps.metrics.eventsIngested.inc({ source: 'hubspot', outcome: result.duplicate ? 'duplicate' : 'stored' });
  };
}
