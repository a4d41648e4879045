/**
 * Migration 030: identity_read and identity_apply's checks use a generic plan once the identity tables
 * are large (identity_generic_plans()), planned per call before; 033: or analyzed at 16 pages; 036: a
 * true answer is remembered for the session. Either way the read's fingerprints
 * are the ones the apply checks (a changed node or a new edge is 'stale', an unchanged read 'ok'),
 * and a micro-batch gives the profiles of one-by-one resolution.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { generateCrmPopulation, type SyntheticRecord } from '../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../app/identity/util/prng';
import { IdentityService } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const AT = '2026-03-01T10:00:00.000Z';

function eventOf(r: SyntheticRecord): CanonicalEvent {
  const v = r.values;
  const identifiers = [
    ...(v.hubspotContactId ? [{ type: 'hubspotContactId' as const, value: v.hubspotContactId }] : []),
    ...(v.email ? [{ type: 'email' as const, value: v.email }] : []),
    ...(v.whatsappId ? [{ type: 'whatsapp' as const, value: v.whatsappId }] : []),
    ...(v.phone ? [{ type: 'phone' as const, value: v.phone }] : []),
  ];
  return { source: r.source, type: 'contact.updated', occurredAt: AT, subject: { identifiers, traits: r.values } } as CanonicalEvent;
}

/** Partition of positions by label (labels renamed to the first position carrying them). */
function partition(labels: readonly (string | null)[]): string[] {
  const first = new Map<string, number>();
  return labels.map((l, i) => {
    if (l === null) return 'null';
    if (!first.has(l)) first.set(l, i);
    return String(first.get(l));
  });
}

for (const backend of backends) {
  describeWith(backend.needs, `identity generic plans on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    const generic = async (): Promise<boolean> =>
      (await t.db.query<{ g: boolean }>('SELECT identity_generic_plans() AS g')).rows[0]?.g === true;

    const apply = async (tenantId: string, checks: Record<string, unknown>, w: Record<string, unknown>): Promise<string | undefined> =>
      (
        await t.db.query<{ r: string }>("SELECT identity_apply($1, '{}'::int[], '{}'::int[], $2::jsonb, $3::jsonb, true) AS r", [
          tenantId,
          JSON.stringify(checks),
          JSON.stringify(w),
        ])
      ).rows[0]?.r;

    const read = async (tenantId: string, key: string): Promise<{ node: string; edges: string }> => {
      const r = await t.db.query<{ nodes: { key: string; fp: string }[]; edge_fps: Record<string, string> }>(
        `SELECT o_nodes AS nodes, o_edge_fps AS edge_fps FROM identity_read($1, $2::text[], $2::text[], '{}', '{}', '{}', '{}', '{}', 0, 0, false)`,
        [tenantId, [key]],
      );
      const row = r.rows[0];
      return { node: row?.nodes.find((n) => n.key === key)?.fp ?? '-', edges: row?.edge_fps[key] ?? '-' };
    };

    const node = (key: string, seq: number): Record<string, unknown> => ({
      key,
      kind: 'identifier',
      profile_id: null,
      type: 'email',
      limit_group: 'email:',
      shared: false,
      first_names: [],
      match: null,
      seq,
    });

    /** The read's fingerprints pass the apply's checks until the node or its edges change. */
    const checksAgree = async (tenantId: string, key: string): Promise<void> => {
      expect(await apply(tenantId, {}, { n: [node(key, 1)] })).toBe('ok');
      const before = await read(tenantId, key);
      expect(await apply(tenantId, { n: { [key]: before.node }, e: { [key]: before.edges } }, {})).toBe('ok');
      expect(await apply(tenantId, {}, { n: [node(key, 2)] })).toBe('ok');
      expect(await apply(tenantId, { n: { [key]: before.node } }, {})).toBe('stale');
      const now = await read(tenantId, key);
      expect(await apply(tenantId, { n: { [key]: now.node }, e: { [key]: now.edges } }, {})).toBe('ok');
      const edge = { id: `carries|rec:x|${key}`, kind: 'carries', a: 'rec:x', b: key, source: 'x', record_id: 'r1', at: AT, seq: 3 };
      expect(await apply(tenantId, {}, { e: [{ ...edge, status: 'active', reason: null, detail: null }] })).toBe('ok');
      expect(await apply(tenantId, { e: { [key]: now.edges } }, {})).toBe('stale');
      expect(await apply(tenantId, { e: { [key]: (await read(tenantId, key)).edges } }, {})).toBe('ok');
    };

    const batchMatchesOneByOne = async (seed: number): Promise<void> => {
      const events = generateCrmPopulation(seededRandom(seed), 30).map(eventOf);
      const service = new IdentityService();
      const one = await createTenant(t.db, 'One by one');
      const oneReturned: (string | null)[] = [];
      for (const [i, event] of events.entries())
        oneReturned.push(
          await t.db.transaction((tx) => service.identify(tx, { tenantId: one.tenantId, eventId: `one_${seed}_${i}`, event })),
        );
      const many = await createTenant(t.db, 'Batches');
      const manyReturned: (string | null)[] = [];
      for (let start = 0; start < events.length; start += 16) {
        const slice = events.slice(start, start + 16).map((event, k) => ({ eventId: `many_${seed}_${start + k}`, event }));
        manyReturned.push(...(await t.db.transaction((tx) => service.linkMany(tx, many.tenantId, slice))));
      }
      expect(partition(manyReturned)).toEqual(partition(oneReturned));
      expect(new Set(oneReturned).size).toBeLessThan(events.length); // some events joined a profile
    };

    it('plans per call while the tables are small, generically once they are large; same results', async () => {
      expect(await generic()).toBe(false);
      const small = await createTenant(t.db, 'Small tables');
      await checksAgree(small.tenantId, 'email::ada@acme.io');
      await batchMatchesOneByOne(30);

      // Another tenant's rows make the tables large (over 1 MB each).
      const pad = 'x'.repeat(200);
      await t.db.query(
        `INSERT INTO identity_nodes (tenant_id, key, kind, shared, first_names, seq)
         SELECT 'ten_filler', 'email::' || i || '${pad}@filler.io', 'identifier', false, '[]'::jsonb, i FROM generate_series(1, 6000) i`,
      );
      await t.db.query(
        `INSERT INTO identity_edges (tenant_id, id, kind, a, b, source, record_id, at, seq, status)
         SELECT 'ten_filler', 'carries|' || i, 'carries', 'rec:filler:' || i, 'email::' || i || '${pad}@filler.io', 'filler', 'r', '${AT}', i, 'active'
           FROM generate_series(1, 6000) i`,
      );
      await t.db.query(
        `INSERT INTO identity_blocking_keys (tenant_id, key, record_key)
         SELECT 'ten_filler', 'email=' || i || '${pad}', 'rec:filler:' || i FROM generate_series(1, 6000) i`,
      );
      expect(await generic()).toBe(true);
      const large = await createTenant(t.db, 'Large tables');
      await checksAgree(large.tenantId, 'email::ada@acme.io');
      await batchMatchesOneByOne(31);
    }, 120_000);

    it('keeps a true answer for the session and computes a false one again at each call (036)', async () => {
      const s = await backend.open();
      try {
        const name = `'baton.identity_generic_plans_' || md5(current_schema())`;
        const answer = async (): Promise<{ g: boolean; v: string | null }> =>
          (await s.db.query<{ g: boolean; v: string | null }>(`SELECT identity_generic_plans() AS g, current_setting(${name}, true) AS v`))
            .rows[0] ?? { g: false, v: null };
        // Empty tables: false, and nothing remembered.
        const first = await answer();
        expect(first.g).toBe(false);
        expect(first.v ?? '').toBe('');
        // A session whose setting says so answers true without looking at the tables (still empty here).
        const inSession = await s.db.transaction(async (tx) => {
          await tx.query(`SELECT set_config(${name}, 'on', true)`);
          return (await tx.query<{ g: boolean }>('SELECT identity_generic_plans() AS g')).rows[0]?.g;
        });
        expect(inSession).toBe(true);
        // The setting was local to that transaction: the tables are looked at again, still false.
        expect((await answer()).g).toBe(false);
      } finally {
        await s.cleanup();
      }
    });

    it('plans generically once each table has statistics of 16 pages or more, before 1 MB (033)', async () => {
      const s = await backend.open();
      try {
        const genericIn = async (): Promise<boolean> =>
          (await s.db.query<{ g: boolean }>('SELECT identity_generic_plans() AS g')).rows[0]?.g === true;
        // Autovacuum stays out: the ANALYZE below is the one that counts.
        if (backend.name === 'postgres')
          for (const table of ['identity_nodes', 'identity_edges', 'identity_blocking_keys'])
            await s.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
        const size = async (): Promise<number> =>
          (
            await s.db.query<{ pages: number }>(
              `SELECT min(pg_relation_size(c) / 8192)::int AS pages FROM unnest(ARRAY['identity_nodes', 'identity_edges', 'identity_blocking_keys']::regclass[]) c`,
            )
          ).rows[0]?.pages ?? 0;
        const fill = async (from: number, to: number): Promise<void> => {
          await s.db.query(
            `INSERT INTO identity_nodes (tenant_id, key, kind, shared, first_names, seq)
             SELECT 'ten_filler', 'email::' || i || '@filler.io', 'identifier', false, '[]'::jsonb, i FROM generate_series($1::int, $2::int) i`,
            [from, to],
          );
          await s.db.query(
            `INSERT INTO identity_edges (tenant_id, id, kind, a, b, source, record_id, at, seq, status)
             SELECT 'ten_filler', 'carries|' || i, 'carries', 'rec:filler:' || i, 'email::' || i || '@filler.io', 'filler', 'r', '${AT}', i, 'active'
               FROM generate_series($1::int, $2::int) i`,
            [from, to],
          );
          await s.db.query(
            `INSERT INTO identity_blocking_keys (tenant_id, key, record_key)
             SELECT 'ten_filler', 'email=' || i || '@filler.io', 'rec:filler:' || i FROM generate_series($1::int, $2::int) i`,
            [from, to],
          );
        };
        const analyze = (): Promise<unknown> => s.db.exec('ANALYZE identity_nodes, identity_edges, identity_blocking_keys');

        // Statistics of a few pages do not count.
        await fill(1, 40);
        await analyze();
        expect(await genericIn()).toBe(false);

        // 16 pages or more each, well under 1 MB: without statistics still per call; analyzed, generic.
        await fill(41, 2000);
        expect(await size()).toBeGreaterThanOrEqual(16);
        expect(await size()).toBeLessThan(128);
        expect(await genericIn()).toBe(false);
        await analyze();
        expect(await genericIn()).toBe(true);

        // The answer is remembered for the session (036): a later call in it reads only that setting.
        const remembered = await s.db.transaction(async (tx) => {
          await tx.query('SELECT identity_generic_plans()');
          return (
            await tx.query<{ v: string | null }>(
              `SELECT current_setting('baton.identity_generic_plans_' || md5(current_schema()), true) AS v`,
            )
          ).rows[0]?.v;
        });
        expect(remembered).toBe('on');

        // Same results under the generic plans.
        const tenant = await createTenant(s.db, 'Analyzed tables');
        const savedDb = t; // the helpers above read `t`
        t = s;
        try {
          await checksAgree(tenant.tenantId, 'email::ada@acme.io');
          await batchMatchesOneByOne(32);
        } finally {
          t = savedDb;
        }
      } finally {
        await s.cleanup();
      }
    }, 120_000);
  });
}
