/**
 * Planner statistics for fresh tables (server/db/planner-statistics.ts, issue #16): a table never
 * analyzed gets one ANALYZE from the service once it holds a few pages, so a plan kept on a connection
 * (a foreign-key check, a prepared statement) is made again with statistics and looks a key up through
 * the primary key instead of another index on the tenant.
 */
import type { Queryable } from '../../server/db/database';
import { ANALYZE_FROM_PAGES, analyzeDueTables, dueForAnalyze, tableStatistics } from '../../server/db/planner-statistics';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith, openTestPglite, openTestPostgres, type TestDb } from '../support/services';

/** Stores `count` events for a tenant straight into the table (the fixture: a table of some pages). */
async function storeEvents(q: Queryable, tenantId: string, prefix: string, count: number): Promise<void> {
  await q.query(
    `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text)
     SELECT $1, $2 || i, 'api', $2 || i, 'message.received', now(), '{"identifiers": []}'::jsonb, repeat('words ', 40)
       FROM generate_series(1, $3::int) i`,
    [tenantId, prefix, count],
  );
}

describe('dueForAnalyze', () => {
  it('takes tables never analyzed from ANALYZE_FROM_PAGES pages on, and nothing analyzed before', () => {
    expect(
      dueForAnalyze([
        { name: 'events', analyzed: false, pages: ANALYZE_FROM_PAGES },
        { name: 'outbox', analyzed: false, pages: ANALYZE_FROM_PAGES - 1 },
        { name: 'runs', analyzed: true, pages: 10 * ANALYZE_FROM_PAGES },
        { name: 'decisions', analyzed: false, pages: 5 * ANALYZE_FROM_PAGES },
      ]),
    ).toEqual(['events', 'decisions']);
  });
});

describeWith(['postgres'], 'planner statistics on postgres', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestPostgres();
  });
  afterAll(async () => t.cleanup());

  it('analyzes a fresh table once it holds some pages, once; a kept plan then reads the primary key', async () => {
    // Autovacuum stays out of this table for the test: the service's pass is what is tested.
    await t.db.query('ALTER TABLE events SET (autovacuum_enabled = false)');
    const tenant = await createTenant(t.db, 'Statistics');
    expect(tenant.tenantId).toMatch(/^[A-Za-z0-9_-]+$/); // written into the EXPLAIN below
    await storeEvents(t.db, tenant.tenantId, 'first_', 20);
    expect(await analyzeDueTables(t.db)).toEqual([]); // a page or two: not yet

    // One connection plans a key lookup while the table is small and keeps the plan, as a foreign-key
    // check does; then the table grows.
    await t.db.withAdvisoryLock(918_273, async (conn) => {
      const plan = async (): Promise<string> =>
        (await conn.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE look('${tenant.tenantId}', 'more_300')`)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      await conn.exec(`SET plan_cache_mode = force_generic_plan;
        PREPARE look(text, text) AS SELECT 1 FROM events x WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE OF x`);
      try {
        // Precondition (PostgreSQL 15): with no statistics the tie between the tenant's indexes goes elsewhere.
        expect(await plan()).not.toContain('events_pkey');
        await storeEvents(t.db, tenant.tenantId, 'more_', 600);
        const events = (await tableStatistics(t.db)).find((s) => s.name === 'events');
        expect(events).toMatchObject({ analyzed: false });
        expect(events?.pages).toBeGreaterThanOrEqual(ANALYZE_FROM_PAGES);
        expect(await plan()).not.toContain('events_pkey'); // kept while the table grew

        const analyzed = await analyzeDueTables(t.db);
        expect(analyzed).toContain('events');
        expect(analyzed).not.toContain('tenants'); // one row: not due
        expect((await tableStatistics(t.db)).find((s) => s.name === 'events')).toMatchObject({ analyzed: true });

        // The kept plan was made again with the statistics: the primary key.
        expect(await plan()).toContain('events_pkey');
      } finally {
        await conn.exec('DEALLOCATE look; RESET plan_cache_mode');
      }
    });

    // Once only: autovacuum keeps it current from here.
    expect(await analyzeDueTables(t.db)).not.toContain('events');
  });

  it('skips the pass while another process of the same schema holds the turn', async () => {
    await t.db.query(`CREATE TABLE filler (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false)`);
    await t.db.query(`INSERT INTO filler SELECT i, repeat('x', 200) FROM generate_series(1, 2000) i`);
    await t.db.transaction(async (other) => {
      await other.query(`SELECT pg_advisory_xact_lock(hashtext('baton:planner-statistics:' || current_schema()))`);
      expect(await analyzeDueTables(t.db)).toEqual([]);
    });
    // A table this process tried before is left alone (a role that may not analyze it only gets a warning).
    expect(await analyzeDueTables(t.db, new Set(['filler']))).not.toContain('filler');
    // Its turn over, the next pass analyzes it.
    expect(await analyzeDueTables(t.db)).toContain('filler');
  });
});

describe('planner statistics in embedded mode', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestPglite();
  });
  afterAll(async () => t.cleanup());

  it('analyzes nothing (measured: no gain on PGlite, and its one connection pays each pass)', async () => {
    const tenant = await createTenant(t.db, 'Embedded statistics');
    await storeEvents(t.db, tenant.tenantId, 'evt_', 600);
    expect(await analyzeDueTables(t.db)).toEqual([]);
    expect((await tableStatistics(t.db)).find((s) => s.name === 'events')).toMatchObject({ analyzed: false });
  });
});
