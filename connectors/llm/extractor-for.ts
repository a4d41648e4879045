/**
 * The signal extractor the service runs with, from its configuration: the offline model, or the
 * configured LLM provider (OpenAI or Anthropic) with the offline model as its fallback.
 */
import { OfflineSignalExtractor, type SignalExtractor } from '../../app/signals';
import type { Config, Logger } from '../../server/platform';
import { LlmSignalExtractor } from './llm-extractor';

const DEFAULT_BASE_URL = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;
const DEFAULT_MODEL = { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } as const;

/** The offline model, or the configured LLM provider with the offline model as its fallback. */
export function signalExtractorFor(llm: Config['llm'], logger: Logger): { extractor: SignalExtractor; name: string } {
  const offline = new OfflineSignalExtractor();
  if (llm.provider === 'none') return { extractor: offline, name: 'offline' };
  const extractor = new LlmSignalExtractor(
    {
      kind: llm.provider,
      baseUrl: llm.baseUrl ?? DEFAULT_BASE_URL[llm.provider],
      apiKey: llm.apiKey ?? '',
      model: llm.model ?? DEFAULT_MODEL[llm.provider],
      timeoutMs: llm.timeoutMs,
    },
    {
      fallback: offline,
      onFallback: (err) => logger.warn({ err, provider: llm.provider }, 'LLM signal extraction failed; used the offline model'),
    },
  );
  return { extractor, name: llm.provider };
}
