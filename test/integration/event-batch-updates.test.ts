/**
 * A micro-batch's writes to its events (setEventProfiles at identity, markEventsProcessed at the end)
 * name the events by an id array. Both backends: each event gets its own profile, a processed mark with
 * no profile keeps the stored one, other events and other tenants are untouched. On PostgreSQL, with
 * a few thousand events stored (where the recordset join alone hashed the whole table), both
 * statements read events through the primary key with the id array, planned per call and generically.
 */
import {
  MARK_EVENTS_PROCESSED_SQL,
  markEventsProcessed,
  SET_EVENT_PROFILES_SQL,
  setEventProfiles,
} from '../../server/events/events.repository';
import { backends, describeWith, type TestDb } from '../support/services';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

for (const backend of backends) {
  describeWith(backend.needs, `a batch's event updates (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
      await t.db.query(`INSERT INTO tenants (id, name) VALUES ('t1', 't1'), ('t2', 't2')`);
      // 3,000 events of t1 and the same ids under t2.
      for (const tenant of ['t1', 't2'])
        await t.db.query(
          `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text)
           SELECT $1, 'evt_' || i, 'api', 'src_' || i, 'message.received', now(), '{"identifiers": []}'::jsonb, repeat('words ', 40)
             FROM generate_series(1, 3000) i`,
          [tenant],
        );
    });
    afterAll(async () => t.cleanup());

    const rows = async (tenant: string, ids: readonly string[]): Promise<Record<string, { profile: string | null; processed: boolean }>> =>
      Object.fromEntries(
        (
          await t.db.query<{ id: string; profile_id: string | null; processed: boolean }>(
            'SELECT id, profile_id, processed_at IS NOT NULL AS processed FROM events WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id',
            [tenant, [...ids]],
          )
        ).rows.map((r) => [r.id, { profile: r.profile_id, processed: r.processed }]),
      );

    it('sets each event its profile, then marks them processed keeping a stored profile where none is given', async () => {
      await setEventProfiles(t.db, 't1', [
        { id: 'evt_1', profileId: 'prof_a' },
        { id: 'evt_2', profileId: 'prof_b' },
      ]);
      await markEventsProcessed(t.db, 't1', [
        { id: 'evt_1', profileId: null },
        { id: 'evt_2', profileId: 'prof_c' },
        { id: 'evt_3', profileId: null },
      ]);
      expect(await rows('t1', ['evt_1', 'evt_2', 'evt_3', 'evt_4'])).toEqual({
        evt_1: { profile: 'prof_a', processed: true },
        evt_2: { profile: 'prof_c', processed: true },
        evt_3: { profile: null, processed: true },
        evt_4: { profile: null, processed: false },
      });
      // The other tenant's events with the same ids are untouched.
      expect(await rows('t2', ['evt_1', 'evt_2', 'evt_3'])).toEqual({
        evt_1: { profile: null, processed: false },
        evt_2: { profile: null, processed: false },
        evt_3: { profile: null, processed: false },
      });
    });

    it('reads events through the primary key with the id array, per call and generically (PostgreSQL)', async () => {
      if (backend.name !== 'postgres') return;
      const ids = Array.from({ length: 20 }, (_, i) => `evt_${100 + i * 7}`);
      const profiles = ids.map((_, i) => `prof_${i}`);
      for (const [name, sql] of [
        ['set_profiles', SET_EVENT_PROFILES_SQL],
        ['mark_processed', MARK_EVENTS_PROCESSED_SQL],
      ] as const) {
        for (const mode of ['force_custom_plan', 'force_generic_plan']) {
          const plan = await t.db.transaction(async (tx) => {
            await tx.query(`PREPARE ${name}(text, text[], text[]) AS ${sql}`);
            await tx.query(`SET LOCAL plan_cache_mode = ${mode}`);
            // EXPLAIN EXECUTE takes no bind parameters: the arrays as literals (plain ids).
            const r = await tx.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
              `EXPLAIN (FORMAT JSON) EXECUTE ${name}('t1', '{${ids.join(',')}}', '{${profiles.join(',')}}')`,
            );
            await tx.query(`DEALLOCATE ${name}`);
            return r.rows[0]?.['QUERY PLAN'][0]?.Plan;
          });
          if (plan === undefined) throw new Error('no plan');
          const nodes = nodesOf(plan);
          expect({ name, mode, seqScan: nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'events') }).toEqual({
            name,
            mode,
            seqScan: false,
          });
          const reads = nodes.filter((n) => n['Index Name'] !== undefined);
          expect(reads.map((n) => n['Index Name'])).toEqual(['events_pkey']);
          expect(reads[0]?.['Index Cond']).toMatch(/id = ANY/);
        }
      }
    });
  });
}
