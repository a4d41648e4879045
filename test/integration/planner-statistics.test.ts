/**
 * Planner statistics for young tables (server/db/planner-statistics.ts, issue #16): a table never
 * analyzed gets an ANALYZE from the service once it holds a few pages, and another each time it has
 * doubled while small, so a plan kept on a connection (a foreign-key check, a prepared statement) is
 * made again with statistics of about its size: a key looked up through the primary key instead of
 * another index on the tenant, a handful of ids no longer found by reading the table.
 */
import type { Queryable } from '../../server/db/database';
import {
  ANALYZE_FROM_PAGES,
  ANALYZE_UNTIL_PAGES,
  analyzeDueTables,
  dueForAnalyze,
  tableStatistics,
  type TableStatistics,
} from '../../server/db/planner-statistics';
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
  it('takes tables never analyzed from ANALYZE_FROM_PAGES pages on, and young analyzed ones that doubled', () => {
    const F = ANALYZE_FROM_PAGES;
    expect(
      dueForAnalyze([
        { name: 'events', analyzed: false, relpages: 0, pages: F },
        { name: 'outbox', analyzed: false, relpages: 0, pages: F - 1 },
        { name: 'runs', analyzed: true, relpages: F, pages: 2 * F - 1 },
        { name: 'run_steps', analyzed: true, relpages: F, pages: 2 * F },
        // Analyzed while tiny (autovacuum): at twice ANALYZE_FROM_PAGES, not before.
        { name: 'decisions', analyzed: true, relpages: 2, pages: 2 * F - 1 },
        { name: 'journey_states', analyzed: true, relpages: 2, pages: 2 * F },
        // Statistics taken at ANALYZE_UNTIL_PAGES or more: autovacuum's from then on.
        { name: 'identity_nodes', analyzed: true, relpages: ANALYZE_UNTIL_PAGES, pages: 10 * ANALYZE_UNTIL_PAGES },
        { name: 'identity_edges', analyzed: true, relpages: ANALYZE_UNTIL_PAGES - 1, pages: 2 * ANALYZE_UNTIL_PAGES },
      ]),
    ).toEqual(['events', 'run_steps', 'journey_states', 'identity_edges']);
  });
});

describeWith(['postgres'], 'planner statistics on postgres', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestPostgres();
  });
  afterAll(async () => t.cleanup());

  it('analyzes a fresh table once it holds some pages, again when it doubled; kept plans then read the primary key', async () => {
    // Autovacuum stays out of this table for the test: the service's pass is what is tested.
    await t.db.query('ALTER TABLE events SET (autovacuum_enabled = false)');
    const tenant = await createTenant(t.db, 'Statistics');
    expect(tenant.tenantId).toMatch(/^[A-Za-z0-9_-]+$/); // written into the EXPLAINs below
    await storeEvents(t.db, tenant.tenantId, 'first_', 20);
    expect(await analyzeDueTables(t.db)).toEqual([]); // a page or two: not yet
    const events = async (): Promise<TableStatistics | undefined> => (await tableStatistics(t.db)).find((s) => s.name === 'events');

    // One connection plans while the table is small and keeps its plans (as foreign-key checks and
    // prepared statements do); the table grows meanwhile.
    await t.db.withAdvisoryLock(918_273, async (conn) => {
      const plan = async (statement: string): Promise<string> =>
        (await conn.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${statement}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      const look = `look('${tenant.tenantId}', 'more_300')`;
      const idsOf = `ids_of('${tenant.tenantId}', '{more_1,more_2,more_3}')`;
      await conn.exec(`SET plan_cache_mode = force_generic_plan;
        PREPARE look(text, text) AS SELECT 1 FROM events x WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE OF x`);
      try {
        // Precondition (PostgreSQL 15): with no statistics the tie between the tenant's indexes goes elsewhere.
        expect(await plan(look)).not.toContain('events_pkey');
        await storeEvents(t.db, tenant.tenantId, 'more_', 600);
        expect(await events()).toMatchObject({ analyzed: false });
        expect((await events())?.pages).toBeGreaterThanOrEqual(ANALYZE_FROM_PAGES);
        expect(await plan(look)).not.toContain('events_pkey'); // kept while the table grew

        const analyzed = await analyzeDueTables(t.db);
        expect(analyzed).toContain('events');
        expect(analyzed).not.toContain('tenants'); // one row: not due
        expect(await events()).toMatchObject({ analyzed: true });
        // The kept plan was made again with the statistics: the primary key.
        expect(await plan(look)).toContain('events_pkey');

        // With statistics of a small table, a handful of ids is cheapest found by reading the table.
        await conn.exec(`PREPARE ids_of(text, text[]) AS SELECT id FROM events WHERE tenant_id = $1 AND id = ANY($2::text[])`);
        expect(await plan(idsOf)).toContain('Seq Scan on events'); // precondition
        expect(await analyzeDueTables(t.db)).not.toContain('events'); // not again until it has doubled
        const analyzedAt = (await events())?.relpages ?? 0;
        await storeEvents(t.db, tenant.tenantId, 'grown_', 2000);
        expect((await events())?.pages).toBeGreaterThanOrEqual(2 * analyzedAt);
        expect(await plan(idsOf)).toContain('Seq Scan on events'); // kept while the table grew
        expect(await analyzeDueTables(t.db)).toContain('events');
        expect((await events())?.relpages).toBeGreaterThanOrEqual(2 * analyzedAt);
        // Made anew at the new size: the primary key.
        expect(await plan(idsOf)).toContain('events_pkey');
      } finally {
        await conn.exec('DEALLOCATE ALL; RESET plan_cache_mode');
      }
    });
  });

  it('skips the pass while another process of the same schema holds the turn', async () => {
    await t.db.query(`CREATE TABLE filler (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false)`);
    await t.db.query(`INSERT INTO filler SELECT i, repeat('x', 200) FROM generate_series(1, 2000) i`);
    await t.db.transaction(async (other) => {
      await other.query(`SELECT pg_advisory_xact_lock(hashtext('baton:planner-statistics:' || current_schema()))`);
      expect(await analyzeDueTables(t.db)).toEqual([]);
    });
    // A table this process tried at this size is left alone (a role that may not analyze it only gets a warning).
    const pages = (await tableStatistics(t.db)).find((s) => s.name === 'filler')?.pages ?? 0;
    expect(await analyzeDueTables(t.db, new Map([['filler', pages]]))).not.toContain('filler');
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
