/**
 * The LLM signal provider against local servers speaking the OpenAI-compatible and Anthropic Messages wire formats
 * (test/sandboxes/llm), not a mocked fetch: valid answers become the signals; the request carries the right
 * endpoint, headers, auth and model, and the message text leaves redacted; timeouts, 429, 5xx/529 and every kind of
 * malformed answer fall back to the offline model, whole (never a partially applied answer), within the time budget.
 */
import { OfflineSignalExtractor, type Signals } from '../../app/signals';
import { LlmSignalExtractor, type LlmProviderConfig } from '../../connectors/llm';
import { parseConfig } from '../../server/config';
import { signalExtractorFor } from '../../connectors/llm';
import { createLogger } from '../../server/observability/logger';
import { startLlmSandbox, type LlmAnswer, type LlmFormat, type LlmSandbox } from '../sandboxes/llm';

jest.setTimeout(30_000);

const TIMEOUT_MS = 300;
/** Generous allowance over the configured timeout for a loaded CI box; still far below any retry-after. */
const BUDGET_MS = TIMEOUT_MS + 2_500;

const offline = new OfflineSignalExtractor();
// The offline models are parsed on their first use (a few hundred ms, seconds on a loaded CI box): parse
// them before any timed fallback, so the budgets time the fallback, not that one-time load.
beforeAll(async () => {
  await offline.extract(TEXT);
});

const VALID = { intent: 'cancellation', intentConfidence: 0.91, sentiment: -0.55, urgency: 'high', language: 'en' } as const;
const EXPECTED_VALID: Signals = {
  intent: 'cancellation',
  intentConfidence: 0.91,
  sentiment: -0.55,
  sentimentLabel: 'negative',
  urgency: 'high',
  language: 'en',
};

const TEXT = 'The onboarding was lovely, thanks, but I need help exporting my invoices before Friday.';

interface Harness {
  readonly extractor: LlmSignalExtractor;
  readonly fallbacks: unknown[];
  readonly fallbackTexts: string[];
}

function harness(sandbox: LlmSandbox, overrides: Partial<LlmProviderConfig> = {}): Harness {
  const fallbacks: unknown[] = [];
  const fallbackTexts: string[] = [];
  const config: LlmProviderConfig = {
    kind: sandbox.format,
    baseUrl: sandbox.baseUrl,
    apiKey: sandbox.apiKey,
    model: `${sandbox.format}-sandbox-model`,
    timeoutMs: TIMEOUT_MS,
    ...overrides,
  };
  const extractor = new LlmSignalExtractor(config, {
    fallback: {
      extract: async (text, opts) => {
        fallbackTexts.push(text);
        return offline.extract(text, opts);
      },
    },
    onFallback: (error) => fallbacks.push(error),
  });
  return { extractor, fallbacks, fallbackTexts };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

/** Malformed assistant text, for both formats (OpenAI: message content; Anthropic: a text block instead of the forced tool call). */
const MALFORMED_TEXT: readonly (readonly [string, string])[] = [
  ['prose, not JSON', 'The customer clearly wants to cancel; urgency is high.'],
  ['prose around the JSON', `Sure! Here is the classification:\n${JSON.stringify(VALID)}\nLet me know if you need anything else.`],
  ['JSON missing required fields', JSON.stringify({ intent: 'cancellation', sentiment: -0.5 })],
  ['out-of-range confidence and sentiment', JSON.stringify({ ...VALID, intentConfidence: 1.7, sentiment: -3 })],
  ['an intent outside the canonical list', JSON.stringify({ ...VALID, intent: 'wants_refund_now' })],
  ['numbers as strings', JSON.stringify({ ...VALID, intentConfidence: '0.9', sentiment: '-0.5' })],
  ['a bad optional field (language)', JSON.stringify({ ...VALID, language: 'English' })],
  ['truncated JSON', JSON.stringify(VALID).slice(0, 40)],
  ['an empty answer', ''],
  ['a JSON array', JSON.stringify([VALID])],
  ['JSON null', 'null'],
];

/** Broken HTTP answers, for both formats. */
const BROKEN_HTTP: readonly (readonly [string, LlmAnswer])[] = [
  [
    'an HTML page with status 200',
    { kind: 'raw', status: 200, body: '<html><body>Gateway says hi</body></html>', headers: { 'content-type': 'text/html' } },
  ],
  ['a truncated envelope', { kind: 'raw', status: 200, body: '{"id":"x","choices":[{"message":{"content":"{\\"intent\\"' }],
  ['an empty JSON object', { kind: 'raw', status: 200, body: '{}' }],
  ['JSON null', { kind: 'raw', status: 200, body: 'null' }],
  ['an empty body', { kind: 'raw', status: 200, body: '' }],
  ['a 400 invalid request', { kind: 'error', status: 400 }],
];

const ERRORS: Record<LlmFormat, readonly number[]> = { openai: [500, 502, 503], anthropic: [500, 529] };

describe.each<LlmFormat>(['openai', 'anthropic'])('LLM signal provider against a local %s server', (format) => {
  let sandbox: LlmSandbox;

  beforeAll(async () => {
    sandbox = await startLlmSandbox(format, { defaultSignals: { ...VALID } });
    // One call with a long timeout first: the suite's first request pays for cold code paths (HTTP
    // client, redaction, parsing), which on a loaded CI box took longer than the 300 ms the tests give
    // the provider, so the first test fell back to the offline model and its late request leaked into
    // the next test. beforeEach resets the sandbox's record of it.
    await harness(sandbox, { timeoutMs: 10_000 }).extractor.extract(TEXT);
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  it('turns a valid answer into the signals, without touching the offline model', async () => {
    const h = harness(sandbox);
    await expect(h.extractor.extract(TEXT)).resolves.toEqual(EXPECTED_VALID);
    expect(h.fallbacks).toEqual([]);
    expect(h.fallbackTexts).toEqual([]);

    sandbox.script({ kind: 'signals', signals: { intent: 'positive_feedback', intentConfidence: 0.8, sentiment: 0.7, urgency: 'low' } });
    await expect(h.extractor.extract(TEXT)).resolves.toEqual({
      intent: 'positive_feedback',
      intentConfidence: 0.8,
      sentiment: 0.7,
      sentimentLabel: 'positive',
      urgency: 'low',
    });
    expect(h.fallbacks).toEqual([]);
    expect(sandbox.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('sends the right endpoint, headers, auth and model', async () => {
    const h = harness(sandbox);
    await h.extractor.extract(TEXT);
    expect(sandbox.requests).toHaveLength(1);
    const [request] = sandbox.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    const body = request?.body as Record<string, unknown>;
    expect(body['model']).toBe(`${format}-sandbox-model`);
    expect(body['temperature']).toBe(0);
    if (format === 'openai') {
      expect(request?.path).toBe('/v1/chat/completions');
      expect(request?.headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
      expect(request?.headers['x-api-key']).toBeUndefined();
      expect(body['response_format']).toMatchObject({
        type: 'json_schema',
        json_schema: { name: 'customer_signals', schema: { type: 'object' } },
      });
      const messages = body['messages'] as { role: string; content: string }[];
      expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(messages[1]?.content).toContain(TEXT);
    } else {
      expect(request?.path).toBe('/v1/messages');
      expect(request?.headers['x-api-key']).toBe(sandbox.apiKey);
      expect(request?.headers['anthropic-version']).toBe('2023-06-01');
      expect(request?.headers.authorization).toBeUndefined();
      expect(typeof body['max_tokens']).toBe('number');
      expect(typeof body['system']).toBe('string');
      expect(body['tool_choice']).toEqual({ type: 'tool', name: 'record_signals' });
      const messages = body['messages'] as { role: string; content: string }[];
      expect(messages.map((m) => m.role)).toEqual(['user']);
      expect(messages[0]?.content).toContain(TEXT);
    }
  });

  it("never sends emails, phone numbers, a card number or the person's known names", async () => {
    const h = harness(sandbox);
    const text =
      "Hi, I'm Zofia Kowalczyk. Reach me at zofia.kowalczyk@example.com or +44 20 7946 0958. " +
      'My card 4111 1111 1111 1111 was charged twice and Zofia is furious; cancel my subscription now!';
    await expect(h.extractor.extract(text, { knownNames: ['Zofia', 'Kowalczyk'] })).resolves.toEqual(EXPECTED_VALID);
    expect(sandbox.requests).toHaveLength(1);
    const raw = sandbox.requests[0]?.raw ?? '';
    for (const secret of ['Zofia', 'zofia', 'Kowalczyk', 'kowalczyk', 'example.com', '7946', '0958', '4111', '1111'])
      expect(raw).not.toContain(secret);
    expect(raw.replace(/\D/g, '')).not.toMatch(/4111111111111111|442079460958/);
    expect(raw).toContain('[EMAIL]');
    expect(raw).toContain('[NAME]');
    expect(raw).toContain('cancel my subscription now!');
  });

  it('never sends a fragment of an identifier when a long text is cut to maxTextChars', async () => {
    const h = harness(sandbox, { maxTextChars: 80 });
    const lead = 'Please cancel my plan, it is urgent. You can write to me at ';
    const text = `${lead}zofia.kowalczyk@example.com, or call Zofia Kowalczyk on +44 20 7946 0958.`;
    // The cut (80 characters) falls inside the email address.
    expect(text.slice(0, 80)).toMatch(/zofia\.kowalczyk@exam$/);
    await h.extractor.extract(text, { knownNames: ['Zofia Kowalczyk'] });
    const raw = sandbox.requests[0]?.raw ?? '';
    expect(raw).toContain('Please cancel my plan');
    expect(raw).not.toMatch(/zofia|kowalczyk|exam/i);
  });

  it('falls back to the offline model when the server does not answer within the timeout', async () => {
    const h = harness(sandbox);
    sandbox.script({ kind: 'hang' });
    const { value, ms } = await timed(() => h.extractor.extract(TEXT));
    expect(value).toEqual(await offline.extract(TEXT));
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(h.fallbacks).toHaveLength(1);
    // The client hung up on the server: the timeout is enforced on the connection, not just on the promise.
    await sandbox.requests[0]?.closed;
    expect(sandbox.requests[0]?.clientAborted).toBe(true);
  });

  it('falls back within the timeout when the server sends headers and then stalls mid-body', async () => {
    const h = harness(sandbox);
    sandbox.script({ kind: 'hang', afterHeaders: true });
    const { value, ms } = await timed(() => h.extractor.extract(TEXT));
    expect(value).toEqual(await offline.extract(TEXT));
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(h.fallbacks).toHaveLength(1);
    await sandbox.requests[0]?.closed;
    expect(sandbox.requests[0]?.clientAborted).toBe(true);
  });

  it('falls back at once on 429, without waiting for retry-after or retrying', async () => {
    const h = harness(sandbox);
    sandbox.script({ kind: 'error', status: 429, retryAfter: '30' });
    const { value, ms } = await timed(() => h.extractor.extract(TEXT));
    expect(value).toEqual(await offline.extract(TEXT));
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(sandbox.requests.map((r) => r.status)).toEqual([429]);
    expect(String(h.fallbacks[0])).toContain('429');
    // The next message goes to the provider again (no sticky state) and gets its answer.
    await expect(h.extractor.extract(TEXT)).resolves.toEqual(EXPECTED_VALID);
  });

  it.each(ERRORS[format])('falls back on HTTP %i', async (status) => {
    const h = harness(sandbox);
    sandbox.script({ kind: 'error', status });
    const { value, ms } = await timed(() => h.extractor.extract(TEXT));
    expect(value).toEqual(await offline.extract(TEXT));
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(sandbox.requests.map((r) => r.status)).toEqual([status]);
    expect(h.fallbacks).toHaveLength(1);
  });

  it('falls back when the API key is rejected (401)', async () => {
    const h = harness(sandbox, { apiKey: 'sk-wrong' });
    await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
    expect(sandbox.requests.map((r) => r.status)).toEqual([401]);
  });

  it.each(MALFORMED_TEXT)('falls back, whole, when the assistant answers %s', async (_label, text) => {
    const h = harness(sandbox);
    sandbox.script({ kind: 'text', text });
    await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
    expect(sandbox.requests.map((r) => r.status)).toEqual([200]);
    expect(h.fallbacks).toHaveLength(1);
    expect(h.fallbackTexts).toEqual([TEXT]);
  });

  it.each(BROKEN_HTTP)('falls back, whole, on %s', async (_label, answer) => {
    const h = harness(sandbox);
    sandbox.script(answer);
    await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
    expect(h.fallbacks).toHaveLength(1);
  });

  if (format === 'openai') {
    it('falls back on an empty choices list and on a refusal', async () => {
      const h = harness(sandbox);
      sandbox.script(
        { kind: 'raw', status: 200, body: JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] }) },
        {
          kind: 'raw',
          status: 200,
          body: JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 1,
            model: 'm',
            choices: [
              { index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' },
            ],
          }),
        },
      );
      await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
      await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
      expect(h.fallbacks).toHaveLength(2);
    });

    it('accepts a fenced JSON answer (```json … ```)', async () => {
      const h = harness(sandbox);
      sandbox.script({ kind: 'text', text: `\`\`\`json\n${JSON.stringify(VALID)}\n\`\`\`` });
      await expect(h.extractor.extract(TEXT)).resolves.toEqual(EXPECTED_VALID);
      expect(h.fallbacks).toEqual([]);
    });
  } else {
    it.each<readonly [string, unknown]>([
      ['missing fields', { intent: 'cancellation' }],
      ['out-of-range values', { ...VALID, intentConfidence: 2, sentiment: 1.5 }],
      ['the JSON as a string', JSON.stringify(VALID)],
      ['null', null],
    ])('falls back, whole, when the tool input has %s', async (_label, input) => {
      const h = harness(sandbox);
      sandbox.script({ kind: 'tool_input', input });
      await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
      expect(h.fallbacks).toHaveLength(1);
    });

    it('falls back on an empty content list', async () => {
      const h = harness(sandbox);
      sandbox.script({
        kind: 'raw',
        status: 200,
        body: JSON.stringify({
          id: 'msg_x',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          stop_reason: 'end_turn',
          usage: { input_tokens: 1, output_tokens: 0 },
        }),
      });
      await expect(h.extractor.extract(TEXT)).resolves.toEqual(await offline.extract(TEXT));
      expect(h.fallbacks).toHaveLength(1);
    });
  }

  it('is chosen from the LLM_* configuration, honouring LLM_TIMEOUT_MS, and logs each fallback', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
    const config = parseConfig({
      LLM_PROVIDER: format,
      LLM_BASE_URL: sandbox.baseUrl,
      LLM_API_KEY: sandbox.apiKey,
      LLM_MODEL: 'configured-model',
      LLM_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    const { extractor, name } = signalExtractorFor(config.llm, logger);
    expect(name).toBe(format);

    await expect(extractor.extract(TEXT)).resolves.toEqual(EXPECTED_VALID);
    expect((sandbox.requests[0]?.body as { model?: string }).model).toBe('configured-model');
    expect(lines).toEqual([]);

    sandbox.script({ kind: 'hang' });
    const { value, ms } = await timed(() => extractor.extract(TEXT));
    expect(value).toEqual(await offline.extract(TEXT));
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('LLM signal extraction failed');
    // The log line names the failure, never the customer's text.
    expect(lines[0]).not.toContain('exporting my invoices');
  });
});
