import { z } from 'zod';
import { decisionSubject, endpoints, phoneDigits, profileQueryFor } from '../../../extensions/console/src/api/endpoints';
import { ApiError, createApiClient, isMissingEndpoint, query } from '../../../extensions/console/src/api/http';
import { cardViewSchema, emptyCard } from '../../../app/contracts';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch that records each call and answers with the given status and body. */
function fakeFetch(status: number, body: unknown, calls: Call[] = []) {
  return Object.assign(
    async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
      calls.push({ url, ...init });
      return { status, ok: status >= 200 && status < 300, text: async () => (typeof body === 'string' ? body : JSON.stringify(body)) };
    },
    { calls },
  );
}

async function failureOf(p: Promise<unknown>): Promise<ApiError['failure']> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err.failure;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('console API client', () => {
  it('sends the API key as a Bearer token and JSON bodies, and returns the parsed answer', async () => {
    const calls: Call[] = [];
    const api = createApiClient({ apiKey: 'k_123', baseUrl: 'http://baton', fetch: fakeFetch(200, { n: 1, extra: true }, calls) });
    await expect(api.request('POST', '/things', z.looseObject({ n: z.number() }), { a: 1 })).resolves.toEqual({ n: 1, extra: true });
    expect(calls).toEqual([
      {
        url: 'http://baton/api/v1/things',
        method: 'POST',
        headers: { Authorization: 'Bearer k_123', Accept: 'application/json', 'Content-Type': 'application/json' },
        body: '{"a":1}',
      },
    ]);
  });

  it("turns the server's error envelope into an http failure with its code and message", async () => {
    const api = createApiClient({
      apiKey: 'k',
      fetch: fakeFetch(409, { error: { code: 'run_not_failed', message: 'run r1 is completed', details: { x: 1 } } }),
    });
    await expect(failureOf(api.request('POST', '/runs/r1/resume', z.unknown(), {}))).resolves.toEqual({
      kind: 'http',
      status: 409,
      code: 'run_not_failed',
      message: 'run r1 is completed',
      details: { x: 1 },
    });
  });

  it('names the endpoint and status when an error answer has no envelope (a proxy page, an empty body)', async () => {
    const api = createApiClient({ apiKey: 'k', fetch: fakeFetch(502, '<html>Bad gateway</html>') });
    await expect(failureOf(api.request('GET', '/lift?x=1', z.unknown()))).resolves.toEqual({
      kind: 'http',
      status: 502,
      code: 'http_502',
      message: 'GET /api/v1/lift failed with HTTP 502',
    });
  });

  it('reports a 2xx answer in the wrong shape as a contract failure naming the bad fields', async () => {
    const api = createApiClient({ apiKey: 'k', fetch: fakeFetch(200, { runs: [{ id: 7 }] }) });
    const f = await failureOf(endpoints(api).runs({}));
    expect(f.kind).toBe('contract');
    expect(f.message).toMatch(/^GET \/api\/v1\/runs answered in an unexpected shape: runs\.0\.id: /);
  });

  it('reports an unreachable server as a network failure', async () => {
    const api = createApiClient({ apiKey: 'k', fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(failureOf(api.request('GET', '/runs', z.unknown()))).resolves.toEqual({
      kind: 'network',
      message: 'could not reach Baton (Failed to fetch)',
    });
  });

  it('recognises a route the server does not have, and only that, as a missing endpoint', async () => {
    const missing = createApiClient({
      apiKey: 'k',
      fetch: fakeFetch(404, { error: { code: 'not_found', message: 'no route for GET /api/v1/lift' } }),
    });
    const notFound = createApiClient({
      apiKey: 'k',
      fetch: fakeFetch(404, { error: { code: 'run_not_found', message: 'no run "x" in your tenant' } }),
    });
    const lift = missing.request('GET', '/lift', z.unknown());
    await expect(lift).rejects.toBeInstanceOf(ApiError);
    expect(isMissingEndpoint(await lift.catch((e: unknown) => e))).toBe(true);
    expect(isMissingEndpoint(await notFound.request('GET', '/runs/x', z.unknown()).catch((e: unknown) => e))).toBe(false);
  });

  it('parses a record card with the shared card contract and rejects one that breaks it', async () => {
    const card = emptyCard(new Date('2026-11-30T12:00:00Z'));
    const ok = endpoints(createApiClient({ apiKey: 'k', fetch: fakeFetch(200, card) }));
    await expect(ok.card('p1')).resolves.toEqual(cardViewSchema.parse(card));
    const bad = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: fakeFetch(200, { ...card, hotness: { score: 180, trend: 'rising', updatedAt: card.generatedAt } }),
      }),
    );
    await expect(failureOf(bad.card('p1'))).resolves.toMatchObject({ kind: 'contract', endpoint: 'GET /api/v1/profiles/p1/card' });
  });

  it('escapes ids in paths and builds query strings from defined values only', async () => {
    const calls: Call[] = [];
    const api = endpoints(createApiClient({ apiKey: 'k', fetch: fakeFetch(200, { runs: [] }, calls) }));
    await api.runs({ status: 'failed', profileId: 'a/b c' });
    expect(calls[0]?.url).toBe('/api/v1/runs?status=failed&profileId=a%2Fb%20c&limit=100&order=newest');
    expect(query({ a: undefined, b: '', c: 0 })).toBe('?c=0');
    expect(query({})).toBe('');
  });

  it('reads policies wrapped as the server answers them (or bare), and saves the settings themselves', async () => {
    const calls: Call[] = [];
    const wrapped = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: fakeFetch(200, { policies: { holdout: { share: 0.2 } }, version: 3, updatedAt: null }, calls),
      }),
    );
    const policies = await wrapped.policies();
    expect(policies).toEqual({ holdout: { share: 0.2 } });
    await wrapped.savePolicies({ ...policies, holdout: { share: 0.1 } });
    expect([calls[1]?.method, JSON.parse(calls[1]?.body ?? '')]).toEqual(['PUT', { holdout: { share: 0.1 } }]);
    const bare = endpoints(
      createApiClient({ apiKey: 'k', fetch: fakeFetch(200, { holdout: { share: 0.05 }, quietHours: { enabled: false } }) }),
    );
    await expect(bare.policies()).resolves.toEqual({ holdout: { share: 0.05 }, quietHours: { enabled: false } });
  });

  it('accepts connections listed with id or connectionId, and lift series points named at or periodStart', async () => {
    const conns = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: fakeFetch(200, {
          connections: [
            { id: 'c1', type: 'zendesk', status: 'active' },
            { connectionId: 'c2', type: 'twilio' },
          ],
        }),
      }),
    );
    expect((await conns.connections()).map((c) => c.connectionId)).toEqual(['c1', 'c2']);
    const estimate = {
      treated: { decisions: 10, positives: 3, rate: 0.3 },
      control: { decisions: 10, positives: 2, rate: 0.2 },
      lift: 0.5,
      confidenceInterval: [-0.2, 1.2],
    };
    const lift = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: fakeFetch(200, { overall: estimate, perAction: [], series: [{ ...estimate, periodStart: '2026-11-01T00:00:00Z' }] }),
      }),
    );
    expect((await lift.lift()).series?.[0]?.at).toBe('2026-11-01T00:00:00Z');
  });

  it('chooses the profile search from what was typed', () => {
    expect(profileQueryFor(' ada@analytical.io ')).toEqual({ email: 'ada@analytical.io' });
    expect(profileQueryFor('+44 20 7946 0958')).toEqual({ phone: '+44 20 7946 0958' });
    expect(profileQueryFor('(415) 555-0134')).toEqual({ phone: '(415) 555-0134' });
    expect(profileQueryFor('Ada Lovelace')).toEqual({ q: 'Ada Lovelace' });
    expect(profileQueryFor('agent 007')).toEqual({ q: 'agent 007' });
  });

  it('reduces a phone in any format to the digits inside its E.164 form', () => {
    expect(phoneDigits('+1 (415) 555-0100')).toBe('14155550100');
    expect(phoneDigits('(415) 555-0100')).toBe('4155550100');
    expect(phoneDigits('020 7946 0958')).toBe('2079460958');
    expect(phoneDigits('0044 20 7946 0958')).toBe('442079460958');
    expect('+442079460958').toContain(phoneDigits('020 7946 0958'));
  });

  it('searches a phone by its digits, and exactly only when it has a country code; each profile once', async () => {
    const linus = { id: 'p1', name: 'Linus Pauling', identifiers: [{ type: 'phone', scope: null, value: '+14155550100' }] };
    const calls: Call[] = [];
    const api = endpoints(createApiClient({ apiKey: 'k', fetch: fakeFetch(200, { profiles: [linus] }, calls) }));
    expect(await api.searchProfiles(profileQueryFor('(415) 555-0100'))).toEqual([linus]);
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/profiles?q=4155550100&limit=20']);
    calls.length = 0;
    expect(await api.searchProfiles(profileQueryFor('+1 (415) 555-0100'))).toEqual([linus]);
    expect(calls.map((c) => c.url).sort()).toEqual([
      '/api/v1/profiles?phone=%2B1%20(415)%20555-0100&limit=20',
      '/api/v1/profiles?q=14155550100&limit=20',
    ]);
    // A malformed international number the server refuses (400) still gets the digit search.
    const refusing = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: async (url) =>
          url.includes('phone=')
            ? {
                status: 400,
                ok: false,
                text: async () => JSON.stringify({ error: { code: 'invalid_identifier', message: 'not a usable phone' } }),
              }
            : { status: 200, ok: true, text: async () => JSON.stringify({ profiles: [linus] }) },
      }),
    );
    expect(await refusing.searchProfiles(profileQueryFor('+1 415 555 01'))).toEqual([linus]);
    // Other failures are not swallowed.
    const down = endpoints(createApiClient({ apiKey: 'k', fetch: fakeFetch(500, { error: { code: 'internal', message: 'boom' } }) }));
    expect((await failureOf(down.searchProfiles(profileQueryFor('+1 (415) 555-0100')))).kind).toBe('http');
  });

  it('asks for a decision by profile id, or by the email or phone typed', () => {
    expect(decisionSubject(' prof_123 ')).toEqual({ profileId: 'prof_123' });
    expect(decisionSubject('ada@analytical.io')).toEqual({ identifiers: [{ type: 'email', value: 'ada@analytical.io' }] });
    expect(decisionSubject('+44 20 7946 0958')).toEqual({ identifiers: [{ type: 'phone', value: '+44 20 7946 0958' }] });
    expect(decisionSubject('legacy-id-7')).toEqual({ profileId: 'legacy-id-7' });
  });

  it('pages runs with the cursor the server returned', async () => {
    const calls: Call[] = [];
    const api = endpoints(createApiClient({ apiKey: 'k', fetch: fakeFetch(200, { runs: [], nextCursor: 'abc' }, calls) }));
    expect((await api.runsPage({ status: 'waiting', limit: 25, cursor: 'xyz' })).nextCursor).toBe('abc');
    expect(calls[0]?.url).toBe('/api/v1/runs?status=waiting&limit=25&cursor=xyz&order=newest');
  });
});
