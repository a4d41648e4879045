/**
 * The conversation message store (migration 018): one row per message with a person, on any channel,
 * its thread, who spoke and (customer messages only) the signals read from it. Filled idempotently
 * (unique per tenant + source id); read newest first by keyset on (occurred_at, id); erased with the
 * person. Every read takes the person's profile ids (the live one and those merged into it).
 */
import {
  sentimentTrend,
  sharpFalls,
  trendDirection,
  type ConversationChannel,
  type SentimentSample,
  type Speaker,
  type TrendPoint,
} from '../../app/conversation';
import type { Queryable } from '../db/database';
import type { EventRow } from '../events/events.repository';
import type { Signals } from '../../app/signals';
import type { PagePosition } from '../../app/shared/page-position';
import { newId } from '../security/ids';
import { eventSignals } from '../decisioning/profile-state.repository';

export interface MessageSignals {
  readonly intent: string;
  readonly intentConfidence: number;
  readonly sentiment: number;
  readonly sentimentLabel: 'positive' | 'neutral' | 'negative';
  readonly urgency: 'low' | 'medium' | 'high';
  /** ISO 639-1, null when the extractor could not tell. */
  readonly language: string | null;
}

export interface NewMessage {
  readonly tenantId: string;
  readonly profileId: string;
  /** Unique per tenant: the stored event id, or `step:<idempotency key>` for Baton's own sends. */
  readonly sourceId: string;
  /** The stored event the message came in (null for Baton's own sends). */
  readonly eventId: string | null;
  readonly channel: ConversationChannel;
  readonly threadKey: string;
  readonly speaker: Speaker;
  readonly occurredAt: string;
  readonly source: string;
  readonly eventType: string;
  readonly subject: string | null;
  readonly text: string | null;
  /** Customer messages only; ignored for other speakers. */
  readonly signals: MessageSignals | null;
}

export interface MessageView {
  readonly id: string;
  readonly threadKey: string;
  readonly channel: string;
  readonly speaker: Speaker;
  readonly occurredAt: string;
  readonly source: string;
  readonly eventType: string;
  readonly eventId: string | null;
  readonly subject: string | null;
  readonly text: string | null;
  readonly signals: MessageSignals | null;
}

export interface ThreadView {
  readonly threadKey: string;
  readonly channel: string;
  readonly subject: string | null;
  readonly firstAt: string;
  readonly lastAt: string;
  /** Every message of the thread (not only those on the page). */
  readonly messageCount: number;
  /** The ids of this page's messages in the thread, newest first. */
  readonly messageIds: readonly string[];
}

export interface TrendView {
  /** The customer's messages with a sentiment, oldest first: the message's own sentiment and the EWMA. */
  readonly points: readonly { at: string; messageId: string; sentiment: number; trend: number }[];
  readonly latest: number | null;
  readonly direction: 'falling' | 'rising' | 'steady';
  /** Sharp falls (the rule of app/conversation/trend.ts) among these points, oldest first. */
  readonly falls: readonly { at: string; messageId: string; from: number; to: number; drop: number }[];
}

interface Row {
  id: string;
  thread_key: string;
  channel: string;
  speaker: Speaker;
  occurred_at: Date | string;
  source: string;
  event_type: string;
  event_id: string | null;
  subject: string | null;
  text: string | null;
  intent: string | null;
  intent_confidence: number | null;
  sentiment: number | null;
  sentiment_label: MessageSignals['sentimentLabel'] | null;
  urgency: MessageSignals['urgency'] | null;
  language: string | null;
}

const COLUMNS =
  'id, thread_key, channel, speaker, occurred_at, source, event_type, event_id, subject, text, intent, intent_confidence, sentiment, sentiment_label, urgency, language';
const at = (v: Date | string): string => new Date(v).toISOString();

function viewOf(row: Row): MessageView {
  return {
    id: row.id,
    threadKey: row.thread_key,
    channel: row.channel,
    speaker: row.speaker,
    occurredAt: at(row.occurred_at),
    source: row.source,
    eventType: row.event_type,
    eventId: row.event_id,
    subject: row.subject,
    text: row.text,
    signals:
      row.intent === null || row.sentiment === null || row.sentiment_label === null || row.urgency === null
        ? null
        : {
            intent: row.intent,
            intentConfidence: Number(row.intent_confidence ?? 0),
            sentiment: Number(row.sentiment),
            sentimentLabel: row.sentiment_label,
            urgency: row.urgency,
            language: row.language,
          },
  };
}

/** Stores a message once per source id; answers the stored row's id and whether this call stored it. */
/**
 * Stores a message once per source id. With `samplesOf` (the person's ids) and a fresh insert, the same
 * statement also answers `sentimentSamples` of those ids, the new message included (null otherwise:
 * read them apart).
 */
export async function recordMessage(
  q: Queryable,
  m: NewMessage,
  samplesOf?: readonly string[],
): Promise<{ id: string; created: boolean; samples: SentimentSample[] | null }> {
  const s = m.speaker === 'customer' ? m.signals : null;
  const insert = `INSERT INTO conversation_messages (tenant_id, id, source_id, profile_id, event_id, channel, thread_key, speaker, occurred_at, source, event_type, subject, text,
       intent, intent_confidence, sentiment, sentiment_label, urgency, language)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (tenant_id, source_id) DO NOTHING`;
  const params: unknown[] = [
    m.tenantId,
    newId('msg'),
    m.sourceId,
    m.profileId,
    m.eventId,
    m.channel,
    m.threadKey,
    m.speaker,
    m.occurredAt,
    m.source,
    m.eventType,
    m.subject === null ? null : m.subject.slice(0, 500),
    m.text,
    s?.intent ?? null,
    s?.intentConfidence ?? null,
    s?.sentiment ?? null,
    s?.sentimentLabel ?? null,
    s?.urgency ?? null,
    s?.language ?? null,
  ];
  let inserted: { id: string; samples?: SampleRow[] } | undefined;
  if (samplesOf === undefined) {
    inserted = (await q.query<{ id: string }>(`${insert} RETURNING id`, params)).rows[0];
  } else {
    // The CTE's insert is not visible to the statement's own read: the new row joins the samples from RETURNING.
    const r = await q.query<{ id: string | null; samples: SampleRow[] }>(
      `WITH ins AS (${insert} RETURNING id, occurred_at, sentiment, speaker)
       SELECT (SELECT id FROM ins) AS id,
              (SELECT coalesce(jsonb_agg(u ORDER BY u.occurred_at DESC, u.id DESC), '[]'::jsonb) FROM (
                 SELECT id, occurred_at, sentiment FROM ins WHERE speaker = 'customer' AND sentiment IS NOT NULL
                 UNION ALL
                 (SELECT id, occurred_at, sentiment FROM conversation_messages
                   WHERE tenant_id = $1 AND profile_id = ANY($20::text[]) AND speaker = 'customer' AND sentiment IS NOT NULL
                   ORDER BY occurred_at DESC, id DESC LIMIT ${SAMPLES_LIMIT})
                 ORDER BY occurred_at DESC, id DESC LIMIT ${SAMPLES_LIMIT}) u) AS samples`,
      [...params, [...samplesOf]],
    );
    const row = r.rows[0];
    if (row?.id !== null && row?.id !== undefined) inserted = { id: row.id, samples: row.samples };
  }
  if (inserted !== undefined) return { id: inserted.id, created: true, samples: inserted.samples?.map(sampleOf) ?? null };
  const existing = await q.query<{ id: string }>('SELECT id FROM conversation_messages WHERE tenant_id = $1 AND source_id = $2', [
    m.tenantId,
    m.sourceId,
  ]);
  const found = existing.rows[0];
  if (found === undefined) throw new Error('conversation message conflict without a stored row');
  return { id: found.id, created: false, samples: null };
}

export interface MessagePageQuery {
  readonly limit: number;
  readonly before?: PagePosition | undefined;
  readonly channel?: string | undefined;
  readonly threadKey?: string | undefined;
}

/** One page of the person's messages, newest first; `next` is the position to continue from. */
export async function messagePage(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  page: MessagePageQuery,
): Promise<{ messages: MessageView[]; next: PagePosition | null }> {
  // One id (the usual case): equality lets the (tenant, profile, occurred_at DESC, id DESC) index stop after `limit` rows.
  const params: unknown[] = [tenantId, profileIds.length === 1 ? profileIds[0] : [...profileIds]];
  const where = ['tenant_id = $1', profileIds.length === 1 ? 'profile_id = $2' : 'profile_id = ANY($2::text[])'];
  if (page.channel !== undefined) {
    params.push(page.channel);
    where.push(`channel = $${params.length}`);
  }
  if (page.threadKey !== undefined) {
    params.push(page.threadKey);
    where.push(`thread_key = $${params.length}`);
  }
  if (page.before !== undefined) {
    params.push(new Date(page.before.at).toISOString(), page.before.id);
    where.push(`(occurred_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(page.limit + 1);
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM conversation_messages WHERE ${where.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = r.rows.slice(0, page.limit);
  const last = rows[rows.length - 1];
  return {
    messages: rows.map(viewOf),
    next: r.rows.length > page.limit && last !== undefined ? { at: new Date(last.occurred_at).getTime(), id: last.id } : null,
  };
}

/** The threads of a page's messages with their totals, most recent thread first. */
export async function threadsOf(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  messages: readonly MessageView[],
): Promise<ThreadView[]> {
  const keys = [...new Set(messages.map((m) => m.threadKey))];
  if (keys.length === 0) return [];
  const r = await q.query<{
    thread_key: string;
    channel: string;
    subject: string | null;
    first_at: Date | string;
    last_at: Date | string;
    n: string | number;
  }>(
    `SELECT thread_key, min(channel) AS channel, max(subject) AS subject, min(occurred_at) AS first_at, max(occurred_at) AS last_at, count(*) AS n
       FROM conversation_messages WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) AND thread_key = ANY($3::text[])
      GROUP BY thread_key`,
    [tenantId, [...profileIds], keys],
  );
  return r.rows
    .map((row) => ({
      threadKey: row.thread_key,
      channel: row.channel,
      subject: row.subject,
      firstAt: at(row.first_at),
      lastAt: at(row.last_at),
      messageCount: Number(row.n),
      messageIds: messages.filter((m) => m.threadKey === row.thread_key).map((m) => m.id),
    }))
    .sort((a, b) => (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : a.threadKey < b.threadKey ? -1 : 1));
}

/** The customer's most recent messages with a sentiment (at most `limit`), for the trend. */
/** How many of a person's latest scored messages the trend reads. */
export const SAMPLES_LIMIT = 200;

interface SampleRow {
  id: string;
  occurred_at: Date | string;
  sentiment: number;
}

const sampleOf = (row: SampleRow): SentimentSample => ({
  id: row.id,
  at: new Date(row.occurred_at).getTime(),
  sentiment: Number(row.sentiment),
});

export async function sentimentSamples(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  limit = SAMPLES_LIMIT,
): Promise<SentimentSample[]> {
  const r = await q.query<SampleRow>(
    `SELECT id, occurred_at, sentiment FROM conversation_messages
      WHERE tenant_id = $1 AND ${profileIds.length === 1 ? 'profile_id = $2' : 'profile_id = ANY($2::text[])'} AND speaker = 'customer' AND sentiment IS NOT NULL
      ORDER BY occurred_at DESC, id DESC LIMIT $3`,
    [tenantId, profileIds.length === 1 ? profileIds[0] : [...profileIds], limit],
  );
  return r.rows.map(sampleOf);
}

/**
 * Stores many messages in one statement, each once per source id (as `recordMessage` one at a time).
 * Answers, per source id, the stored row's id and whether this call stored it; a message stored before
 * (a redelivery) costs a second statement that reads its id.
 */
export async function recordMessages(
  q: Queryable,
  tenantId: string,
  messages: readonly NewMessage[],
): Promise<Map<string, { id: string; created: boolean }>> {
  const out = new Map<string, { id: string; created: boolean }>();
  if (messages.length === 0) return out;
  const rows = messages.map((m) => {
    const s = m.speaker === 'customer' ? m.signals : null;
    return {
      id: newId('msg'),
      source_id: m.sourceId,
      profile_id: m.profileId,
      event_id: m.eventId,
      channel: m.channel,
      thread_key: m.threadKey,
      speaker: m.speaker,
      occurred_at: m.occurredAt,
      source: m.source,
      event_type: m.eventType,
      subject: m.subject === null ? null : m.subject.slice(0, 500),
      text: m.text,
      intent: s?.intent ?? null,
      intent_confidence: s?.intentConfidence ?? null,
      sentiment: s?.sentiment ?? null,
      sentiment_label: s?.sentimentLabel ?? null,
      urgency: s?.urgency ?? null,
      language: s?.language ?? null,
    };
  });
  // Of two messages with one source id, the first is stored (DO NOTHING skips the second).
  const r = await q.query<{ id: string; source_id: string }>(
    `INSERT INTO conversation_messages (tenant_id, id, source_id, profile_id, event_id, channel, thread_key, speaker, occurred_at, source, event_type, subject, text,
       intent, intent_confidence, sentiment, sentiment_label, urgency, language)
     SELECT $1, m.id, m.source_id, m.profile_id, m.event_id, m.channel, m.thread_key, m.speaker, m.occurred_at, m.source, m.event_type,
            m.subject, m.text, m.intent, m.intent_confidence, m.sentiment, m.sentiment_label, m.urgency, m.language
       FROM jsonb_to_recordset($2::jsonb) AS m(id text, source_id text, profile_id text, event_id text, channel text, thread_key text,
              speaker text, occurred_at timestamptz, source text, event_type text, subject text, text text, intent text, intent_confidence double precision,
              sentiment double precision, sentiment_label text, urgency text, language text)
     ON CONFLICT (tenant_id, source_id) DO NOTHING RETURNING id, source_id`,
    [tenantId, JSON.stringify(rows)],
  );
  for (const row of r.rows) out.set(row.source_id, { id: row.id, created: true });
  const before = [...new Set(messages.map((m) => m.sourceId).filter((id) => !out.has(id)))];
  if (before.length > 0) {
    const existing = await q.query<{ id: string; source_id: string }>(
      'SELECT id, source_id FROM conversation_messages WHERE tenant_id = $1 AND source_id = ANY($2::text[])',
      [tenantId, before],
    );
    for (const row of existing.rows) out.set(row.source_id, { id: row.id, created: false });
  }
  return out;
}

/**
 * `sentimentSamples` of many people in one statement: per key, the `limit` newest samples of its
 * profile ids (a person's live id and those merged into it), newest first.
 */
export async function sentimentSamplesMany(
  q: Queryable,
  tenantId: string,
  people: ReadonlyMap<string, { ids: readonly string[]; limit: number }>,
): Promise<Map<string, SentimentSample[]>> {
  const out = new Map<string, SentimentSample[]>();
  if (people.size === 0) return out;
  for (const key of people.keys()) out.set(key, []);
  // One row per (person, profile id): each reads its id's newest samples by equality on the
  // (tenant, profile, occurred_at, id) index; the person's newest across ids are merged here.
  const pairs = [...people].flatMap(([key, p]) => [...new Set(p.ids)].map((id) => ({ key, id, lim: p.limit })));
  const r = await q.query<SampleRow & { key: string }>(
    `SELECT g.key, s.id, s.occurred_at, s.sentiment
       FROM jsonb_to_recordset($2::jsonb) AS g(key text, id text, lim int),
            LATERAL (SELECT id, occurred_at, sentiment FROM conversation_messages
                      WHERE tenant_id = $1 AND profile_id = g.id AND speaker = 'customer' AND sentiment IS NOT NULL
                      ORDER BY occurred_at DESC, id DESC LIMIT g.lim) s`,
    [tenantId, JSON.stringify(pairs)],
  );
  const rows = new Map<string, SampleRow[]>();
  for (const row of r.rows) {
    const list = rows.get(row.key);
    if (list === undefined) rows.set(row.key, [row]);
    else list.push(row);
  }
  for (const [key, list] of rows) {
    const limit = people.get(key)?.limit ?? 0;
    const ordered = list
      .map((row) => ({ sample: sampleOf(row), id: row.id }))
      .sort((a, b) => b.sample.at - a.sample.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    out.set(
      key,
      ordered.slice(0, limit).map((o) => o.sample),
    );
  }
  return out;
}

/** The trend view of a series: the last `points` points, the direction and the sharp falls among them. */
export function trendView(series: readonly TrendPoint[], points = 30): TrendView {
  const shown = series.slice(-points);
  const shownIds = new Set(shown.map((p) => p.id));
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    points: shown.map((p) => ({ at: new Date(p.at).toISOString(), messageId: p.id, sentiment: round(p.sentiment), trend: round(p.trend) })),
    latest: shown.length === 0 ? null : round(shown[shown.length - 1]?.trend ?? 0),
    direction: trendDirection(series),
    falls: sharpFalls(series)
      .filter((f) => shownIds.has(f.id))
      .map((f) => ({ at: new Date(f.at).toISOString(), messageId: f.id, from: f.from, to: f.to, drop: f.drop })),
  };
}

/** The person's sentiment trend (customer messages only). */
export async function loadTrend(q: Queryable, tenantId: string, profileIds: readonly string[], points = 30): Promise<TrendView> {
  return trendView(sentimentTrend(await sentimentSamples(q, tenantId, profileIds)), points);
}

/** The person's `limit` most recent messages, newest first. */
export async function latestMessages(q: Queryable, tenantId: string, profileIds: readonly string[], limit: number): Promise<MessageView[]> {
  return (await messagePage(q, tenantId, profileIds, { limit })).messages;
}

/** Per channel: how many messages and the last one's time (the person's profile summary). */
export async function channelSummary(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
): Promise<{ channel: string; messages: number; lastAt: string }[]> {
  const r = await q.query<{ channel: string; n: string | number; last_at: Date | string }>(
    `SELECT channel, count(*) AS n, max(occurred_at) AS last_at FROM conversation_messages
      WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) GROUP BY channel ORDER BY max(occurred_at) DESC, channel`,
    [tenantId, [...profileIds]],
  );
  return r.rows.map((row) => ({ channel: row.channel, messages: Number(row.n), lastAt: at(row.last_at) }));
}

/** Privacy erasure: every message of these profile ids (messages of erased events also go by cascade). */
export async function eraseConversation(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM conversation_messages WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
}

/** The stored signals of one event (null: none), read by the one reader of `event_signals`. */
export async function messageSignals(q: Queryable, tenantId: string, eventId: string): Promise<MessageSignals | null> {
  const s = await eventSignals(q, tenantId, eventId);
  return s === null ? null : toMessageSignals(s);
}

/** The part of an event's signals a message keeps (language null when the extractor could not tell). */
export function toMessageSignals(s: Signals): MessageSignals {
  return {
    intent: s.intent,
    intentConfidence: s.intentConfidence,
    sentiment: s.sentiment,
    sentimentLabel: s.sentimentLabel,
    urgency: s.urgency,
    language: s.language ?? null,
  };
}

/** A processed event with a profile, and the signals stored for it (the backfill's input). */
export interface BackfillEventRow extends EventRow {
  seq: string | number;
  profile_id: string;
  intent: string | null;
  intent_confidence: number | null;
  sentiment: number | null;
  sentiment_label: MessageSignals['sentimentLabel'] | null;
  urgency: MessageSignals['urgency'] | null;
  language: string | null;
}

/** Processed events with a profile after `afterSeq`, in `seq` order, with their stored signals. */
export async function backfillEventRows(q: Queryable, tenantId: string, afterSeq: number, limit: number): Promise<BackfillEventRow[]> {
  const r = await q.query<BackfillEventRow>(
    `SELECT e.id, e.seq, e.source, e.source_event_id, e.type, e.occurred_at, e.received_at, e.subject, e.text, e.properties, e.profile_id,
            e.processed_at, s.intent, s.intent_confidence, s.sentiment, s.sentiment_label, s.urgency, s.language
       FROM events e LEFT JOIN event_signals s ON s.tenant_id = e.tenant_id AND s.event_id = e.id
      WHERE e.tenant_id = $1 AND e.seq > $2 AND e.profile_id IS NOT NULL AND e.processed_at IS NOT NULL
      ORDER BY e.seq LIMIT $3`,
    [tenantId, afterSeq, limit],
  );
  return r.rows;
}
