/**
 * Migration 037: a decision's record (its explanation of every catalog action) is compressed with lz4
 * where the server was built with it (this project's PostgreSQL); the embedded server (built without
 * lz4) keeps its default and migrates all the same.
 * Either way a decision reads back as it was decided.
 */
import { createDecisioning } from '../../server/decisioning/decisioning';
import { saveCatalog, savePolicies } from '../../server/decisioning/settings.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

for (const backend of backends) {
  describeWith(backend.needs, `decision records' compression (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    /** Whether the server was built with lz4 (PGlite is not; a PostgreSQL 14+ build usually is). */
    const hasLz4 = async (): Promise<boolean> =>
      t.db
        .transaction(async (tx) => {
          await tx.query("SET LOCAL default_toast_compression = 'lz4'");
          return true;
        })
        .catch(() => false);

    it('writes records and drafts with lz4 where the server has it, and keeps the default elsewhere', async () => {
      const lz4 = await hasLz4();
      // PGlite is built without it.
      if (backend.name === 'pglite') expect(lz4).toBe(false);
      const column = await t.db.query<{ name: string; compression: string }>(
        `SELECT attname AS name, attcompression::text AS compression FROM pg_attribute
          WHERE attrelid = 'decisions'::regclass AND attname IN ('record', 'draft') ORDER BY attname`,
      );
      const expected = lz4 ? 'l' : '';
      expect(column.rows).toEqual([
        { name: 'draft', compression: expected },
        { name: 'record', compression: expected },
      ]);
    });

    it('stores a large explanation compressed and reads the decision back unchanged', async () => {
      const { tenantId } = await createTenant(t.db, 'Compressed decisions');
      // Twenty actions: an explanation of several kilobytes, as the sustained bench's.
      const actions = Array.from({ length: 20 }, (_, i) => ({
        id: `action-${i}`,
        label: `Action ${i}`,
        channel: i % 3 === 0 ? ('task' as const) : i % 3 === 1 ? ('email' as const) : ('sms' as const),
        value: 5 + i,
      }));
      await t.db.transaction((tx) => saveCatalog(tx, tenantId, actions));
      await savePolicies(t.db, tenantId, { holdout: { share: 0 }, randomControlShare: 0 });
      const decisioning = createDecisioning(t.db, { now: () => T0 });
      const decided = await decisioning.decide.decide(tenantId, 'p-lz4', { trigger: 'message.received' }, { origin: 'api' });
      const stored = await t.db.query<{ size: number; raw: number; compression: string | null; record: unknown }>(
        `SELECT pg_column_size(record) AS size, octet_length(record::text) AS raw, pg_column_compression(record) AS compression, record
           FROM decisions WHERE tenant_id = $1 AND id = $2`,
        [tenantId, decided.record.decisionId],
      );
      const row = stored.rows[0];
      if (row === undefined) throw new Error('the decision was not stored');
      expect(row.raw).toBeGreaterThan(4_000);
      expect(row.size).toBeLessThan(row.raw);
      expect(row.compression).toBe((await hasLz4()) ? 'lz4' : 'pglz');
      expect(row.record).toEqual(decided.record);
    });
  });
}
