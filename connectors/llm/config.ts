/** How to reach an LLM. Read from configuration by the server; nothing here touches the environment. */
export interface LlmProviderConfig {
  /** Wire protocol: OpenAI-compatible chat completions or Anthropic-compatible messages. */
  readonly kind: 'openai' | 'anthropic';
  /**
   * Base URL. OpenAI-style: up to and including the version, e.g. `https://api.openai.com/v1`
   * (requests go to `<base>/chat/completions`). Anthropic-style: the host, e.g.
   * `https://api.anthropic.com` (requests go to `<base>/v1/messages`).
   */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly model: string;
  /** Whole-request timeout; default 8000 ms. */
  readonly timeoutMs?: number;
  /** Longer texts are cut (after redaction, so no identifier is cut in half) before sending; default 4000 characters. */
  readonly maxTextChars?: number;
  /** OpenAI-style only: `json_schema` (strict structured output, default) or `json_object` for servers without it. */
  readonly responseFormat?: 'json_schema' | 'json_object';
}

export const DEFAULT_TIMEOUT_MS = 8000;
export const DEFAULT_MAX_TEXT_CHARS = 4000;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
