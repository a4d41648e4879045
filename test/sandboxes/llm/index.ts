/**
 * Local LLM providers for the signal connector (connectors/llm): one node:http server per wire format.
 *
 * - OpenAI-compatible: `POST /v1/chat/completions`, `Authorization: Bearer <key>`; answers
 *   `{ id, object: 'chat.completion', created, model, choices: [{ index, message: { role, content }, finish_reason }], usage }`;
 *   errors `{ error: { message, type, param, code } }` (429 `rate_limit_exceeded` with `retry-after`, 500, 503).
 * - Anthropic Messages: `POST /v1/messages`, `x-api-key` + `anthropic-version`; answers
 *   `{ id, type: 'message', role: 'assistant', model, content: [...], stop_reason, usage: { input_tokens, output_tokens } }`
 *   (a `tool_use` block when the request forces a tool, else a `text` block); errors
 *   `{ type: 'error', error: { type, message }, request_id }` (429 `rate_limit_error` with `retry-after`, 529 `overloaded_error`).
 *
 * Both validate what a real server would reject (auth, version header, model, max_tokens, message roles), record every
 * request (headers, raw body, parsed body, whether the client hung up), and can be scripted per call: valid signals,
 * arbitrary assistant text (malformed JSON, prose around JSON, missing fields, out-of-range values), a raw HTTP body,
 * a hang (before or after the response headers) until the client gives up, or an error status.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LlmFormat = 'openai' | 'anthropic';

/** One scripted answer. Unscripted calls get `signals` with the sandbox's default signals. */
export type LlmAnswer =
  /** A well-formed answer carrying `signals` (JSON text for OpenAI; a tool_use input, or JSON text without tools, for Anthropic). */
  | { readonly kind: 'signals'; readonly signals: Record<string, unknown> }
  /** A well-formed envelope whose assistant text is `text` verbatim (Anthropic: a `text` block, no tool_use). */
  | { readonly kind: 'text'; readonly text: string }
  /** Anthropic only: a tool_use block with this input (any JSON, valid or not). */
  | { readonly kind: 'tool_input'; readonly input: unknown }
  /** A raw HTTP answer (e.g. an HTML error page, a truncated body, a broken envelope). */
  | { readonly kind: 'raw'; readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  /** The provider's own error envelope for `status` (429 carries `retry-after`, default '20'). */
  | { readonly kind: 'error'; readonly status: number; readonly retryAfter?: string; readonly message?: string }
  /** Never answers; with `afterHeaders` it sends 200 headers and part of a body, then stalls. Ends when the client hangs up. */
  | { readonly kind: 'hang'; readonly afterHeaders?: boolean };

export interface LlmRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  readonly raw: string;
  readonly body: unknown;
  /** HTTP status the sandbox answered (undefined while hanging or when the client hung up first). */
  status: number | undefined;
  /** Resolves when the client's connection for this request closed (answered, aborted or timed out). */
  readonly closed: Promise<void>;
  /** True when the client hung up before the sandbox finished its answer. */
  clientAborted: boolean;
}

export interface LlmSandbox {
  readonly format: LlmFormat;
  /** What to put in LlmProviderConfig.baseUrl / LLM_BASE_URL: `<origin>/v1` for OpenAI, `<origin>` for Anthropic. */
  readonly baseUrl: string;
  readonly origin: string;
  readonly apiKey: string;
  readonly requests: LlmRecordedRequest[];
  /** Signals answered when nothing is scripted. */
  defaultSignals: Record<string, unknown>;
  /** Queues answers for the next calls, in order. */
  script(...answers: LlmAnswer[]): void;
  /** Forgets recorded requests and scripted answers. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_SIGNALS: Readonly<Record<string, unknown>> = {
  intent: 'cancellation',
  intentConfidence: 0.91,
  sentiment: -0.55,
  urgency: 'high',
  language: 'en',
};

const ANTHROPIC_VERSIONS = new Set(['2023-06-01', '2023-01-01']);

const id = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible
// ---------------------------------------------------------------------------------------------

function openAiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  send(res, status, { error: { message, type, param: null, code } }, headers);
}

function openAiScriptedError(res: ServerResponse, answer: Extract<LlmAnswer, { kind: 'error' }>): void {
  if (answer.status === 429) {
    openAiError(
      res,
      429,
      answer.message ?? 'Rate limit reached for requests per min. Please try again in 20s.',
      'requests',
      'rate_limit_exceeded',
      { 'retry-after': answer.retryAfter ?? '20' },
    );
  } else if (answer.status === 503) {
    openAiError(res, 503, answer.message ?? 'The engine is currently overloaded, please try again later', 'server_error', null);
  } else if (answer.status >= 500) {
    openAiError(res, answer.status, answer.message ?? 'The server had an error while processing your request.', 'server_error', null);
  } else {
    openAiError(res, answer.status, answer.message ?? 'Invalid request', 'invalid_request_error', null);
  }
}

/** False when the request is acceptable; otherwise answers it with the error a real server would give. */
function openAiRejects(req: IncomingMessage, body: unknown, apiKey: string, res: ServerResponse): boolean {
  if (req.headers.authorization !== `Bearer ${apiKey}`) {
    openAiError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    return true;
  }
  const b = body as { model?: unknown; messages?: unknown } | null;
  if (typeof b?.model !== 'string' || b.model === '') {
    openAiError(res, 400, 'you must provide a model parameter', 'invalid_request_error', null);
    return true;
  }
  const roles = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
  if (
    !Array.isArray(b.messages) ||
    b.messages.length === 0 ||
    !b.messages.every(
      (m: { role?: unknown; content?: unknown }) => typeof m.role === 'string' && roles.has(m.role) && typeof m.content === 'string',
    )
  ) {
    openAiError(res, 400, "Invalid value for 'messages'.", 'invalid_request_error', null);
    return true;
  }
  return false;
}

function openAiAnswer(res: ServerResponse, body: { model: string }, content: string): void {
  send(res, 200, {
    id: id('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
  });
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages
// ---------------------------------------------------------------------------------------------

function anthropicError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  send(res, status, { type: 'error', error: { type, message }, request_id: id('req_') }, headers);
}

function anthropicScriptedError(res: ServerResponse, answer: Extract<LlmAnswer, { kind: 'error' }>): void {
  if (answer.status === 429) {
    anthropicError(res, 429, 'rate_limit_error', answer.message ?? 'Number of request tokens has exceeded your per-minute rate limit', {
      'retry-after': answer.retryAfter ?? '20',
    });
  } else if (answer.status === 529) {
    anthropicError(res, 529, 'overloaded_error', answer.message ?? 'Overloaded');
  } else if (answer.status >= 500) {
    anthropicError(res, answer.status, 'api_error', answer.message ?? 'Internal server error');
  } else {
    anthropicError(res, answer.status, 'invalid_request_error', answer.message ?? 'Invalid request');
  }
}

function anthropicRejects(req: IncomingMessage, body: unknown, apiKey: string, res: ServerResponse): boolean {
  if (req.headers['x-api-key'] !== apiKey) {
    anthropicError(res, 401, 'authentication_error', 'invalid x-api-key');
    return true;
  }
  const version = req.headers['anthropic-version'];
  if (typeof version !== 'string' || !ANTHROPIC_VERSIONS.has(version)) {
    anthropicError(res, 400, 'invalid_request_error', 'anthropic-version: header is required and must be a known version');
    return true;
  }
  const b = body as { model?: unknown; max_tokens?: unknown; messages?: unknown; system?: unknown } | null;
  if (typeof b?.model !== 'string' || b.model === '') {
    anthropicError(res, 400, 'invalid_request_error', 'model: Field required');
    return true;
  }
  if (typeof b.max_tokens !== 'number' || !Number.isInteger(b.max_tokens) || b.max_tokens < 1) {
    anthropicError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
    return true;
  }
  if (b.system !== undefined && typeof b.system !== 'string' && !Array.isArray(b.system)) {
    anthropicError(res, 400, 'invalid_request_error', 'system: Input should be a valid string or list');
    return true;
  }
  if (
    !Array.isArray(b.messages) ||
    b.messages.length === 0 ||
    !b.messages.every((m: { role?: unknown }) => m.role === 'user' || m.role === 'assistant')
  ) {
    anthropicError(
      res,
      400,
      'invalid_request_error',
      'messages: roles must be "user" or "assistant" (system goes in the top-level system parameter)',
    );
    return true;
  }
  return false;
}

interface AnthropicBody {
  model: string;
  tools?: { name: string }[];
  tool_choice?: { type: string; name?: string };
}

function anthropicAnswer(res: ServerResponse, body: AnthropicBody, content: unknown[], stopReason: 'end_turn' | 'tool_use'): void {
  send(res, 200, {
    id: id('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 140, output_tokens: 35 },
  });
}

/** The tool the request forces (tool_choice {type:'tool', name}), if any. */
function forcedTool(body: AnthropicBody): string | undefined {
  if (body.tool_choice?.type === 'tool' && typeof body.tool_choice.name === 'string') return body.tool_choice.name;
  if (body.tool_choice?.type === 'any') return body.tools?.[0]?.name;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export async function startLlmSandbox(
  format: LlmFormat,
  options: { apiKey?: string; defaultSignals?: Record<string, unknown> } = {},
): Promise<LlmSandbox> {
  const apiKey = options.apiKey ?? `sk-sandbox-${randomBytes(8).toString('hex')}`;
  const queue: LlmAnswer[] = [];
  const requests: LlmRecordedRequest[] = [];
  const path = format === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  let defaultSignals: Record<string, unknown> = { ...(options.defaultSignals ?? DEFAULT_SIGNALS) };

  const handle = (req: IncomingMessage, res: ServerResponse, record: LlmRecordedRequest): void => {
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
      if (format === 'openai')
        openAiError(res, 404, `Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url');
      else anthropicError(res, 404, 'not_found_error', `Not found: ${req.method} ${req.url}`);
      return;
    }
    if (record.body === undefined) {
      if (format === 'openai') openAiError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
      else anthropicError(res, 400, 'invalid_request_error', 'There was an issue with the JSON body');
      return;
    }
    if (format === 'openai' ? openAiRejects(req, record.body, apiKey, res) : anthropicRejects(req, record.body, apiKey, res)) return;

    const answer: LlmAnswer = queue.shift() ?? { kind: 'signals', signals: defaultSignals };
    switch (answer.kind) {
      case 'hang':
        if (answer.afterHeaders === true) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(
            format === 'openai'
              ? '{"id":"chatcmpl-stall","object":"chat.completion","choices":['
              : '{"id":"msg_stall","type":"message","content":[',
          );
        }
        return; // the socket stays open until the client gives up (or the sandbox closes)
      case 'raw':
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(answer.body);
        return;
      case 'error':
        if (format === 'openai') openAiScriptedError(res, answer);
        else anthropicScriptedError(res, answer);
        return;
      default:
        break;
    }
    if (format === 'openai') {
      const body = record.body as { model: string };
      if (answer.kind === 'tool_input') throw new Error('tool_input answers are Anthropic-only');
      openAiAnswer(res, body, answer.kind === 'signals' ? JSON.stringify(answer.signals) : answer.text);
      return;
    }
    const body = record.body as AnthropicBody;
    const tool = forcedTool(body);
    if (answer.kind === 'text') {
      anthropicAnswer(res, body, [{ type: 'text', text: answer.text }], 'end_turn');
    } else {
      const input = answer.kind === 'signals' ? answer.signals : answer.input;
      if (tool === undefined) anthropicAnswer(res, body, [{ type: 'text', text: JSON.stringify(input) }], 'end_turn');
      else anthropicAnswer(res, body, [{ type: 'tool_use', id: id('toolu_'), name: tool, input }], 'tool_use');
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let closedResolve!: () => void;
    const closed = new Promise<void>((resolve) => (closedResolve = resolve));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = undefined;
      }
      const record: LlmRecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body,
        status: undefined,
        closed,
        clientAborted: false,
      };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.clientAborted = true;
        closedResolve();
      });
      handle(req, res, record);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    format,
    baseUrl: format === 'openai' ? `${origin}/v1` : origin,
    origin,
    apiKey,
    requests,
    get defaultSignals() {
      return defaultSignals;
    },
    set defaultSignals(signals: Record<string, unknown>) {
      defaultSignals = signals;
    },
    script(...answers) {
      queue.push(...answers);
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const startOpenAiSandbox = (options?: { apiKey?: string; defaultSignals?: Record<string, unknown> }): Promise<LlmSandbox> =>
  startLlmSandbox('openai', options);
export const startAnthropicSandbox = (options?: { apiKey?: string; defaultSignals?: Record<string, unknown> }): Promise<LlmSandbox> =>
  startLlmSandbox('anthropic', options);
