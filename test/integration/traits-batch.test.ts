/**
 * The traits stage's micro-batch write (issue #16, server/warehouse/traits.repository.ts
 * `recordTraitsMany`): one statement for many events' traits leaves exactly what recording them one
 * event at a time, in the same order, leaves — the newest value per profile and name, of equally new
 * ones the later event's, and never an older value over a stored newer one — on both storage modes.
 */
import type { Database } from '../../server/db/database';
import { recordTraits, recordTraitsMany, type TraitWrite } from '../../server/warehouse/traits.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { seededRandom } from '../../app/identity/util/prng';
import { backends, describeWith, type TestDb } from '../support/services';

const PROFILES = ['prof_a', 'prof_b', 'prof_c'];
const NAMES = ['plan', 'city', 'seats'];

/** Events (each a profile, a time and some of the names), times drawn from a few so that ties happen. */
function draws(seed: number, n: number): { eventId: string; profileId: string; at: string; traits: [string, unknown][] }[] {
  const random = seededRandom(seed);
  const rnd = (): number => random.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: n }, (_, i) => ({
    eventId: `evt_${seed}_${i}`,
    profileId: pick(PROFILES),
    at: new Date(Date.UTC(2026, 0, 1, 0, pick([0, 1, 2, 3]))).toISOString(),
    traits: NAMES.filter(() => rnd() < 0.6).map((name) => [name, `${name}-${i}`] as [string, unknown]),
  })).filter((e) => e.traits.length > 0);
}

async function stored(db: Database, tenantId: string): Promise<unknown[]> {
  return (
    await db.query(
      `SELECT profile_id, name, value, source, event_id, updated_at FROM profile_traits WHERE tenant_id = $1 ORDER BY profile_id, name`,
      [tenantId],
    )
  ).rows;
}

for (const backend of backends) {
  describeWith(backend.needs, `traits recorded a batch at a time on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    it('leaves what one-at-a-time recording leaves, over stored values and within the batch', async () => {
      for (const seed of [1, 2, 3]) {
        const one = await createTenant(t.db, `One ${seed}`);
        const many = await createTenant(t.db, `Many ${seed}`);
        // Already stored before the batch: the same first events for both tenants, one at a time.
        const before = draws(seed + 100, 6);
        const batch = draws(seed, 30);
        for (const tenantId of [one.tenantId, many.tenantId])
          for (const e of before)
            await recordTraits(t.db, { tenantId, profileId: e.profileId, source: 'api', eventId: e.eventId, at: e.at, traits: e.traits });
        for (const e of batch)
          await recordTraits(t.db, {
            tenantId: one.tenantId,
            profileId: e.profileId,
            source: 'crm',
            eventId: e.eventId,
            at: e.at,
            traits: e.traits,
          });
        const rows: TraitWrite[] = batch.flatMap((e) =>
          e.traits.map(([name, value]) => ({ profileId: e.profileId, name, value, source: 'crm', eventId: e.eventId, at: e.at })),
        );
        let statements = 0;
        await recordTraitsMany({ query: (sql, params) => (statements++, t.db.query(sql, params)) }, many.tenantId, rows);
        expect(statements).toBe(1);
        const expected = await stored(t.db, one.tenantId);
        expect(expected.length).toBeGreaterThan(3);
        expect(await stored(t.db, many.tenantId)).toEqual(expected);
      }
    });
  });
}
