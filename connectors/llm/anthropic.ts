import { type LlmProviderConfig, joinUrl } from './config';
import { type ProviderRequest } from './openai';
import { SYSTEM_PROMPT, userPrompt } from './prompt';
import { llmSignalsJsonSchema } from './schema';

const TOOL_NAME = 'record_signals';

/** Structured output through a forced tool call, the messages API's way to get schema-shaped JSON. */
export function anthropicRequest(config: LlmProviderConfig, redactedText: string): ProviderRequest {
  return {
    url: joinUrl(config.baseUrl, 'v1/messages'),
    headers: { 'content-type': 'application/json', 'x-api-key': config.apiKey, 'anthropic-version': '2023-06-01' },
    body: {
      model: config.model,
      max_tokens: 300,
      temperature: 0,
      system: SYSTEM_PROMPT,
      tools: [{ name: TOOL_NAME, description: 'Record the signals extracted from the message.', input_schema: llmSignalsJsonSchema }],
      tool_choice: { type: 'tool', name: TOOL_NAME },
      messages: [{ role: 'user', content: userPrompt(redactedText) }],
    },
  };
}

export function anthropicOutput(response: unknown): unknown {
  const content = (response as { content?: unknown } | null)?.content;
  if (!Array.isArray(content)) throw new Error('anthropic: response has no content');
  const block = content.find((b: unknown) => typeof b === 'object' && b !== null && (b as { type?: unknown }).type === 'tool_use') as
    { input?: unknown } | undefined;
  if (block === undefined) throw new Error('anthropic: no tool_use block in response');
  return block.input;
}
