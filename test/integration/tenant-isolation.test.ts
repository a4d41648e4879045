/**
 * One tenant's key can neither read nor write another tenant's data through ANY endpoint of the
 * public API. The routes are not listed by hand: every route of every module's API router is walked,
 * so a capability that lands later is covered without touching this test.
 */
import type { Router } from 'express';
import { createTenant } from '../../server/tenants/tenants.repository';
import { startTestService, type TestService } from '../support/runtime';

interface RouteInfo {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) of an Express 5 router, following nested routers and their mount paths. */
function routesOf(router: { stack?: Layer[] }, prefix = ''): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of router.stack ?? []) {
    if (layer.route !== undefined) {
      for (const method of Object.keys(layer.route.methods)) out.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
    } else if (layer.handle?.stack !== undefined) {
      const mount = layer.rawPath === undefined || layer.rawPath === '/' ? '' : layer.rawPath;
      out.push(...routesOf(layer.handle, prefix + mount));
    }
  }
  return out;
}

const EMAIL = 'isolated.person@tenant-a.example';

describe('tenant isolation across every public API route (embedded)', () => {
  let svc: TestService;
  let a: { tenantId: string; apiKey: string };
  let b: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    svc = await startTestService('embedded');
    a = await createTenant(svc.runtime.db, 'Tenant A');
    b = await createTenant(svc.runtime.db, 'Tenant B');
  });
  afterAll(async () => svc.stop());

  async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${svc.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(15_000),
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    return { status: res.status, text: await res.text() };
  }

  it("gives tenant B nothing of tenant A's, and A's data is intact afterwards", async () => {
    // Tenant A's data: an event and its profile, the sample playbooks, a run.
    const ingest = await call(a.apiKey, 'POST', '/events', {
      source: 'api',
      type: 'message.received',
      occurredAt: '2026-11-23T10:00:00Z',
      subject: { identifiers: [{ type: 'email', value: EMAIL }], traits: { firstName: 'Isolde' } },
      text: 'Please call me back about the renewal',
    });
    expect(ingest.status).toBe(202);
    const { eventId, profileId } = JSON.parse(ingest.text) as { eventId: string; profileId: string };
    // The samples stay drafts here (nothing is connected to carry out their steps): A runs a playbook of its own.
    const playbooks = JSON.parse((await call(a.apiKey, 'GET', '/playbooks')).text) as { playbooks: { id: string; status: string }[] };
    expect(playbooks.playbooks.map((p) => p.status)).toEqual(['draft', 'draft']);
    const playbookId = 'iso-wait';
    expect(
      (
        await call(a.apiKey, 'POST', '/playbooks', {
          id: playbookId,
          name: 'Isolated wait',
          steps: [{ id: 'w', kind: 'wait', wait: { type: 'duration', duration: '1h' } }],
        })
      ).status,
    ).toBe(201);
    expect((await call(a.apiKey, 'POST', `/playbooks/${playbookId}/publish`, {})).status).toBe(200);
    const run = await call(a.apiKey, 'POST', '/runs', { playbookId, profileId });
    expect(run.status).toBeLessThan(300);
    const runId = (JSON.parse(run.text) as { id?: string; runId?: string }).id ?? (JSON.parse(run.text) as { runId?: string }).runId ?? '';
    expect(runId).not.toBe('');
    // The parts of A's profile that only A's own events can change (time in stage, hotness move on their own).
    const stableProfile = async (): Promise<unknown> => {
      const p = JSON.parse((await call(a.apiKey, 'GET', `/profiles/${profileId}`)).text) as {
        id: string;
        identities: unknown;
        records: unknown;
        journey?: { stage: string };
      };
      return { id: p.id, identities: p.identities, records: p.records, stage: p.journey?.stage };
    };
    const before = {
      profile: await stableProfile(),
      run: (await call(a.apiKey, 'GET', `/runs/${runId}`)).status,
      event: (await call(a.apiKey, 'GET', `/events/${eventId}`)).status,
    };
    expect(before.run).toBe(200);
    expect(before.event).toBe(200);

    const secrets = [eventId, profileId, runId, EMAIL, a.tenantId];
    const ids = [eventId, profileId, runId, playbookId];
    const routes = [
      { method: 'POST', path: '/events' },
      { method: 'GET', path: '/events/:eventId' },
      ...svc.runtime.modules.flatMap((m) => (m.api === undefined ? [] : routesOf(m.api as Router & { stack?: Layer[] }))),
    ];
    expect(routes.length).toBeGreaterThan(10);

    const leaks: string[] = [];
    const aIds = [eventId, profileId, runId];
    const bodies: unknown[] = [{}, { profileId, runId, playbookId, eventId, identifiers: [{ type: 'email', value: EMAIL }] }];
    for (const route of routes) {
      const paths = route.path.includes(':') ? ids.map((id) => route.path.replace(/:[A-Za-z_]+/g, id)) : [route.path];
      for (const path of paths) {
        for (const body of route.method === 'GET' ? [undefined] : bodies) {
          const sent = `${path} ${JSON.stringify(body ?? {})}`;
          const r = await call(b.apiKey, route.method, path, body).catch((err: unknown) => ({
            status: 0,
            text: `no answer: ${String(err)}`,
          }));
          const where = `${route.method} ${path} ${body === undefined ? '' : JSON.stringify(body)} → ${r.status}`;
          if (r.status === 0 || r.status === 500) leaks.push(`${where} ${r.text.slice(0, 200)}`);
          // Something of A's that B did not name itself (an echo of B's own request is not a leak).
          const shown = secrets.filter((x) => r.text.includes(x) && !sent.includes(x));
          if (shown.length > 0) leaks.push(`${where} shows ${shown.join(', ')}`);
          // Reading or acting on A's resource by id (in the path, or in the body of a write) must not succeed.
          const named = route.method === 'DELETE' ? path : sent;
          if (r.status >= 200 && r.status < 300 && aIds.some((x) => named.includes(x))) leaks.push(`${where}: succeeded on tenant A's id`);
        }
      }
    }
    expect(leaks).toEqual([]);

    // Nothing B sent changed A's data.
    expect(await stableProfile()).toEqual(before.profile);
    expect((await call(a.apiKey, 'GET', `/runs/${runId}`)).status).toBe(200);
    expect((await call(a.apiKey, 'GET', `/events/${eventId}`)).status).toBe(200);
  }, 300_000);
});
