/**
 * A micro-batch's holdout assignments in one statement (HoldoutAssignments.assignMany, issue #16): the
 * draws `of` would make, stored; assignments stored before kept (even under another share); and every
 * `of` afterwards answered without a statement.
 */
import { defaultDecisioningConfig, isInHoldout, type DecisioningConfig } from '../../app/decisioning';
import type { Database, Queryable, QueryResult } from '../../server/db/database';
import { HoldoutAssignments } from '../../server/decisioning/holdout.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(60_000);

/** The database, counting the statements sent through it. */
function counting(db: Database): { db: Database; count: () => number } {
  let n = 0;
  const counted: Database = {
    ...db,
    query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      n++;
      return db.query<Row>(sql, params);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        fn({
          query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
            n++;
            return tx.query<Row>(sql, params);
          },
        }),
      );
    },
  };
  return { db: counted, count: () => n };
}

const config = (share: number, salt: string): DecisioningConfig => defaultDecisioningConfig({ holdout: { share, salt } });

for (const backend of backends) {
  describeWith(backend.needs, `holdout assignments of a batch (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;
    beforeAll(async () => {
      t = await backend.open();
      tenantId = (await createTenant(t.db, 'Holdout batch')).tenantId;
    });
    afterAll(async () => t.cleanup());

    it('draws and stores the unknown people in one statement, keeps stored ones, and answers `of` from memory afterwards', async () => {
      const half = config(0.5, 'salt-a');
      // One person assigned earlier, under a share that put everybody in the holdout.
      await new HoldoutAssignments(t.db).of(tenantId, 'p-early', config(1, 'salt-a'));
      const people = ['p-early', ...Array.from({ length: 40 }, (_, i) => `p-${i}`)];
      const c = counting(t.db);
      const holdout = new HoldoutAssignments(c.db);
      await holdout.assignMany(tenantId, [...people, 'p-3'], half);
      expect(c.count()).toBe(1);
      const answers = await Promise.all(people.map((p) => holdout.of(tenantId, p, half)));
      expect(c.count()).toBe(1);
      expect(answers[0]).toBe(true);
      expect(answers.slice(1)).toEqual(people.slice(1).map((p) => isInHoldout(p, half.holdout)));
      // Both groups are drawn at a half share (not all one answer).
      expect(new Set(answers.slice(1)).size).toBe(2);
      const stored = await t.db.query<{ profile_id: string; in_holdout: boolean }>(
        'SELECT profile_id, in_holdout FROM holdout_assignments WHERE tenant_id = $1 ORDER BY profile_id',
        [tenantId],
      );
      expect(new Map(stored.rows.map((r) => [r.profile_id, r.in_holdout]))).toEqual(new Map(people.map((p, i) => [p, answers[i]])));
      // Nobody unknown left: no statement.
      await holdout.assignMany(tenantId, people, half);
      expect(c.count()).toBe(1);
      // Another process knows nothing yet: it reads what was stored (a changed share moves nobody).
      const other = new HoldoutAssignments(t.db);
      await other.assignMany(tenantId, people, config(0, 'salt-b'));
      expect(await Promise.all(people.map((p) => other.of(tenantId, p, config(0, 'salt-b'))))).toEqual(answers);
    });

    it('two batches sharing people at once store one assignment each', async () => {
      const half = config(0.5, 'salt-c');
      const a = Array.from({ length: 30 }, (_, i) => `q-${i}`);
      const b = [...a].reverse();
      await Promise.all([
        new HoldoutAssignments(t.db).assignMany(tenantId, a, half),
        new HoldoutAssignments(t.db).assignMany(tenantId, b, half),
      ]);
      const stored = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM holdout_assignments WHERE tenant_id = $1 AND profile_id LIKE 'q-%'`,
        [tenantId],
      );
      expect(stored.rows[0]?.n).toBe(30);
    });
  });
}
