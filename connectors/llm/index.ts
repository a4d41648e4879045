export { LlmSignalExtractor, type LlmExtractorDeps } from './llm-extractor';
export { type LlmProviderConfig, type FetchLike } from './config';
export { redactPii } from './redact';
export { llmSignalsSchema, type LlmSignals } from './schema';
