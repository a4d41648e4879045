/**
 * Relaxed durability for derived work (server/db/database.ts, issue #16): inside withRelaxedDurability
 * statements and transactions commit without waiting for the WAL flush (synchronous_commit off); outside
 * it, and wherever strict durability is asked again (effects, acknowledged ingest, a job's delivery, a
 * grouped commit holding an API's write), they commit durably.
 */
import { CommitBatcher } from '../../server/runs/commit-batcher';
import { withRelaxedDurability, withStrictDurability, type Queryable } from '../../server/db/database';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import { WorkRunner } from '../../server/dispatch/work-runner';
import { createLogger } from '../../server/observability/logger';
import { eventBatchProcessor } from '../../server/events/event-processor';
import { describeWith, openTestPostgres, type TestDb } from '../support/services';

const commitMode = async (q: Queryable): Promise<string> =>
  (await q.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit ?? '?';

describeWith(['postgres'], 'durability scopes (PostgreSQL)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestPostgres();
  });
  afterAll(async () => t.cleanup());

  it('relaxes statements and transactions inside the scope only, and strict wins inside it', async () => {
    expect(await commitMode(t.db)).toBe('on');
    await withRelaxedDurability(async () => {
      expect(await commitMode(t.db)).toBe('off');
      expect(await t.db.transaction((tx) => commitMode(tx))).toBe('off');
      expect(await withStrictDurability(() => commitMode(t.db))).toBe('on');
      expect(await withStrictDurability(() => t.db.transaction((tx) => commitMode(tx)))).toBe('on');
      // Still relaxed after the strict part.
      expect(await commitMode(t.db)).toBe('off');
    });
    expect(await commitMode(t.db)).toBe('on');
  });

  it('records effects durably even when derived work records them', async () => {
    const seen: string[] = [];
    const probe: Queryable = {
      query: async (sql, params) => {
        seen.push(await commitMode(t.db));
        return t.db.query(sql, params);
      },
    };
    const ledger = new SqlEffectLedger(probe);
    await withRelaxedDurability(() => ledger.lookup('nobody', 'no-key'));
    expect(seen).toEqual(['on']);
  });

  it('commits a grouped batch durably when any of its items came from a strict caller', async () => {
    const modes: string[][] = [];
    const batcher = new CommitBatcher<string, string>(
      async (items) => {
        const mode = await commitMode(t.db);
        modes.push([...items, mode]);
        return items.map(() => mode);
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    // The first goes alone; the next two wait for it and share a batch: one relaxed, one strict.
    const first = withRelaxedDurability(() => batcher.submit('a', 'relaxed-1'));
    const second = withRelaxedDurability(() => batcher.submit('b', 'relaxed-2'));
    const third = batcher.submit('c', 'strict-1');
    expect(await Promise.all([first, second, third])).toEqual(['off', 'on', 'on']);
    // A batch of relaxed callers only stays relaxed.
    const r1 = withRelaxedDurability(() => batcher.submit('d', 'relaxed-3'));
    const r2 = withRelaxedDurability(() => batcher.submit('e', 'relaxed-4'));
    expect(await Promise.all([r1, r2])).toEqual(['off', 'off']);
    expect(modes).toEqual([
      ['relaxed-1', 'off'],
      ['relaxed-2', 'strict-1', 'on'],
      ['relaxed-3', 'off'],
      ['relaxed-4', 'off'],
    ]);
  });

  it("runs the event pipeline's stages relaxed", async () => {
    await t.db.query(`INSERT INTO tenants (id, name) VALUES ('ten_dur', 'Durability') ON CONFLICT DO NOTHING`);
    await t.db.query(
      `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, properties)
       VALUES ('ten_dur', 'evt_dur', 'api', 'dur-1', 'note.added', now(), '{"identifiers":[],"traits":{}}', '{}')`,
    );
    const modes: string[] = [];
    const handler = eventBatchProcessor(t.db, [{ name: 'probe', run: async () => (modes.push(await commitMode(t.db)), {}) }]);
    const failures = await handler([
      {
        tenantId: 'ten_dur',
        id: 'job_dur',
        kind: 'event.process',
        payload: { eventId: 'evt_dur' },
        attempt: 1,
        signal: new AbortController().signal,
      },
    ]);
    expect(failures.size).toBe(0);
    expect(modes).toEqual(['off']);
    const processed = await t.db.query<{ processed: boolean }>(
      `SELECT processed_at IS NOT NULL AS processed FROM events WHERE id = 'evt_dur'`,
    );
    expect(processed.rows[0]?.processed).toBe(true);
    // Outside the handler, the caller (the work runner completing the job) is strict again.
    expect(await commitMode(t.db)).toBe('on');
  });

  it('delivers a job durably whatever context rang for it', async () => {
    const runner = new WorkRunner(t.db, {
      workerId: 'durability-test',
      leaseMs: 5_000,
      logger: createLogger('silent'),
      reschedule: async () => undefined,
    });
    // The claim finds no row; what matters is the mode its statement ran under.
    const modes: string[] = [];
    const original = t.db.query.bind(t.db);
    const spy = jest.spyOn(t.db, 'query').mockImplementation(async (sql, params) => {
      if (/outbox/.test(sql)) modes.push(await commitMode(t.db));
      return original(sql, params);
    });
    try {
      await withRelaxedDurability(() => runner.deliver({ tenantId: 'nobody', id: 'job_none', attempt: 1, dueAt: new Date() }));
    } finally {
      spy.mockRestore();
    }
    expect(modes.length).toBeGreaterThan(0);
    expect(new Set(modes)).toEqual(new Set(['on']));
  });
});
