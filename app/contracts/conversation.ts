/** `GET /api/v1/profiles/:id/conversation` (server/conversation/conversation.routes.ts): one page of the person's conversation. */
import { z } from 'zod';
import type { BodyOf } from './common';

export const conversationMessageSchema = z.looseObject({
  id: z.string(),
  threadKey: z.string(),
  channel: z.string(),
  speaker: z.enum(['customer', 'rep', 'bot', 'unknown']),
  occurredAt: z.string(),
  source: z.string(),
  eventType: z.string(),
  subject: z.string().nullable(),
  text: z.string().nullable(),
  signals: z
    .looseObject({
      intent: z.string(),
      intentConfidence: z.number(),
      sentiment: z.number(),
      sentimentLabel: z.string(),
      urgency: z.string(),
      language: z.string().nullable(),
    })
    .nullable(),
});
export const conversationThreadSchema = z.looseObject({
  threadKey: z.string(),
  channel: z.string(),
  subject: z.string().nullable(),
  firstAt: z.string(),
  lastAt: z.string(),
  messageCount: z.number(),
  messageIds: z.array(z.string()),
});
export const sentimentTrendSchema = z.looseObject({
  points: z.array(z.looseObject({ at: z.string(), messageId: z.string(), sentiment: z.number(), trend: z.number() })),
  latest: z.number().nullable(),
  direction: z.enum(['falling', 'rising', 'steady']),
  falls: z.array(z.looseObject({ at: z.string(), messageId: z.string(), from: z.number(), to: z.number(), drop: z.number() })),
});
export const conversationPageSchema = z.looseObject({
  profileId: z.string(),
  messages: z.array(conversationMessageSchema),
  threads: z.array(conversationThreadSchema),
  trend: sentimentTrendSchema,
  nextCursor: z.string().nullable(),
});

export type ConversationMessage = z.infer<typeof conversationMessageSchema>;
export type ConversationThread = z.infer<typeof conversationThreadSchema>;
export type SentimentTrend = z.infer<typeof sentimentTrendSchema>;
export type ConversationPage = z.infer<typeof conversationPageSchema>;
export type ConversationPageBody = BodyOf<typeof conversationPageSchema>;
