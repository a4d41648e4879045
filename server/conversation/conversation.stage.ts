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
import type { EventStage, StageInput } from '../events/event-processor';
import { ingestEvent, type StoredEvent } from '../events/events.repository';
import { profileAliases, profileAliasesMany } from '../identity/profiles.repository';
import type { Logger } from '../observability/logger';
import {
  messageSignals,
  recordMessage,
  recordMessages,
  SAMPLES_LIMIT,
  sentimentSamples,
  sentimentSamplesMany,
  toMessageSignals,
  type MessageSignals,
  type NewMessage,
} from './conversation.repository';
import type { SentimentSample } from '../../app/conversation';

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

/** The conversation row of an event's message (its source id is the event's id). */
export function messageRow(
  tenantId: string,
  profileId: string,
  event: StoredEvent,
  message: ClassifiedMessage,
  signals: MessageSignals | null,
): NewMessage {
  return {
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
  };
}

/** What an event brings to the conversation: its message row, and whether it is news (see `run`). */
interface Prepared {
  readonly input: StageInput & { profileId: string };
  readonly message: ClassifiedMessage;
  readonly signals: MessageSignals | null;
  readonly news: boolean;
  readonly row: NewMessage;
}

export function conversationStage(deps: ConversationStageDeps): EventStage {
  const { db, work, logger } = deps;
  const now = deps.now ?? ((): number => systemClock.now());

  /** The event's message (null: no person or not a message), with the signals the decisioning stage handed over (or read). */
  async function prepare(input: StageInput): Promise<Prepared | null> {
    const { tenantId, event, profileId, shared } = input;
    if (profileId === null) return null;
    const message = messageOf(event);
    if (message === null) return null;
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
    return {
      input: { ...input, profileId },
      message,
      signals,
      news,
      row: messageRow(tenantId, profileId, event, message, signals),
    };
  }

  /** A news message's sharp fall, if its trend (these samples, the message's own included) shows one: ingested as `sentiment.dropped`. */
  async function fallAfter(p: Prepared, storedId: string, samples: readonly SentimentSample[]): Promise<void> {
    const { tenantId, event, profileId } = p.input;
    const signals = p.signals;
    if (signals === null) return;
    const series = sentimentTrend(samples, DEFAULT_FALL_RULE.alpha);
    if (series[series.length - 1]?.id !== storedId) return;
    const fall = sharpFallAt(series, storedId, DEFAULT_FALL_RULE);
    if (fall === null) return;
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
        messageId: storedId,
        messageEventId: event.id,
        channel: p.message.channel,
        threadKey: p.message.threadKey,
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
  }

  return {
    name: 'conversation',
    async run(input) {
      const p = await prepare(input);
      if (p === null) return {};
      const { tenantId, profileId, shared } = p.input;
      // For news the trend's samples come back with the insert, in its statement.
      const aliases = !p.news
        ? undefined
        : shared?.aliases !== undefined
          ? [...shared.aliases]
          : await profileAliases(db, tenantId, profileId);
      const stored = await recordMessage(db, p.row, aliases);
      if (aliases === undefined) return {};
      await fallAfter(p, stored.id, stored.samples ?? (await sentimentSamples(db, tenantId, aliases)));
      return {};
    },
    /**
     * A micro-batch's messages in one statement, then, if any is news, every such person's samples in
     * one more; each news message is then judged on the samples it would have seen alone (those of
     * the person's messages recorded after it in the batch left out), as `run` would, in order.
     */
    async runBatch(inputs) {
      const tenantId = inputs[0]?.tenantId;
      if (tenantId === undefined) return;
      const prepared = (await Promise.all(inputs.map(prepare))).filter((p): p is Prepared => p !== null);
      if (prepared.length === 0) return;
      const stored = await recordMessages(
        db,
        tenantId,
        prepared.map((p) => p.row),
      );
      const news = prepared.filter((p) => p.news);
      if (news.length === 0) return;
      // Each person's ids: handed over by the decisioning stage, else read for all of them at once.
      const missing = [...new Set(news.filter((p) => p.input.shared?.aliases === undefined).map((p) => p.input.profileId))];
      const read = missing.length === 0 ? new Map<string, readonly string[]>() : await profileAliasesMany(db, tenantId, missing);
      const people = new Map<string, { ids: readonly string[]; limit: number }>();
      for (const p of prepared) {
        const person = p.input.profileId;
        const had = people.get(person);
        if (had !== undefined) had.limit++;
        else if (news.some((n) => n.input.profileId === person))
          people.set(person, { ids: p.input.shared?.aliases ?? read.get(person) ?? [person], limit: SAMPLES_LIMIT });
      }
      const samples = await sentimentSamplesMany(db, tenantId, people);
      for (const [i, p] of prepared.entries()) {
        if (!p.news) continue;
        const own = stored.get(p.row.sourceId);
        if (own === undefined) continue;
        // What this message would have seen alone: not the person's messages recorded after it here.
        const later = new Set(
          prepared
            .slice(i + 1)
            .filter((q) => q.input.profileId === p.input.profileId)
            .flatMap((q) => {
              const s = stored.get(q.row.sourceId);
              return s?.created === true ? [s.id] : [];
            }),
        );
        const seen = (samples.get(p.input.profileId) ?? []).filter((s) => !later.has(s.id)).slice(0, SAMPLES_LIMIT);
        await fallAfter(p, own.id, seen);
      }
    },
  };
}
