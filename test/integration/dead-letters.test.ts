import pino from 'pino';
import { rateLimited, type ActionPort, type ActionRequest, type ActionResult } from '../../app/orchestration';
import { outbox } from '../../server/dispatch/outbox.repository';
import { RateLimitedError, WorkRunner, type JobContext } from '../../server/dispatch/work-runner';
import { runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient, externalIdIdentity, waitForRun, type ApiClient } from '../support/runs-helpers';

interface DeadLetterJson {
  id: string;
  tenantId: string;
  kind: string;
  error: string | null;
  attempts: number;
  maxAttempts: number;
  rateLimitedWaits: number;
  redrives: number;
  payload: Record<string, unknown>;
  createdAt: string;
  diedAt: string;
}
interface PageJson {
  deadLetters: DeadLetterJson[];
  nextCursor: string | null;
}
interface ErrorJson {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** A vendor that answers the first `times` calls of each run as rate limited (Retry-After `waitMs`), then succeeds. */
class RateLimitedActionPort implements ActionPort {
  readonly calls = new Map<string, number>();
  constructor(
    private readonly times: number,
    private readonly waitMs: number,
  ) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const n = (this.calls.get(request.runId) ?? 0) + 1;
    this.calls.set(request.runId, n);
    if (n <= this.times) return { ok: false, error: rateLimited(this.waitMs, 'vendor: 429 slow down (test)') };
    return { ok: true, output: { done: request.stepId } };
  }
}

for (const { mode, needs } of modes) {
  describeWith(needs, `dead letters (${mode})`, () => {
    let svc: TestService;
    let tenantA: string;
    let a: ApiClient;
    let b: ApiClient;
    /** Tags whose `test.fail` jobs fail; removing one "fixes the vendor". */
    const broken = new Set<string>();
    const ran: { id: string; tag: unknown; attempt: number; ok: boolean }[] = [];
    const limitedLeft = new Map<string, number>();
    const limitedSeen: { id: string; attempt: number }[] = [];
    let ports: RateLimitedActionPort | undefined = undefined;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          externalIdIdentity,
          runsModule({
            actions: (ports = new RateLimitedActionPort(3, 150)),
            engine: { leaseMs: 5_000 },
          }),
        ],
        handlers: {
          'test.fail': async (job: JobContext) => {
            const tag = job.payload['tag'];
            const fails = typeof tag === 'string' && broken.has(tag);
            ran.push({ id: job.id, tag, attempt: job.attempt, ok: !fails });
            if (fails) throw new Error(`vendor exploded on ${tag}`);
          },
          'test.other': async () => {
            throw new Error('other kind is broken');
          },
          'test.limited': async (job: JobContext) => {
            limitedSeen.push({ id: job.id, attempt: job.attempt });
            const left = limitedLeft.get(job.id) ?? 0;
            if (left > 0) {
              limitedLeft.set(job.id, left - 1);
              throw new RateLimitedError('vendor said 429, Retry-After 0.1', 100);
            }
          },
        },
      });
      const ta = await createTenant(svc.runtime.db, 'Dead letters A');
      const tb = await createTenant(svc.runtime.db, 'Dead letters B');
      tenantA = ta.tenantId;
      a = apiClient(svc.url, ta.apiKey);
      b = apiClient(svc.url, tb.apiKey);
    });
    afterAll(async () => svc.stop());

    const statusOf = (tenantId: string, id: string, status: 'dead' | 'done') => async () => {
      const row = await outbox.get(svc.runtime.db, tenantId, id);
      return row?.status === status ? row : undefined;
    };

    /** A `test.fail` job of tenant A that dies after `maxAttempts` (its tag is broken). */
    async function deadJob(tag: string, maxAttempts = 1, kind = 'test.fail', tenantId = tenantA): Promise<string> {
      broken.add(tag);
      const ref = await svc.runtime.work.enqueue({
        tenantId,
        kind,
        payload: { tag, profileId: 'prof_1', events: [1, 2, 3], nested: { a: 1 } },
        maxAttempts,
      });
      await waitFor(statusOf(tenantId, ref.id, 'dead'), `job ${tag} to die`);
      return ref.id;
    }

    it('lists work that used up its attempts with its last error, kind, attempts, payload summary and time of death', async () => {
      const before = Date.now();
      const id = await deadJob('listed', 2);
      const page = await a.call<PageJson>('GET', '/dead-letters');
      expect(page.status).toBe(200);
      const item = page.body.deadLetters.find((d) => d.id === id);
      expect(item).toMatchObject({
        id,
        tenantId: tenantA,
        kind: 'test.fail',
        error: 'Error: vendor exploded on listed',
        attempts: 2,
        maxAttempts: 2,
        rateLimitedWaits: 0,
        redrives: 0,
        payload: { tag: 'listed', profileId: 'prof_1', events: '[3 items]', nested: '{1 field}' },
      });
      expect(Date.parse(item?.diedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
      expect(ran.filter((r) => r.id === id).map((r) => r.attempt)).toEqual([1, 2]);
      const one = await a.call<DeadLetterJson>('GET', `/dead-letters/${id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(item);
    });

    it("keeps tenants apart: another tenant's dead letter is not listed, not found and not redriven", async () => {
      const id = await deadJob('isolated');
      const listed = await b.call<PageJson>('GET', '/dead-letters');
      expect(listed.status).toBe(200);
      expect(listed.body.deadLetters.map((d) => d.id)).not.toContain(id);
      expect((await b.call<ErrorJson>('GET', `/dead-letters/${id}`)).status).toBe(404);
      const redrive = await b.call<ErrorJson>('POST', `/dead-letters/${id}/redrive`, {});
      expect(redrive.status).toBe(404);
      expect(redrive.body.error.code).toBe('not_found');
      const bulk = await b.call<{ redriven: number }>('POST', '/dead-letters/redrive', { ids: [id] });
      expect(bulk.body.redriven).toBe(0);
      expect((await outbox.get(svc.runtime.db, tenantA, id))?.status).toBe('dead');
      expect((await a.call<PageJson>('GET', '/dead-letters?limit=200')).body.deadLetters.map((d) => d.id)).toContain(id);
    });

    it('pages by keyset, newest deaths first, and filters by kind', async () => {
      const tenant = await createTenant(svc.runtime.db, 'Dead letters paging');
      const api = apiClient(svc.url, tenant.apiKey);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await deadJob(`page-${i}`, 1, 'test.fail', tenant.tenantId));
      const other = await deadJob('page-other', 1, 'test.other', tenant.tenantId);

      const seen: DeadLetterJson[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const path: string = `/dead-letters?kind=test.fail&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
        const r = await api.call<PageJson>('GET', path);
        expect(r.status).toBe(200);
        expect(r.body.deadLetters.length).toBeLessThanOrEqual(2);
        seen.push(...r.body.deadLetters);
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((d) => d.id)).toEqual([...ids].reverse());
      expect(seen.every((d) => d.kind === 'test.fail')).toBe(true);
      const times = seen.map((d) => Date.parse(d.diedAt));
      expect(times).toEqual([...times].sort((x, y) => y - x));

      const all = await api.call<PageJson>('GET', '/dead-letters?limit=200');
      expect(all.body.deadLetters.map((d) => d.id)).toEqual([other, ...[...ids].reverse()]);
      expect(all.body.nextCursor).toBeNull();
    });

    it.each([
      ['?limit=0', /limit/],
      ['?limit=201', /limit must be at most 200/],
      ['?cursor=nope', /cursor is not a cursor/],
      ['?sort=asc', /sort|Unrecognized/i],
    ])('answers GET /dead-letters%s with a 400 naming the problem', async (qs, message) => {
      const r = await a.call<ErrorJson>('GET', `/dead-letters${qs}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      expect(r.body.error.message).toMatch(message);
    });

    it('redrives one dead letter: it runs again with fresh attempts and succeeds; a second redrive is a 409', async () => {
      const id = await deadJob('redrive-one', 2);
      broken.delete('redrive-one'); // the vendor is fixed
      const r = await a.call<{ id: string; status: string; dueAt: string }>('POST', `/dead-letters/${id}/redrive`, {});
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id, status: 'pending' });
      const row = await waitFor(statusOf(tenantA, id, 'done'), 'the redriven job to succeed');
      expect(row.attempts).toBe(1);
      expect(ran.filter((x) => x.id === id).map((x) => [x.attempt, x.ok])).toEqual([
        [1, false],
        [2, false],
        [1, true],
      ]);
      expect((await a.call<PageJson>('GET', '/dead-letters?limit=200')).body.deadLetters.map((d) => d.id)).not.toContain(id);

      const again = await a.call<ErrorJson>('POST', `/dead-letters/${id}/redrive`, {});
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'not_dead', message: expect.stringMatching(/not dead/) });
      expect((await a.call<ErrorJson>('GET', `/dead-letters/${id}`)).status).toBe(404);
      expect((await a.call<ErrorJson>('POST', '/dead-letters/job_unknown/redrive', {})).status).toBe(404);
    });

    it('a redriven job that fails again dies again with its new error and counts the redrive', async () => {
      const id = await deadJob('still-broken');
      expect((await a.call('POST', `/dead-letters/${id}/redrive`, {})).status).toBe(200);
      await waitFor(async () => {
        const d = await a.call<DeadLetterJson>('GET', `/dead-letters/${id}`);
        return d.status === 200 && d.body.redrives === 1 ? d.body : undefined;
      }, 'the redriven job to die again');
      expect(ran.filter((x) => x.id === id)).toHaveLength(2);
    });

    it('redrives in bulk: by kind, by ids, or all of the tenant’s, and says how many', async () => {
      const tenant = await createTenant(svc.runtime.db, 'Dead letters bulk');
      const api = apiClient(svc.url, tenant.apiKey);
      const fails = [await deadJob('bulk-1', 1, 'test.fail', tenant.tenantId), await deadJob('bulk-2', 1, 'test.fail', tenant.tenantId)];
      const other = await deadJob('bulk-3', 1, 'test.other', tenant.tenantId);
      const foreign = await deadJob('bulk-foreign');
      broken.delete('bulk-1');
      broken.delete('bulk-2');

      const byKind = await api.call<{ redriven: number; ids: string[]; remaining: number }>('POST', '/dead-letters/redrive', {
        kind: 'test.fail',
      });
      expect(byKind.status).toBe(200);
      expect(byKind.body).toEqual({ redriven: 2, ids: expect.arrayContaining(fails) as unknown, remaining: 0 });
      for (const id of fails) await waitFor(statusOf(tenant.tenantId, id, 'done'), `bulk-redriven ${id} to succeed`);
      expect((await outbox.get(svc.runtime.db, tenant.tenantId, other))?.status).toBe('dead');

      const byIds = await api.call<{ redriven: number; ids: string[] }>('POST', '/dead-letters/redrive', { ids: [other, foreign] });
      expect(byIds.body).toMatchObject({ redriven: 1, ids: [other] });
      await waitFor(statusOf(tenant.tenantId, other, 'dead'), 'the still-broken kind to die again');

      const all = await api.call<{ redriven: number; ids: string[] }>('POST', '/dead-letters/redrive', {});
      expect(all.body).toMatchObject({ redriven: 1, ids: [other] });
      expect((await outbox.get(svc.runtime.db, tenantA, foreign))?.status).toBe('dead');

      for (const [body, message] of [
        [{ ids: [] }, /ids must name at least one id/],
        [{ ids: 'x' }, /ids/],
        [{ everything: true }, /everything|Unrecognized/i],
      ] as const) {
        const bad = await api.call<ErrorJson>('POST', '/dead-letters/redrive', body);
        expect(bad.status).toBe(400);
        expect(bad.body.error.message).toMatch(message);
      }
    });

    it('a rate-limited job waits for Retry-After without using up its attempts', async () => {
      const ref = await svc.runtime.db.transaction((tx) =>
        svc.runtime.work.record(tx, { tenantId: tenantA, kind: 'test.limited', maxAttempts: 2 }),
      );
      limitedLeft.set(ref.id, 4);
      await svc.runtime.work.notify([ref]);
      const row = await waitFor(statusOf(tenantA, ref.id, 'done'), 'the rate-limited job to succeed');
      expect(row.attempts).toBe(1);
      expect(row.rate_limit_waits).toBe(4);
      // Five tries, each the first attempt: with maxAttempts 2 it would have died had the waits counted.
      expect(limitedSeen.filter((s) => s.id === ref.id).map((s) => s.attempt)).toEqual([1, 1, 1, 1, 1]);
    });

    it('a run whose action is rate limited uses up neither step attempts nor run.advance attempts', async () => {
      const playbook = {
        id: 'limited',
        name: 'Rate limited',
        concurrency: 'unlimited',
        defaults: { retry: { maxAttempts: 2, initialInterval: '100ms', maxInterval: '1s' } },
        steps: [
          { id: 'first', kind: 'action', action: { type: 'note', params: { body: 'hello' } } },
          { id: 'done', kind: 'exit', reason: 'finished' },
        ],
      };
      expect((await a.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await a.call('POST', '/playbooks/limited/publish', {})).status).toBe(200);
      const started = await a.call<{ id: string }>('POST', '/runs', { playbookId: 'limited', profileId: 'limited-person' });
      expect(started.status).toBe(201);
      const run = await waitForRun(a, started.body.id, (r) => r.status === 'completed', 'the rate-limited run to complete');
      expect(ports?.calls.get(run.id)).toBe(4);
      expect(run.steps.find((s) => s.stepId === 'first')).toMatchObject({ status: 'succeeded', attempt: 1, rateLimitWaits: 3 });
      // The run can complete inside one wake-up while another is still pending (queued or leased): wait
      // until none is, then every one must have run once, unpenalised.
      const advances = await waitFor(async () => {
        const r = await svc.runtime.db.query<{ status: string; attempts: number; rate_limit_waits: number }>(
          `SELECT status, attempts, rate_limit_waits FROM outbox WHERE tenant_id = $1 AND kind = 'run.advance' AND payload->>'runId' = $2`,
          [tenantA, run.id],
        );
        return r.rows.every((row) => row.status !== 'pending') ? r : undefined;
      }, 'the run.advance rows to settle');
      expect(advances.rows.length).toBeGreaterThanOrEqual(4);
      expect(advances.rows.every((r) => r.status === 'done' && r.attempts === 1 && r.rate_limit_waits === 0)).toBe(true);
    });
  });
}

for (const backend of backends) {
  describeWith(backend.needs, `rate-limited waits are bounded (${backend.name})`, () => {
    it('after maxRateLimitWaits waits, a rate-limited try counts as an attempt, and the row finally dies with its error', async () => {
      const { db, cleanup } = await backend.open();
      try {
        const tenant = await createTenant(db, 'Bounded waits');
        const rescheduled: number[] = [];
        const runner = new WorkRunner(db, {
          workerId: 'test-worker',
          leaseMs: 5_000,
          logger: pino({ level: 'silent' }),
          maxRateLimitWaits: 2,
          reschedule: async (ref) => {
            rescheduled.push(ref.attempt);
          },
        });
        const seen: number[] = [];
        runner.register('test.always-limited', async (job) => {
          seen.push(job.attempt);
          throw new RateLimitedError('vendor says 429 forever', 0);
        });
        const ref = await outbox.insert(db, { tenantId: tenant.tenantId, kind: 'test.always-limited', maxAttempts: 2 });
        for (let i = 0; i < 6; i++) await runner.deliver(ref);
        const row = await outbox.get(db, tenant.tenantId, ref.id);
        expect(row).toMatchObject({
          status: 'dead',
          attempts: 2,
          rate_limit_waits: 2,
          last_error: 'RateLimitedError: vendor says 429 forever',
        });
        // Two free waits (attempt 1 given back twice), then two counted attempts; the sixth delivery finds it dead.
        expect(seen).toEqual([1, 1, 1, 2]);
        // Every reschedule is a new queue message: refs carry the delivery count, which never goes back.
        expect(rescheduled).toEqual([1, 2, 3]);
      } finally {
        await cleanup();
      }
    });
  });
}
