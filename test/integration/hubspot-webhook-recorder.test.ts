/**
 * Group commit of accepted HubSpot webhook batches (connectors/hubspot/webhooks.routes.ts WebhookRecorder):
 * concurrent requests' jobs are stored together, each request settles once its jobs are committed,
 * a failed statement fails only the requests in it, and the dispatcher is rung for every stored job.
 */
import { HUBSPOT_WEBHOOK_JOB, WebhookRecorder } from '../../connectors/hubspot/webhooks.routes';
import type { Database, Queryable } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { openPglite } from '../../server/db/pglite';
import type { Dispatcher } from '../../server/dispatch/dispatcher';
import type { JobRef } from '../../server/dispatch/outbox.repository';
import { WorkQueue } from '../../server/dispatch/work-queue';
import { createTenant } from '../../server/tenants/tenants.repository';

/** A dispatcher that only remembers what it was asked to deliver. */
function doorbell(): Dispatcher & { rung: JobRef[]; calls: number } {
  const d = {
    name: 'in-process' as const,
    rung: [] as JobRef[],
    calls: 0,
    start: async () => undefined,
    notify: async (refs: readonly JobRef[]) => {
      d.calls++;
      d.rung.push(...refs);
    },
    ping: async () => undefined,
    depth: async () => 0,
    stop: async () => undefined,
  };
  return d;
}

describe('HubSpot webhook recorder (group commit)', () => {
  let db: Database;
  let tenantId: string;

  beforeAll(async () => {
    db = await openPglite({ dataDir: undefined });
    await migrate(db);
    tenantId = (await createTenant(db, 'Recorder')).tenantId;
  });
  afterAll(async () => {
    await db.close();
  });

  const job = (portalId: string, n: number) => ({
    tenantId,
    kind: HUBSPOT_WEBHOOK_JOB,
    payload: { portalId, events: [{ eventId: n }] },
  });

  it('stores concurrent requests together, settles each after its commit, and rings every stored job', async () => {
    let statements = 0;
    const counted: Queryable = { query: (sql, params) => (statements++, db.query(sql, params)) };
    const bell = doorbell();
    const recorder = new WebhookRecorder(counted as Database, new WorkQueue(db, bell));
    const settled: number[] = [];
    await Promise.all(Array.from({ length: 12 }, (_, i) => recorder.record([job('7', i), job('8', i)]).then(() => settled.push(i))));
    await recorder.flush();
    expect(settled).toHaveLength(12);
    expect(statements).toBeLessThan(12);
    const stored = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND kind = $2`, [
      tenantId,
      HUBSPOT_WEBHOOK_JOB,
    ]);
    expect(stored.rows[0]?.n).toBe(24);
    expect(bell.rung).toHaveLength(24);
    expect(bell.calls).toBeLessThan(12);
  });

  it('runs up to maxInFlight statements at once, each request settling after its own statement', async () => {
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const gated: Queryable = {
      query: async (sql, params) => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((open) => gates.push(open));
        try {
          return await db.query(sql, params);
        } finally {
          running--;
        }
      },
    };
    const bell = doorbell();
    const recorder = new WebhookRecorder(gated as Database, new WorkQueue(db, bell), 500, 2);
    const settled: number[] = [];
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => recorder.record([job('13', i)]).then(() => settled.push(i))));
    // Two statements started (one request each); the other four wait for the next free one.
    await new Promise((r) => setImmediate(r));
    expect(gates).toHaveLength(2);
    gates.shift()?.();
    while (settled.length === 0) await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([0]);
    // The freed writer took the four waiting requests in one statement.
    expect(gates).toHaveLength(2);
    for (let open = gates.shift(); open !== undefined || settled.length < 6; open = gates.shift()) {
      open?.();
      await new Promise((r) => setImmediate(r));
    }
    await all;
    await recorder.flush();
    expect(most).toBe(2);
    expect(bell.rung).toHaveLength(6);
    const stored = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND payload->>'portalId' = '13'`,
      [tenantId],
    );
    expect(stored.rows[0]?.n).toBe(6);
  });

  it('fails the requests of a statement that failed, and stores later ones', async () => {
    let fail = true;
    const flaky: Queryable = {
      query: async (sql, params) => {
        if (fail) {
          fail = false;
          throw new Error('connection lost');
        }
        return db.query(sql, params);
      },
    };
    const bell = doorbell();
    const recorder = new WebhookRecorder(flaky as Database, new WorkQueue(db, bell));
    const first = recorder.record([job('9', 1)]);
    await expect(first).rejects.toThrow('connection lost');
    await expect(recorder.record([job('9', 2)])).resolves.toBeUndefined();
    await recorder.flush();
    expect(bell.rung).toHaveLength(1);
  });

  it('writes no more than maxJobs per statement, never splitting a request', async () => {
    const sizes: number[] = [];
    const sized: Queryable = {
      query: (sql, params) => {
        if (sql.includes('INSERT INTO outbox')) sizes.push((JSON.parse(String(params?.[0])) as unknown[]).length);
        return db.query(sql, params);
      },
    };
    const recorder = new WebhookRecorder(sized as Database, new WorkQueue(db, doorbell()), 4);
    await Promise.all(Array.from({ length: 6 }, (_, i) => recorder.record([job('10', i), job('11', i), job('12', i)])));
    await recorder.flush();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(18);
    expect(sizes.every((n) => n === 3)).toBe(true);
  });
});
