/**
 * Group commit of acknowledged ingest (issue #16), in both storage modes: concurrent POST /api/v1/events
 * share transactions; every request is answered with its own event (a resubmission with the same id, in
 * the same batch or not, is the same event, flagged duplicate), a person's events resolve to one profile
 * and every stored event is processed once. A batch holding an event that cannot be stored fails that
 * event alone.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { IngestBatcher } from '../../server/events/ingest-batcher';
import { ingestEvents } from '../../server/events/events.repository';
import { prefersAsync } from '../../server/http/events.routes';
import { identityModule } from '../../server/identity/identity.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient } from '../support/runs-helpers';

jest.setTimeout(120_000);

const message = (id: string, email: string, text: string): CanonicalEvent => ({
  id,
  source: 'api',
  type: 'message.received',
  occurredAt: '2026-11-23T10:00:00Z',
  subject: { identifiers: [{ type: 'email', value: email }], traits: {} },
  text,
});

for (const { mode, needs } of modes) {
  describeWith(needs, `ingest group commit (${mode})`, () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startTestService(mode, { modules: [identityModule] });
    });
    afterAll(async () => svc.stop());

    it('answers concurrent requests each with its own event, stores duplicates once and processes every event once', async () => {
      const t = await createTenant(svc.runtime.db, 'Group commit');
      const api = apiClient(svc.url, t.apiKey);
      // 30 people x 2 messages, plus a resubmission of every fifth first message, all at once.
      const bodies = Array.from({ length: 60 }, (_, i) => message(`gc-${i}`, `p${i % 30}@gc.io`, `hello ${i}`));
      const resent = bodies.filter((_, i) => i % 5 === 0 && i < 30);
      const answers = await Promise.all(
        [...bodies, ...resent].map((b) =>
          api.call<{ eventId: string; profileId: string | null; duplicate: boolean }>('POST', '/events', b),
        ),
      );
      expect(answers.every((a) => a.status === 202)).toBe(true);
      const first = answers.slice(0, 60).map((a) => a.body);
      const again = answers.slice(60).map((a) => a.body);
      expect(new Set(first.map((a) => a.eventId)).size).toBe(60);
      // A resubmission is the same event; of each pair exactly one answer is the stored one.
      resent.forEach((_, k) => {
        const original = first[k * 5];
        expect(again[k]?.eventId).toBe(original?.eventId);
        expect([original?.duplicate, again[k]?.duplicate].filter((d) => d === true)).toHaveLength(1);
      });
      // A person's two messages are one profile; people are apart.
      for (let p = 0; p < 30; p++) {
        expect(first[p]?.profileId).toEqual(expect.any(String));
        expect(first[p + 30]?.profileId).toBe(first[p]?.profileId);
      }
      expect(new Set(first.slice(0, 30).map((a) => a.profileId)).size).toBe(30);
      const stored = await svc.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE tenant_id = $1', [t.tenantId]);
      expect(stored.rows[0]?.n).toBe(60);
      await waitFor(
        async () =>
          ((
            await svc.runtime.db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL',
              [t.tenantId],
            )
          ).rows[0]?.n ?? 0) === 60,
        'every event processed',
        60_000,
      );
      // The batch marks its events processed, then completes its jobs: wait for the jobs too (not a race).
      const jobs = async (): Promise<{ n: number; done: number } | undefined> =>
        (
          await svc.runtime.db.query<{ n: number; done: number }>(
            `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'done')::int AS done FROM outbox WHERE tenant_id = $1 AND kind = 'event.process'`,
            [t.tenantId],
          )
        ).rows[0];
      await waitFor(async () => (await jobs())?.done === 60, 'every event.process job done', 60_000);
      expect(await jobs()).toEqual({ n: 60, done: 60 });
    });

    it('resolves a whole batch with one identity call, to the profiles one-by-one resolution gives', async () => {
      const module = svc.runtime.modules.find((m) => m.identifyMany !== undefined);
      const identify = module?.identify;
      const identifyMany = module?.identifyMany;
      if (identify === undefined || identifyMany === undefined) throw new Error('no batch identity');
      // Per person: an email-only message, a message with email and phone (the bridge), a phone-only one;
      // people 0 and 1 share nothing; person 2's phone-only message comes before the bridge.
      const person = (p: number): CanonicalEvent[] => {
        const email = { type: 'email' as const, value: `bridge${p}@gc.io` };
        const phone = { type: 'phone' as const, value: `+1415555${String(1000 + p)}` };
        const ev = (k: number, identifiers: CanonicalEvent['subject']['identifiers']): CanonicalEvent => ({
          id: `br-${p}-${k}`,
          source: 'api',
          type: 'message.received',
          occurredAt: '2026-11-23T10:00:00Z',
          subject: { identifiers, traits: {} },
          text: `message ${k}`,
        });
        return p === 2 ? [ev(0, [phone]), ev(1, [email]), ev(2, [email, phone])] : [ev(0, [email]), ev(1, [email, phone]), ev(2, [phone])];
      };
      const events = [0, 1, 2].flatMap(person);
      const batched = await createTenant(svc.runtime.db, 'Batch identity');
      const sizes: number[] = [];
      const batcher = new IngestBatcher(svc.runtime.db, svc.runtime.work, identify, {
        maxInFlight: 1,
        maxBatch: 32,
        identifyMany: async (tx, input) => {
          sizes.push(input.events.length);
          return identifyMany(tx, input);
        },
      });
      const many = await Promise.all(events.map((e) => batcher.ingest(batched.tenantId, e)));
      // The first request goes alone (per-event identity), the rest wait for it and go together.
      expect(sizes).toEqual([events.length - 1]);
      const single = await createTenant(svc.runtime.db, 'One by one identity');
      const alone = new IngestBatcher(svc.runtime.db, svc.runtime.work, identify, { maxInFlight: 1, maxBatch: 1 });
      const one: { profileId: string | null }[] = [];
      for (const e of events) one.push(await alone.ingest(single.tenantId, e));
      // Same partition of events into people both ways, and each person one profile.
      const partition = (rs: readonly { profileId: string | null }[]): number[] => {
        const seen = new Map<string | null, number>();
        return rs.map((r) => {
          if (!seen.has(r.profileId)) seen.set(r.profileId, seen.size);
          return seen.get(r.profileId) ?? -1;
        });
      };
      expect(many.every((r) => typeof r.profileId === 'string')).toBe(true);
      expect(partition(many)).toEqual(partition(one));
      // Person 2's email-only message was answered before the bridge merged its profile into the phone's.
      expect(partition(many)).toEqual([0, 0, 0, 1, 1, 1, 2, 3, 2]);
      // The profile each event is stored with is the one its request was answered with.
      const stored = await svc.runtime.db.query<{ id: string; profile_id: string }>(
        'SELECT id, profile_id FROM events WHERE tenant_id = $1',
        [batched.tenantId],
      );
      const byId = new Map(stored.rows.map((r) => [r.id, r.profile_id]));
      for (const r of many) expect(byId.get(r.eventId)).toBe(r.profileId);
    });

    it('fails only the event that cannot be stored when its batch fails', async () => {
      const t = await createTenant(svc.runtime.db, 'Group commit isolation');
      const identity = svc.runtime.modules.find((m) => m.identify !== undefined)?.identify;
      if (identity === undefined) throw new Error('no identity module');
      // Identity refuses one event: its batch rolls back and every event is tried alone.
      const batcher = new IngestBatcher(
        svc.runtime.db,
        svc.runtime.work,
        async (tx, input) => {
          if (input.event.text === 'poison') throw new Error('identity refused');
          return identity(tx, input);
        },
        { maxInFlight: 1, maxBatch: 16 },
      );
      const events = Array.from({ length: 8 }, (_, i) => message(`iso-${i}`, `q${i}@gc.io`, i === 5 ? 'poison' : `fine ${i}`));
      const settled = await Promise.allSettled(events.map((e) => batcher.ingest(t.tenantId, e)));
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      const stored = await svc.runtime.db.query<{ source_event_id: string }>(
        'SELECT source_event_id FROM events WHERE tenant_id = $1 ORDER BY source_event_id',
        [t.tenantId],
      );
      expect(stored.rows.map((r) => r.source_event_id)).toEqual(['iso-0', 'iso-1', 'iso-2', 'iso-3', 'iso-4', 'iso-6', 'iso-7']);
      const jobs = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND kind = 'event.process'`,
        [t.tenantId],
      );
      expect(jobs.rows[0]?.n).toBe(7);
    });
  });
}

for (const { mode, needs } of modes) {
  describeWith(needs, `ingest doorbells (${mode})`, () => {
    let svc: TestService;
    beforeAll(async () => {
      // Batches of 4 in the worker, and a sweeper that would only help after 10 minutes: every event
      // below is processed because a doorbell was rung for it, not because the sweeper found it.
      svc = await startTestService(mode, { modules: [identityModule], eventBatchSize: 4, redispatchAfterMs: 600_000 });
    });
    afterAll(async () => svc.stop());

    it('rings once per ingest batch, and a full worker batch rings for the rest', async () => {
      const t = await createTenant(svc.runtime.db, 'Doorbells');
      const rung: number[] = [];
      const notify = svc.runtime.work.notify.bind(svc.runtime.work);
      const spy = jest.spyOn(svc.runtime.work, 'notify').mockImplementation(async (refs) => {
        rung.push(refs.length);
        return notify(refs);
      });
      try {
        const results = await ingestEvents(
          svc.runtime.db,
          svc.runtime.work,
          t.tenantId,
          Array.from({ length: 11 }, (_, i) => ({ event: message(`bell-${i}`, `bell${i}@gc.io`, `ring ${i}`) })),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(11);
        // The ingest rang once, for one event.
        expect(rung[0]).toBe(1);
        await waitFor(
          async () =>
            ((
              await svc.runtime.db.query<{ n: number }>(
                'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL',
                [t.tenantId],
              )
            ).rows[0]?.n ?? 0) === 11,
          'every event processed',
          30_000,
        );
      } finally {
        spy.mockRestore();
      }
      // 11 events in batches of 4: the ingest's bell, then one bell after each full batch (4, 4), the
      // last batch (3) is not full and rings for nothing.
      expect(rung.filter((n) => n === 1).length).toBeGreaterThanOrEqual(3);
      // Each batch's jobs are completed right after its events are marked processed.
      await waitFor(
        async () =>
          (
            await svc.runtime.db.query<{ done: number }>(
              `SELECT count(*) FILTER (WHERE status = 'done')::int AS done FROM outbox WHERE tenant_id = $1 AND kind = 'event.process'`,
              [t.tenantId],
            )
          ).rows[0]?.done === 11,
        'every event job completed',
      );
    });
    it('rings the bells of batches committed together in one dispatcher call, after answering, each batch its message', async () => {
      const t = await createTenant(svc.runtime.db, 'Bells together');
      const identify = svc.runtime.modules.find((m) => m.identify !== undefined)?.identify;
      const calls: number[] = [];
      const notify = svc.runtime.work.notify.bind(svc.runtime.work);
      const spy = jest.spyOn(svc.runtime.work, 'notify').mockImplementation(async (refs) => {
        calls.push(refs.length);
        return notify(refs);
      });
      try {
        // Batches of one event, so 12 batches: a bell each, rung a window's worth at a time.
        const batcher = new IngestBatcher(svc.runtime.db, svc.runtime.work, identify, { maxBatch: 1, maxInFlight: 4, ringWindowMs: 200 });
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            batcher.ingest(t.tenantId, message(`tog-${i}`, `tog${i}@gc.io`, `t ${i}`), undefined, { deferIdentity: true }),
          ),
        );
        expect(results.every((r) => !r.duplicate && r.profileId === null)).toBe(true);
        await batcher.rung();
        expect(calls.reduce((a, b) => a + b, 0)).toBe(12);
        expect(calls.length).toBeLessThan(12);
        // Only the bells can have started them: the sweeper waits 10 minutes here.
        await waitFor(
          async () =>
            ((
              await svc.runtime.db.query<{ n: number }>(
                'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL',
                [t.tenantId],
              )
            ).rows[0]?.n ?? 0) === 12,
          'every event processed',
          30_000,
        );
      } finally {
        spy.mockRestore();
      }
    });
  });
}

describe('Prefer header', () => {
  it('asks for respond-async whatever the case, among other preferences, with parameters', () => {
    expect(prefersAsync('respond-async')).toBe(true);
    expect(prefersAsync('return=minimal, Respond-Async')).toBe(true);
    expect(prefersAsync('respond-async; foo=1, wait=10')).toBe(true);
    expect(prefersAsync('return=minimal')).toBe(false);
    expect(prefersAsync('respond-asynchronously')).toBe(false);
    expect(prefersAsync(undefined)).toBe(false);
  });
});

for (const { mode, needs } of modes) {
  describeWith(needs, `ingest with Prefer: respond-async (${mode})`, () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startTestService(mode, { modules: [identityModule] });
    });
    afterAll(async () => svc.stop());

    const person = (p: number, k: number): CanonicalEvent => ({
      id: `async-${p}-${k}`,
      source: 'api',
      type: 'message.received',
      occurredAt: '2026-11-23T10:00:00Z',
      // Message 0: e-mail only; 1: e-mail and phone (the bridge); 2: phone only.
      subject: {
        identifiers: [
          ...(k < 2 ? [{ type: 'email' as const, value: `async${p}@gc.io` }] : []),
          ...(k > 0 ? [{ type: 'phone' as const, value: `+1415556${String(1000 + p)}` }] : []),
        ],
        traits: {},
      },
      text: `message ${k}`,
    });

    it('stores a deferred batch and its jobs in one statement: duplicates once, each new event one job, the bell after commit', async () => {
      const t = await createTenant(svc.runtime.db, 'Respond async batch');
      const identify = svc.runtime.modules.find((m) => m.identify !== undefined)?.identify;
      if (identify === undefined) throw new Error('no identity module');
      const earlier = await ingestEvents(svc.runtime.db, svc.runtime.work, t.tenantId, [{ event: person(9, 0) }], identify, undefined, {
        deferIdentity: true,
      });
      const rung: string[][] = [];
      const ring = (refs: readonly { id: string }[]): void => void rung.push(refs.map((r) => r.id));
      // person(9, 0) again (stored before), person(8, 1) twice in the batch, and two new ones.
      const batch = [person(8, 0), person(9, 0), person(8, 1), person(8, 1), person(8, 2)].map((event) => ({ event }));
      const results = await ingestEvents(svc.runtime.db, svc.runtime.work, t.tenantId, batch, identify, undefined, {
        deferIdentity: true,
        ring,
      });
      expect(results.map((r) => r.duplicate)).toEqual([false, true, false, true, false]);
      expect(results[1]?.eventId).toBe(earlier[0]?.eventId);
      expect(results[3]?.eventId).toBe(results[2]?.eventId);
      expect(results.every((r) => r.profileId === null)).toBe(true);
      const jobs = await svc.runtime.db.query<{ id: string; event_id: string; identify: boolean; dedupe_key: string; status: string }>(
        `SELECT id, payload->>'eventId' AS event_id, (payload->>'identify')::boolean AS identify, dedupe_key, status
           FROM outbox WHERE tenant_id = $1 AND kind = 'event.process' ORDER BY due_at, id`,
        [t.tenantId],
      );
      // One job per stored event (4), in the order the events came; the batch's are due in its order.
      expect(jobs.rows.map((j) => j.event_id)).toEqual([earlier[0], results[0], results[2], results[4]].map((r) => r?.eventId));
      expect(jobs.rows.every((j) => j.identify && j.dedupe_key === `event:${j.event_id}`)).toBe(true);
      // One bell for the batch, handed over after the commit: its job row is there.
      expect(rung).toEqual([[jobs.rows[1]?.id]]);
      const stored = await svc.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE tenant_id = $1', [t.tenantId]);
      expect(stored.rows[0]?.n).toBe(4);
      await waitFor(
        async () =>
          ((
            await svc.runtime.db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL AND profile_id IS NOT NULL',
              [t.tenantId],
            )
          ).rows[0]?.n ?? 0) === 4,
        'every event resolved and processed',
        60_000,
      );
    });

    it('answers before identity with profileId null, and the worker gives each event the profile one-by-one resolution gives', async () => {
      const t = await createTenant(svc.runtime.db, 'Respond async');
      const events = [0, 1, 2, 3].flatMap((p) => [0, 1, 2].map((k) => person(p, k)));
      const answers = await Promise.all(
        events.map(async (e) => {
          const r = await fetch(`${svc.url}/api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', prefer: 'respond-async' },
            body: JSON.stringify(e),
          });
          return {
            status: r.status,
            applied: r.headers.get('preference-applied'),
            body: (await r.json()) as { eventId: string; profileId: string | null },
          };
        }),
      );
      expect(answers.every((a) => a.status === 202 && a.applied === 'respond-async' && a.body.profileId === null)).toBe(true);
      const profiles = await waitFor(async () => {
        const r = await svc.runtime.db.query<{ id: string; profile_id: string | null; processed: boolean }>(
          'SELECT id, profile_id, processed_at IS NOT NULL AS processed FROM events WHERE tenant_id = $1',
          [t.tenantId],
        );
        return r.rows.length === events.length && r.rows.every((row) => row.processed)
          ? new Map(r.rows.map((row) => [row.id, row.profile_id]))
          : undefined;
      }, 'every event resolved and processed');
      // Each person's three messages end on one profile (merges leave aliases: compare live profiles).
      const live = async (profileId: string | null | undefined): Promise<string | null> => {
        if (profileId === null || profileId === undefined) return null;
        const r = await fetch(`${svc.url}/api/v1/profiles/${profileId}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
        return ((await r.json()) as { id?: string; profileId?: string }).id ?? null;
      };
      const people: (string | null)[] = [];
      for (const a of answers) people.push(await live(profiles.get(a.body.eventId)));
      expect(people.every((p) => typeof p === 'string')).toBe(true);
      for (let p = 0; p < 4; p++) expect(new Set(people.slice(p * 3, p * 3 + 3)).size).toBe(1);
      expect(new Set(people).size).toBe(4);

      // Without the preference the answer carries the profile, as before.
      const sync = await fetch(`${svc.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...person(0, 0), id: 'sync-0' }),
      });
      expect(sync.headers.get('preference-applied')).toBeNull();
      const body = (await sync.json()) as { profileId: string | null };
      expect(await live(body.profileId)).toBe(people[0]);
    });
  });
}
