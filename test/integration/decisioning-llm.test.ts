import { cardsModule } from '../../server/cards/cards.module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { ingest } from '../support/decisioning-helpers';
import { startTestService, type TestService } from '../support/runtime';
import { apiClient, type ApiClient } from '../support/runs-helpers';

jest.setTimeout(180_000);

/** A local OpenAI-compatible chat-completions stub: answers with `answer` (or fails while `failing`). */
function startStub(): Promise<{ url: string; prompts: string[]; state: { failing: boolean }; close(): Promise<void> }> {
  const prompts: string[] = [];
  const state = { failing: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: { role: string; content: string }[] };
      prompts.push(body.messages.find((m) => m.role === 'user')?.content ?? '');
      if (state.failing) {
        res.writeHead(503).end('{"error":"overloaded"}');
        return;
      }
      const content = JSON.stringify({ intent: 'cancellation', intentConfidence: 0.93, sentiment: -0.6, urgency: 'high' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        prompts,
        state,
        close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
      });
    }),
  );
}

describe('decisioning with an LLM signal provider (embedded)', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  let svc: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    stub = await startStub();
    svc = await startTestService(
      'embedded',
      { modules: [identityModule, decisioningModuleWith({ expiryIntervalMs: 0 }), cardsModule] },
      { LLM_PROVIDER: 'openai', LLM_BASE_URL: stub.url, LLM_MODEL: 'stub-model', LLM_TIMEOUT_MS: '3000' },
    );
    api = apiClient(svc.url, (await createTenant(svc.runtime.db, 'LLM')).apiKey);
  });
  afterAll(async () => {
    await svc.stop();
    await stub.close();
  });

  it('uses the provider for signals, without the PII, and falls back to the offline model when it fails', async () => {
    const p = await ingest(api, 'llm.person@acme.io', 'message.received', {
      text: 'Hello, this is llm.person@acme.io, call me on +1 415 555 0134 about my account',
    });
    const signals = await svc.runtime.db.query<{ intent: string; urgency: string; extractor: string }>(
      'SELECT intent, urgency, extractor FROM event_signals WHERE profile_id = $1',
      [p.profileId],
    );
    expect(signals.rows).toEqual([{ intent: 'cancellation', urgency: 'high', extractor: 'openai' }]);
    expect(stub.prompts[0]).not.toMatch(/llm\.person@acme\.io|555 0134/);

    stub.state.failing = true;
    await ingest(api, 'llm.person@acme.io', 'message.received', { text: 'Thanks a lot, the onboarding was great' });
    const profile = await api.call<{ signals: { intent: string }[] }>('GET', `/profiles/${p.profileId}`);
    expect(profile.body.signals.map((s) => s.intent)).toEqual(['positive_feedback', 'cancellation']);
  });

  it("redacts the person's own names (from the event traits) and their street address before the text leaves", async () => {
    stub.state.failing = false;
    const before = stub.prompts.length;
    await ingest(api, 'zoe.k@acme.io', 'message.received', {
      text: 'Zoe here. Please send the replacement to 42 Baker Street, Kowalczyk household, I am so annoyed',
      traits: { firstName: 'Zoe', lastName: 'Kowalczyk' },
    });
    const prompt = stub.prompts[before] ?? '';
    expect(prompt).toContain('I am so annoyed');
    expect(prompt).not.toMatch(/zoe|Kowalczyk|42 Baker Street/i);
  });
});
