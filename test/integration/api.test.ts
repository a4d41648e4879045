import request from 'supertest';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

const event = (overrides: Record<string, unknown> = {}) => ({
  source: 'api',
  type: 'message.received',
  occurredAt: '2026-11-23T10:00:00Z',
  subject: { identifiers: [{ type: 'email', value: 'ada@example.com' }], traits: { firstName: 'Ada' } },
  text: 'Could we book a demo next week?',
  ...overrides,
});

for (const { mode, needs } of modes) {
  describeWith(needs, `public API (${mode})`, () => {
    let svc: TestService;
    let a: { tenantId: string; apiKey: string };
    let b: { tenantId: string; apiKey: string };
    beforeAll(async () => {
      svc = await startTestService(mode);
      a = await createTenant(svc.runtime.db, 'Tenant A');
      b = await createTenant(svc.runtime.db, 'Tenant B');
    });
    afterAll(async () => svc.stop());
    const http = () => request(svc.url);

    it('serves health, readiness and metrics', async () => {
      expect((await http().get('/healthz')).body).toEqual({ status: 'ok' });
      const ready = await http().get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.map((c: { name: string; ok: boolean }) => c.ok)).toEqual([true, true]);
      await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ id: 'metrics-1' }));
      const metrics = await http().get('/metrics');
      expect(metrics.text).toMatch(/baton_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/events"/);
      expect(metrics.text).toMatch(/baton_events_ingested_total\{source="api",outcome="stored"\} [1-9]/);
      expect(metrics.text).toMatch(/baton_queue_depth\{state="pending"\}/);
    });

    it('refuses requests without a valid key, with an actionable message', async () => {
      const none = await http().post('/api/v1/events').send(event());
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect(none.body.error.message).toMatch(/Authorization: Bearer/);
      const wrong = await http()
        .post('/api/v1/events')
        .set('authorization', 'Bearer bk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
        .send(event());
      expect(wrong.status).toBe(401);
    });

    it('stores an event, answers 202, and processes it through the dispatcher', async () => {
      const res = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ id: 'e-1' }));
      expect(res.status).toBe(202);
      expect(res.body).toEqual(expect.objectContaining({ eventId: expect.stringMatching(/^evt_/), duplicate: false }));
      expect(res.headers['x-request-id']).toBeDefined();
      const processed = await waitFor(async () => {
        const r = await http().get(`/api/v1/events/${res.body.eventId}`).set('authorization', `Bearer ${a.apiKey}`);
        return r.body.processedAt !== null ? r.body : undefined;
      }, 'the event to be processed');
      expect(processed).toEqual(expect.objectContaining({ source: 'api', sourceEventId: 'e-1', text: 'Could we book a demo next week?' }));
    });

    it('stores a duplicate submission once', async () => {
      const first = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ id: 'dup-1' }));
      const second = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ id: 'dup-1', text: 'changed' }));
      expect(second.status).toBe(202);
      expect(second.body).toEqual(expect.objectContaining({ eventId: first.body.eventId, duplicate: true }));
      const noId1 = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ text: 'same content' }));
      const noId2 = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ text: 'same content' }));
      expect(noId2.body.eventId).toBe(noId1.body.eventId);
      const rows = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND source_event_id = 'dup-1'`,
        [a.tenantId],
      );
      expect(rows.rows[0]?.n).toBe(1);
      const jobs = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND payload->>'eventId' = $2`,
        [a.tenantId, first.body.eventId],
      );
      expect(jobs.rows[0]?.n).toBe(1);
    });

    it('answers bad input with a 4xx envelope naming the problem, and stores nothing', async () => {
      const before = await svc.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      const bad = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ occurredAt: 'yesterday', subject: { identifiers: [] } }));
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_request');
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['occurredAt', 'subject.identifiers']);
      const json = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .set('content-type', 'application/json')
        .send('{"source":');
      expect(json.status).toBe(400);
      expect(json.body.error.code).toBe('invalid_json');
      const big = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ properties: { blob: 'x'.repeat(1_100_000) } }));
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
      const after = await svc.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
      const unknown = await http().get('/api/v1/nothing-here').set('authorization', `Bearer ${a.apiKey}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');
    });

    it("never lets one tenant read or write another tenant's data", async () => {
      const mine = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${a.apiKey}`)
        .send(event({ id: 'private-1', text: 'A only' }));
      expect((await http().get(`/api/v1/events/${mine.body.eventId}`).set('authorization', `Bearer ${a.apiKey}`)).status).toBe(200);
      const peek = await http().get(`/api/v1/events/${mine.body.eventId}`).set('authorization', `Bearer ${b.apiKey}`);
      expect(peek.status).toBe(404);
      expect(JSON.stringify(peek.body)).not.toContain('A only');
      // The same source event id in B is B's own event, not a duplicate of A's.
      const theirs = await http()
        .post('/api/v1/events')
        .set('authorization', `Bearer ${b.apiKey}`)
        .send(event({ id: 'private-1', text: 'B only' }));
      expect(theirs.body.duplicate).toBe(false);
      expect(theirs.body.eventId).not.toBe(mine.body.eventId);
      const aStill = await http().get(`/api/v1/events/${mine.body.eventId}`).set('authorization', `Bearer ${a.apiKey}`);
      expect(aStill.body.text).toBe('A only');
      // A tenant id in the body or query is ignored: the key decides.
      const spoof = await http()
        .post(`/api/v1/events?tenantId=${a.tenantId}`)
        .set('authorization', `Bearer ${b.apiKey}`)
        .send({ ...event({ id: 'spoof-1' }), tenantId: a.tenantId });
      expect(spoof.status).toBe(400); // unknown field tenantId is not part of the canonical event
      const rows = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND source_event_id = 'spoof-1'`,
        [a.tenantId],
      );
      expect(rows.rows[0]?.n).toBe(0);
    });
  });
}
