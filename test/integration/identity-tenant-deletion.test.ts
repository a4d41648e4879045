/**
 * Migration 028: the identity tables have no foreign key to `tenants` (each check cost the write path
 * CPU); deleting a tenant still deletes all its identity rows, and only its own (trigger on tenants).
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { generateCrmPopulation } from '../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../app/identity/util/prng';
import { IdentityService } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const AT = '2026-03-01T10:00:00.000Z';
const TABLES = [
  'identity_profiles',
  'identity_nodes',
  'identity_edges',
  'identity_cannot_links',
  'identity_reviews',
  'identity_blocking_keys',
  'identity_profile_aliases',
  'identity_event_records',
] as const;

function events(): CanonicalEvent[] {
  return generateCrmPopulation(seededRandom(28), 30).map((r) => {
    const v = r.values;
    const identifiers = [
      ...(v.hubspotContactId ? [{ type: 'hubspotContactId' as const, value: v.hubspotContactId }] : []),
      ...(v.email ? [{ type: 'email' as const, value: v.email }] : []),
      ...(v.phone ? [{ type: 'phone' as const, value: v.phone }] : []),
    ];
    return { source: r.source, type: 'contact.updated', occurredAt: AT, subject: { identifiers, traits: v } } as CanonicalEvent;
  });
}

for (const backend of backends) {
  describeWith(backend.needs, `identity rows and tenant deletion on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    const counts = async (tenantId: string): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const table of TABLES)
        out[table] =
          (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]?.n ?? -1;
      return out;
    };

    /** A tenant with rows in every identity table: resolved events, then a cannot-link, a review and an alias. */
    const populated = async (name: string): Promise<string> => {
      const { tenantId } = await createTenant(t.db, name);
      const service = new IdentityService();
      const list = events().map((event, i) => ({ eventId: `evt_${name}_${i}`, event }));
      await t.db.transaction((tx) => service.linkMany(tx, tenantId, list));
      const ops = [
        { op: 'cannot+', a: 'email:a@x.io', b: 'email:b@x.io', source: 'test', record_id: 'r1', at: AT },
        {
          op: 'review+',
          items: [
            {
              id: 'rv1',
              public_id: 'rev_1',
              kind: 'conflict',
              a: 'email:a@x.io',
              b: 'email:b@x.io',
              profiles: [],
              reason: null,
              detail: null,
              source: 'test',
              record_id: 'r1',
              at: AT,
            },
          ],
        },
        { op: 'alias', profile: 'prof_gone', into: 'prof_kept' },
      ];
      const r = await t.db.query<{ r: string }>('SELECT identity_apply($1, $2::int[], $3::int[], $4::jsonb, $5::jsonb, true) AS r', [
        tenantId,
        [],
        [],
        '{}',
        JSON.stringify({ ops }),
      ]);
      expect(r.rows[0]?.r).toBe('ok');
      return tenantId;
    };

    it('has no foreign keys from the identity graph tables to tenants', async () => {
      const r = await t.db.query<{ table: string }>(
        `SELECT c.conrelid::regclass::text AS table FROM pg_constraint c
          WHERE c.contype = 'f' AND c.confrelid = 'tenants'::regclass AND c.conrelid::regclass::text LIKE 'identity_%'`,
      );
      expect(r.rows.map((row) => row.table)).toEqual(['identity_models']);
    });

    it("deleting a tenant deletes all of its identity rows and none of another tenant's", async () => {
      const gone = await populated('Gone');
      const kept = await populated('Kept');
      const before = await counts(gone);
      for (const table of TABLES) expect(before[table]).toBeGreaterThan(0);
      const keptBefore = await counts(kept);
      await t.db.query('DELETE FROM tenants WHERE id = $1', [gone]);
      expect(Object.values(await counts(gone))).toEqual(TABLES.map(() => 0));
      expect(await counts(kept)).toEqual(keptBefore);
    });
  });
}
