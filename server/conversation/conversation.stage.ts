/**
 * The conversation stage of the event pipeline (after decisioning, which has stored the event's
 * signals): an event that is a message (app/conversation/messages.ts) is stored in the person's
 * conversation, with the signals for the customer's own messages. When the person's latest message
 * (of the last 14 days) makes the sentiment trend fall sharply (app/conversation/trend.ts), a
 * `sentiment.dropped` event is ingested
 * for the person (source `baton`, id derived from the message's event, so a redelivery stores it once);
 * it goes through the pipeline like any event, so playbook triggers (`trigger.events`, JSON-logic
 * `when` over `event.properties.drop`…) and the automation policy (`automation.events`) act on it.
 * Safe to run twice for one event.
 */
import { systemClock } from '../../app/shared/clock';
import { classifyMessage, DEFAULT_FALL_RULE, sentimentTrend, sharpFallAt, type ClassifiedMessage } from '../../app/conversation';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import type { EventStage } from '../events/event-processor';
import { ingestEvent, type StoredEvent } from '../events/events.repository';
import { profileAliases } from '../identity/profiles.repository';
import type { Logger } from '../observability/logger';
import { messageSignals, recordMessage, sentimentSamples, toMessageSignals } from './conversation.repository';

export const SENTIMENT_DROPPED = 'sentiment.dropped';

export interface ConversationStageDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly now?: () => number;
}

const DAY_MS = 86_400_000;

export function messageOf(event: StoredEvent): ClassifiedMessage | null {
  return classifyMessage({
    type: event.type,
    source: event.source,
    text: event.text === null || event.text.trim() === '' ? null : event.text,
    properties: event.properties,
    identifiers: event.subject.identifiers,
  });
}

export function conversationStage(deps: ConversationStageDeps): EventStage {
  const { db, work, logger } = deps;
  const now = deps.now ?? ((): number => systemClock.now());
  return {
    name: 'conversation',
    async run({ tenantId, event, profileId, shared }) {
      if (profileId === null) return {};
      const message = messageOf(event);
      if (message === null) return {};
      // The decisioning stage hands over the signals it stored for this event; otherwise read them.
      const handed = shared?.signals;
      const signals =
        message.speaker !== 'customer' || message.text === null
          ? null
          : handed === undefined
            ? await messageSignals(db, tenantId, event.id)
            : handed === null
              ? null
              : toMessageSignals(handed);
      // Only news raises a fall: the person's latest message, from the last `windowDays` (an import of
      // old e-mails or a late, older message is history, shown in the trend but not acted on).
      const news = signals !== null && now() - Date.parse(event.occurredAt) <= DEFAULT_FALL_RULE.windowDays * DAY_MS;
      // For news the trend's samples come back with the insert, in its statement.
      const aliases = !news
        ? undefined
        : shared?.aliases !== undefined
          ? [...shared.aliases]
          : await profileAliases(db, tenantId, profileId);
      const stored = await recordMessage(
        db,
        {
          tenantId,
          profileId,
          sourceId: event.id,
          eventId: event.id,
          channel: message.channel,
          threadKey: message.threadKey,
          speaker: message.speaker,
          occurredAt: event.occurredAt,
          source: event.source,
          eventType: event.type,
          subject: message.subject,
          text: message.text,
          signals,
        },
        aliases,
      );
      if (signals === null || aliases === undefined) return {};
      const samples = stored.samples ?? (await sentimentSamples(db, tenantId, aliases));
      const series = sentimentTrend(samples, DEFAULT_FALL_RULE.alpha);
      if (series[series.length - 1]?.id !== stored.id) return {};
      const fall = sharpFallAt(series, stored.id, DEFAULT_FALL_RULE);
      if (fall === null) return {};
      const dropped: CanonicalEvent = {
        id: `${SENTIMENT_DROPPED}:${event.id}`,
        source: 'baton',
        type: SENTIMENT_DROPPED,
        occurredAt: event.occurredAt,
        subject: { identifiers: event.subject.identifiers, traits: {} },
        properties: {
          from: fall.from,
          to: fall.to,
          drop: fall.drop,
          messageId: stored.id,
          messageEventId: event.id,
          channel: message.channel,
          threadKey: message.threadKey,
          sentiment: signals.sentiment,
          intent: signals.intent,
          urgency: signals.urgency,
          ...(signals.language === null ? {} : { language: signals.language }),
          rule: { ...DEFAULT_FALL_RULE },
        },
      };
      // The person is known: the derived event is theirs without resolving its identifiers again.
      const result = await ingestEvent(db, work, tenantId, dropped, undefined, async () => profileId);
      if (!result.duplicate)
        logger.info({ tenantId, profileId, eventId: result.eventId, from: fall.from, to: fall.to }, 'sentiment dropped sharply');
      return {};
    },
  };
}
