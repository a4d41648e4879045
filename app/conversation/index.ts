export {
  botThreadKey,
  classifyMessage,
  normalizeSubject,
  CONVERSATION_CHANNELS,
  SPEAKERS,
  type ClassifiedMessage,
  type ConversationChannel,
  type MessageEventFacts,
  type Speaker,
} from './messages';
export {
  DEFAULT_FALL_RULE,
  sentimentTrend,
  sharpFallAt,
  sharpFalls,
  trendDirection,
  type FallRule,
  type SentimentSample,
  type SharpFall,
  type TrendPoint,
} from './trend';
