/** The record card's conversation part: the latest messages across channels and the sentiment trend. */
import type { CardConversation } from '../../app/cards/card-view';
import type { Queryable } from '../db/database';
import { latestMessages, loadTrend } from './conversation.repository';

/** How many messages the card shows. */
export const CARD_MESSAGES = 5;
/** How many trend points the card draws. */
export const CARD_TREND_POINTS = 20;

const clamp = (x: number): number => Math.max(-1, Math.min(1, x));

export async function conversationCard(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<CardConversation> {
  const [messages, trend] = await Promise.all([
    latestMessages(q, tenantId, profileIds, CARD_MESSAGES),
    loadTrend(q, tenantId, profileIds, CARD_TREND_POINTS),
  ]);
  return {
    latest: messages.map((m) => ({
      messageId: m.id,
      threadKey: m.threadKey,
      channel: m.channel,
      speaker: m.speaker,
      occurredAt: m.occurredAt,
      excerpt: m.text === null ? null : Array.from(m.text).slice(0, 280).join(''),
      intent: m.signals?.intent ?? null,
      sentiment: m.signals === null ? null : clamp(m.signals.sentiment),
      sentimentLabel: m.signals?.sentimentLabel ?? null,
      urgency: m.signals?.urgency ?? null,
      language: m.signals?.language ?? null,
    })),
    trend: {
      points: trend.points.map((p) => ({ at: p.at, sentiment: clamp(p.sentiment), trend: clamp(p.trend) })),
      latest: trend.latest,
      direction: trend.direction,
      falls: trend.falls.map((f) => ({ at: f.at, from: f.from, to: f.to, drop: f.drop })),
    },
  };
}
