import { type LlmProviderConfig, joinUrl } from './config';
import { SYSTEM_PROMPT, userPrompt } from './prompt';
import { llmSignalsJsonSchema } from './schema';

export interface ProviderRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

export function openAiRequest(config: LlmProviderConfig, redactedText: string): ProviderRequest {
  const responseFormat =
    (config.responseFormat ?? 'json_schema') === 'json_schema'
      ? { type: 'json_schema', json_schema: { name: 'customer_signals', strict: false, schema: llmSignalsJsonSchema } }
      : { type: 'json_object' };
  return {
    url: joinUrl(config.baseUrl, 'chat/completions'),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}` },
    body: {
      model: config.model,
      temperature: 0,
      max_tokens: 200,
      response_format: responseFormat,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: userPrompt(redactedText) },
      ],
    },
  };
}

/** Pulls the JSON object out of a chat-completions response (tolerates ``` fences). */
export function openAiOutput(response: unknown): unknown {
  const choices = (response as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw new Error('openai: response has no choices');
  const message = (choices[0] as { message?: { content?: unknown; refusal?: unknown } }).message;
  if (typeof message?.refusal === 'string' && message.refusal !== '') throw new Error('openai: model refused');
  const content = message?.content;
  if (typeof content !== 'string') throw new Error('openai: message content is not text');
  return parseJsonText(content);
}

export function parseJsonText(content: string): unknown {
  const trimmed = content
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  return JSON.parse(trimmed) as unknown;
}
