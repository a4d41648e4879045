import { type Intent } from './intents';

export type SentimentLabel = 'positive' | 'neutral' | 'negative';
export type Urgency = 'low' | 'medium' | 'high';

/** What Baton understands from one piece of customer text. */
export interface Signals {
  readonly intent: Intent;
  /** Probability-like confidence in [0, 1] for `intent`. */
  readonly intentConfidence: number;
  /** Polarity in [-1, 1]. */
  readonly sentiment: number;
  readonly sentimentLabel: SentimentLabel;
  readonly urgency: Urgency;
  /**
   * ISO 639-1 code of the text's language ('en', 'es', 'pt', 'fr', 'de', 'it'), or 'und' when the
   * text has no evidence for any. The offline extractor always sets it; optional in the type so
   * extractors written before it (test doubles, older providers) still compile.
   */
  readonly language?: string;
}

export interface ExtractOptions {
  /** Cancels the extraction (providers that do I/O honour it; the offline model ignores it). */
  readonly signal?: AbortSignal;
  /**
   * Names of the person the text is from or about (e.g. the event's firstName/lastName traits), so a
   * provider that sends text out of the process can redact them too; the offline model ignores them.
   */
  readonly knownNames?: readonly string[];
}

/** Port: anything that turns text into signals (offline model, LLM provider, test double). */
export interface SignalExtractor {
  extract(text: string, opts?: ExtractOptions): Promise<Signals>;
}

/** VADER's published convention: compound >= 0.05 positive, <= -0.05 negative. */
export const SENTIMENT_THRESHOLD = 0.05;

export function labelSentiment(score: number): SentimentLabel {
  if (score >= SENTIMENT_THRESHOLD) return 'positive';
  if (score <= -SENTIMENT_THRESHOLD) return 'negative';
  return 'neutral';
}
