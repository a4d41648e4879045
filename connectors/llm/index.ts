export { LlmSignalExtractor, type LlmExtractorDeps, type LlmExtractOptions } from './llm-extractor';
export { type LlmProviderConfig, type FetchLike } from './config';
export { redactPii, type RedactOptions } from './redact';
export { llmSignalsSchema, type LlmSignals } from './schema';
