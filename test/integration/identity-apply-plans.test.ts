/**
 * Migration 026: identity_apply plans each statement for the call at hand (no generic plan kept from
 * when the identity tables were small), and a record's blocking keys still follow its current keys.
 * Migration 029: identity_read is planned per call too, and its fingerprints are the ones
 * identity_apply checks.
 */
import type { Database } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { openPglite } from '../../server/db/pglite';
import { createTenant } from '../../server/tenants/tenants.repository';

describe('identity_apply (migration 026)', () => {
  let db: Database;
  let tenantId: string;
  beforeAll(async () => {
    db = await openPglite({ dataDir: undefined });
    await migrate(db);
    tenantId = (await createTenant(db, 'Apply plans')).tenantId;
  });
  afterAll(async () => {
    await db.close();
  });

  const apply = async (w: Record<string, unknown>, k1: number[] = [], k2: number[] = []): Promise<string | undefined> =>
    (
      await db.query<{ r: string }>('SELECT identity_apply($1, $2::int[], $3::int[], $4::jsonb, $5::jsonb, true) AS r', [
        tenantId,
        k1,
        k2,
        '{}',
        JSON.stringify(w),
      ])
    ).rows[0]?.r;

  it('is planned per call', async () => {
    const r = await db.query<{ config: string[] | null }>(`SELECT proconfig AS config FROM pg_proc WHERE proname = 'identity_apply'`);
    expect(r.rows[0]?.config).toContain('plan_cache_mode=force_custom_plan');
  });

  it('keeps exactly the blocking keys a record has now, and takes its locks', async () => {
    const keys = async (record: string): Promise<string[]> =>
      (
        await db.query<{ key: string }>(`SELECT key FROM identity_blocking_keys WHERE tenant_id = $1 AND record_key = $2 ORDER BY key`, [
          tenantId,
          record,
        ])
      ).rows.map((row) => row.key);
    expect(
      await apply(
        {
          bk: [
            { record_key: 'rec:a', keys: ['k1', 'k2', 'k3'] },
            { record_key: 'rec:b', keys: ['k1'] },
          ],
        },
        [1, 2],
        [3, 4],
      ),
    ).toBe('ok');
    expect(await keys('rec:a')).toEqual(['k1', 'k2', 'k3']);
    expect(await apply({ bk: [{ record_key: 'rec:a', keys: ['k2', 'k4'] }] })).toBe('ok');
    expect(await keys('rec:a')).toEqual(['k2', 'k4']);
    expect(await keys('rec:b')).toEqual(['k1']);
    expect(await apply({ bk: [{ record_key: 'rec:b', keys: [] }] })).toBe('ok');
    expect(await keys('rec:b')).toEqual([]);
  });

  it('identity_read is planned per call and fingerprints rows as identity_apply checks them', async () => {
    const r = await db.query<{ config: string[] | null }>(`SELECT proconfig AS config FROM pg_proc WHERE proname = 'identity_read'`);
    expect(r.rows[0]?.config).toContain('plan_cache_mode=force_custom_plan');
    const node = {
      key: 'email::ada@x.io',
      kind: 'identifier',
      profile_id: 'prof_a',
      type: 'email',
      limit_group: null,
      shared: false,
      first_names: [],
      match: null,
      seq: 7,
    };
    expect(await apply({ n: [node], p: [{ id: 'prof_a', created_at: '2026-01-01T00:00:00.000Z', seq: 7 }] })).toBe('ok');
    const read = await db.query<{
      nodes: { key: string; fp: string; seq: number }[];
      member_fps: Record<string, string>;
      profiles: { id: string; fp: string }[];
    }>(
      `SELECT o_nodes AS nodes, o_member_fps AS member_fps, o_profiles AS profiles
         FROM identity_read($1, $2::text[], '{}', '{}', '{}', '{}', '{}', '{}', 0, 0, true)`,
      [tenantId, ['email::ada@x.io', 'email::nobody@x.io']],
    );
    const row = read.rows[0];
    expect(row?.nodes.map((n) => [n.key, n.seq])).toEqual([['email::ada@x.io', 7]]);
    expect(row?.nodes[0]).not.toHaveProperty('tenant_id');
    const checks = {
      n: { 'email::ada@x.io': row?.nodes[0]?.fp, 'email::nobody@x.io': '-' },
      m: row?.member_fps,
      p: { prof_a: row?.profiles[0]?.fp },
    };
    const check = async (c: unknown): Promise<string | undefined> =>
      (
        await db.query<{ r: string }>('SELECT identity_apply($1, $2::int[], $3::int[], $4::jsonb, $5::jsonb, true) AS r', [
          tenantId,
          [],
          [],
          JSON.stringify(c),
          '{}',
        ])
      ).rows[0]?.r;
    expect(await check(checks)).toBe('ok');
    expect(await check({ ...checks, n: { 'email::ada@x.io': 'changed' } })).toBe('stale');
  });
});
