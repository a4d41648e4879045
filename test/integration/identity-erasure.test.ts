/**
 * Privacy erasure reaches every module: DELETE /api/v1/profiles/:id erases the identity graph and the
 * person's events, then calls each loaded module's `erase` hook in the same transaction, with every
 * profile id the person had (merged profiles included) and the erasure setting on.
 */
import type { Queryable } from '../../server/db/database';
import type { ModuleFactory } from '../../server/module';
import { modules } from '../../server/modules';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

interface Seen {
  tenantId: string;
  profileIds: readonly string[];
  erasureSetting: string;
  eventsLeft: number;
  ownRowsBefore: number;
}

/** A module keeping data about profiles (as decisioning or runs do), erased through the hook. */
function probeModule(seen: Seen[], fail: { on: boolean }): ModuleFactory {
  return (ctx) => ({
    name: 'erasure-probe',
    async start() {
      await ctx.db.query('CREATE TABLE IF NOT EXISTS erasure_probe (tenant_id text NOT NULL, profile_id text NOT NULL)');
    },
    async erase(tx: Queryable, tenantId: string, profileIds: readonly string[]) {
      const setting = await tx.query<{ s: string | null }>(`SELECT current_setting('baton.erasure', true) AS s`);
      const events = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND profile_id = ANY($2::text[])',
        [tenantId, [...profileIds]],
      );
      const own = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM erasure_probe WHERE tenant_id = $1 AND profile_id = ANY($2::text[])',
        [tenantId, [...profileIds]],
      );
      await tx.query('DELETE FROM erasure_probe WHERE tenant_id = $1 AND profile_id = ANY($2::text[])', [tenantId, [...profileIds]]);
      seen.push({
        tenantId,
        profileIds,
        erasureSetting: setting.rows[0]?.s ?? '',
        eventsLeft: events.rows[0]?.n ?? -1,
        ownRowsBefore: own.rows[0]?.n ?? -1,
      });
      if (fail.on) throw new Error('probe refuses');
    },
  });
}

for (const { mode, needs } of modes) {
  describeWith(needs, `identity erasure across modules (${mode})`, () => {
    let svc: TestService;
    let key: string;
    let tenantId: string;
    const seen: Seen[] = [];
    const fail = { on: false };
    let n = 0;

    beforeAll(async () => {
      svc = await startTestService(mode, { modules: [...modules, probeModule(seen, fail)] });
      ({ apiKey: key, tenantId } = await createTenant(svc.runtime.db, 'Erasure'));
    });
    afterAll(async () => svc.stop());

    async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
      const res = await fetch(`${svc.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    }

    async function ingest(identifiers: { type: string; value: string }[]): Promise<{ eventId: string; profileId: string }> {
      const r = await call('POST', '/events', {
        source: 'api',
        type: 'note',
        occurredAt: new Date(Date.UTC(2026, 0, 2, 0, 0, ++n)).toISOString(),
        subject: { identifiers, traits: {} },
      });
      expect(r.status).toBe(202);
      return r.json as unknown as { eventId: string; profileId: string };
    }

    it("calls every module erase hook with all the person's profile ids, after the events are gone", async () => {
      const a = await ingest([{ type: 'email', value: `erase-a-${mode}@acme.io`.replace(/\+/g, '') }]);
      const b = await ingest([{ type: 'phone', value: '+1 415 555 0177' }]);
      await svc.runtime.db.query('INSERT INTO erasure_probe VALUES ($1, $2), ($1, $3), ($1, $4)', [
        tenantId,
        a.profileId,
        b.profileId,
        'prof_someone_else',
      ]);
      const merged = await call('POST', '/profiles/merge', { profileIds: [a.profileId, b.profileId] });
      expect(merged.status).toBe(200);
      const survivor = merged.json['profileId'] as string;

      const erased = await call('DELETE', `/profiles/${survivor}`);
      expect(erased.status).toBe(200);
      expect(erased.json['erased']).toMatchObject({ events: 2, modules: expect.arrayContaining(['erasure-probe']) });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ tenantId, erasureSetting: 'on', eventsLeft: 0, ownRowsBefore: 2 });
      expect([...(seen[0]?.profileIds ?? [])].sort()).toEqual([a.profileId, b.profileId].sort());
      const left = await svc.runtime.db.query<{ profile_id: string }>('SELECT profile_id FROM erasure_probe WHERE tenant_id = $1', [
        tenantId,
      ]);
      expect(left.rows.map((r) => r.profile_id)).toEqual(['prof_someone_else']);
      for (const e of [a, b]) expect((await call('GET', `/events/${e.eventId}`)).status).toBe(404);
    });

    it('rolls the whole erasure back when a module fails, so nothing is half-erased', async () => {
      const c = await ingest([{ type: 'email', value: `erase-c-${mode}@acme.io`.replace(/\+/g, '') }]);
      fail.on = true;
      const r = await call('DELETE', `/profiles/${c.profileId}`);
      fail.on = false;
      expect(r.status).toBe(500);
      expect((await call('GET', `/profiles/${c.profileId}`)).status).toBe(200);
      expect((await call('GET', `/events/${c.eventId}`)).status).toBe(200);
    });
  });
}
