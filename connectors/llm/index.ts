export { LlmSignalExtractor, type LlmExtractorDeps, type LlmExtractOptions } from './llm-extractor';
export { signalExtractorFor } from './extractor-for';
export { type LlmProviderConfig, type FetchLike } from './config';
export { redactAndClip, redactPii, type RedactOptions } from './redact';
export { llmSignalsSchema, type LlmSignals } from './schema';
