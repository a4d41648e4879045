import { endpoints } from '../../../extensions/console/src/api/endpoints';
import { ApiError, createApiClient } from '../../../extensions/console/src/api/http';
import { redriveSummary, shortError } from '../../../extensions/console/src/lib/dead-letters';
import { NAV, parseRoute, routeHref } from '../../../extensions/console/src/lib/route';
import { deadLetter as letter } from '../../../extensions/console/test/dead-letter-fixture';

interface Call {
  url: string;
  method: string;
  body?: string;
}

function fakeFetch(answers: readonly { status: number; body: unknown }[], calls: Call[]) {
  let i = 0;
  return async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    calls.push({ url, method: init.method, ...(init.body === undefined ? {} : { body: init.body }) });
    const a = answers[Math.min(i++, answers.length - 1)] ?? { status: 500, body: {} };
    return { status: a.status, ok: a.status >= 200 && a.status < 300, text: async () => JSON.stringify(a.body) };
  };
}

describe('console: dead letters', () => {
  it('is a page of its own, in the navigation, at /console/dead-letters', () => {
    expect(parseRoute('/console/dead-letters')).toEqual({ page: 'dead-letters' });
    expect(routeHref({ page: 'dead-letters' })).toBe('/console/dead-letters');
    expect(NAV.find((n) => n.label === 'Dead letters')?.route).toEqual({ page: 'dead-letters' });
  });

  it('lists a page, redrives one and redrives all through the API with the key', async () => {
    const calls: Call[] = [];
    const api = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: fakeFetch(
          [
            { status: 200, body: { deadLetters: [letter('job_1')], nextCursor: 'c2' } },
            { status: 200, body: { id: 'job_1', status: 'pending', dueAt: '2026-11-23T10:00:00.000Z' } },
            { status: 200, body: { redriven: 3, ids: ['a', 'b', 'c'], remaining: 0 } },
          ],
          calls,
        ),
      }),
    );
    await expect(api.deadLettersPage({ limit: 25, cursor: 'c1' })).resolves.toEqual({ deadLetters: [letter('job_1')], nextCursor: 'c2' });
    await expect(api.redriveDeadLetter('job/1')).resolves.toMatchObject({ id: 'job_1', status: 'pending' });
    await expect(api.redriveAllDeadLetters()).resolves.toEqual({ redriven: 3, ids: ['a', 'b', 'c'], remaining: 0 });
    expect(calls).toEqual([
      { url: '/api/v1/dead-letters?limit=25&cursor=c1', method: 'GET' },
      { url: '/api/v1/dead-letters/job%2F1/redrive', method: 'POST', body: '{}' },
      { url: '/api/v1/dead-letters/redrive', method: 'POST', body: '{}' },
    ]);
  });

  it("turns a 409 (not dead any more) into the server's message", async () => {
    const api = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: fakeFetch([{ status: 409, body: { error: { code: 'not_dead', message: 'work job_1 is not dead' } } }], []),
      }),
    );
    const err = await api.redriveDeadLetter('job_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).failure).toMatchObject({ kind: 'http', status: 409, code: 'not_dead', message: 'work job_1 is not dead' });
  });

  it('summarises a bulk redrive and shortens long errors to one line', () => {
    expect(redriveSummary({ redriven: 0, ids: [], remaining: 0 })).toMatch(/no dead letters/);
    expect(redriveSummary({ redriven: 1, ids: ['a'], remaining: 0 })).toBe('Redrove 1 dead letter: they run again now.');
    expect(redriveSummary({ redriven: 500, ids: [], remaining: 20 })).toBe('Redrove 500 dead letters; 20 remain, press Redrive all again.');
    expect(shortError('Error: a\n   at b')).toBe('Error: a at b');
    expect(shortError('x'.repeat(400))).toHaveLength(300);
  });
});
