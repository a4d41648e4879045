import { labelSentiment, type ExtractOptions, type SignalExtractor, type Signals } from '../../app/signals/signal-extractor';
import { anthropicOutput, anthropicRequest } from './anthropic';
import { DEFAULT_MAX_TEXT_CHARS, DEFAULT_TIMEOUT_MS, type FetchLike, type LlmProviderConfig } from './config';
import { openAiOutput, openAiRequest } from './openai';
import { redactAndClip } from './redact';
import { llmSignalsSchema } from './schema';

export interface LlmExtractorDeps {
  /** Used whenever the provider fails, times out or answers outside the schema. */
  readonly fallback: SignalExtractor;
  /** Defaults to the global fetch; tests and proxies may pass their own. */
  readonly fetch?: FetchLike;
  /** Told about every fallback (for logs and metrics); must not throw. */
  readonly onFallback?: (error: unknown, text: string) => void;
}

/** Extraction options; `knownNames` (the profile's names, when the caller has them) are redacted too. */
export interface LlmExtractOptions extends ExtractOptions {
  readonly knownNames?: readonly string[];
}

/**
 * SignalExtractor backed by an LLM. The text is PII-minimised before it leaves the process,
 * the call is bounded by a timeout, the answer is zod-validated, and any failure falls back to
 * the offline extractor. Only a cancellation by the caller's own signal is rethrown.
 */
export class LlmSignalExtractor implements SignalExtractor {
  private readonly fetchImpl: FetchLike;

  constructor(
    private readonly config: LlmProviderConfig,
    private readonly deps: LlmExtractorDeps,
  ) {
    this.fetchImpl = deps.fetch ?? ((input, init) => fetch(input, init));
  }

  async extract(text: string, opts?: LlmExtractOptions): Promise<Signals> {
    try {
      return await this.callProvider(text, opts?.signal, opts?.knownNames);
    } catch (error) {
      if (opts?.signal?.aborted === true) throw error;
      this.deps.onFallback?.(error, text);
      return this.deps.fallback.extract(text, opts);
    }
  }

  private async callProvider(
    text: string,
    callerSignal: AbortSignal | undefined,
    knownNames: readonly string[] | undefined,
  ): Promise<Signals> {
    const redacted = redactAndClip(
      text,
      this.config.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS,
      knownNames === undefined ? {} : { knownNames },
    );
    const request = this.config.kind === 'anthropic' ? anthropicRequest(this.config, redacted) : openAiRequest(this.config, redacted);
    const timeout = AbortSignal.timeout(this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = callerSignal === undefined ? timeout : AbortSignal.any([timeout, callerSignal]);
    const response = await this.fetchImpl(request.url, {
      method: 'POST',
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal,
    });
    if (!response.ok) {
      throw new Error(`${this.config.kind} provider answered HTTP ${response.status}`);
    }
    const json: unknown = await response.json();
    const raw = this.config.kind === 'anthropic' ? anthropicOutput(json) : openAiOutput(json);
    const parsed = llmSignalsSchema.parse(raw);
    const base = {
      intent: parsed.intent,
      intentConfidence: parsed.intentConfidence,
      sentiment: parsed.sentiment,
      sentimentLabel: labelSentiment(parsed.sentiment),
      urgency: parsed.urgency,
    };
    return parsed.language === undefined ? base : { ...base, language: parsed.language };
  }
}
