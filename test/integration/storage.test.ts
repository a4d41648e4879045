import type { Database } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { migrations } from '../../server/db/migrations';
import { openPostgres } from '../../server/db/postgres';
import { outbox } from '../../server/dispatch/outbox.repository';
import { createTenant, tenantForApiKey } from '../../server/tenants/tenants.repository';
import { TEST_DATABASE_URL, backends, describeWith, openTestPostgres, uniqueName, type TestDb } from '../support/services';

const TENANT_OWNED = ['api_keys', 'connections', 'events', 'outbox'];
/** OAuth `state` rows exist before a tenant may (a marketplace install creates it at the callback): keyed by the random state, tenant_id nullable. */
const PRE_TENANT = new Set(['hubspot_oauth_states', 'salesforce_oauth_states']);

for (const backend of backends) {
  describeWith(backend.needs, `storage on ${backend.name}`, () => {
    let t: TestDb;
    let db: Database;
    beforeAll(async () => {
      t = await backend.open();
      db = t.db;
    });
    afterAll(async () => t.cleanup());

    it('applies migrations once and is safe to run again', async () => {
      const again = await migrate(db);
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(migrations.map((m) => m.version));
      const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(r.rows[0]?.n).toBe(migrations.length);
    });

    it('refuses a shipped migration whose text changed', async () => {
      const first = migrations[0];
      if (first === undefined) throw new Error('no migrations');
      await expect(migrate(db, [{ ...first, sql: `${first.sql}\n-- edited` }])).rejects.toThrow(/changed after it was applied/);
    });

    it('keys every tenant-owned table by tenant_id', async () => {
      const r = await db.query<{ table_name: string; column_name: string }>(
        `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema
          WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND kcu.ordinal_position = 1`,
      );
      const firstKeyColumn = Object.fromEntries(r.rows.map((row) => [row.table_name, row.column_name]));
      for (const table of TENANT_OWNED) expect([table, firstKeyColumn[table]]).toEqual([table, 'tenant_id']);
      // Every table any capability added with a tenant_id column is keyed by it too.
      const withTenant = await db.query<{ table_name: string }>(
        `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'`,
      );
      expect(withTenant.rows.length).toBeGreaterThan(TENANT_OWNED.length);
      const unkeyed = withTenant.rows
        .map((row) => row.table_name)
        .filter((table) => !PRE_TENANT.has(table) && firstKeyColumn[table] !== 'tenant_id');
      expect(unkeyed).toEqual([]);
    });

    it('lists migrations in strictly increasing version order', () => {
      const versions = migrations.map((m) => m.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).toBe(versions.length);
    });

    it('stores API keys hashed and finds the tenant by key', async () => {
      const { tenantId, apiKey } = await createTenant(db, 'Acme');
      expect(await tenantForApiKey(db, apiKey)).toBe(tenantId);
      expect(await tenantForApiKey(db, `${apiKey.slice(0, -1)}x`)).toBeUndefined();
      const stored = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE tenant_id = $1', [tenantId]);
      expect(stored.rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored.rows)).not.toContain(apiKey);
    });

    it('keeps the event log append-only', async () => {
      const { tenantId } = await createTenant(db, 'Log');
      await db.query(
        `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject) VALUES ($1, 'evt_1', 'api', 's1', 'x.y', now(), '{}')`,
        [tenantId],
      );
      await expect(db.query(`UPDATE events SET text = 'changed' WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM events WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
      await db.query(`UPDATE events SET processed_at = now(), profile_id = 'p1' WHERE tenant_id = $1`, [tenantId]);
      const erased = await db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('baton.erasure', 'on', true)`);
        return tx.query(`DELETE FROM events WHERE tenant_id = $1`, [tenantId]);
      });
      expect(erased.rowCount).toBe(1);
    });

    it('claims an outbox row once, honours due times and leases, and dedupes by key', async () => {
      const { tenantId } = await createTenant(db, 'Outbox');
      const ref = await outbox.insert(db, { tenantId, kind: 'k', dedupeKey: 'same' });
      const again = await outbox.insert(db, { tenantId, kind: 'k', dedupeKey: 'same' });
      expect(again.id).toBe(ref.id);
      const [a, b] = await Promise.all([outbox.claim(db, ref, 'w1', 60_000), outbox.claim(db, ref, 'w2', 60_000)]);
      expect([a, b].filter((x) => x !== undefined)).toHaveLength(1);
      await outbox.complete(db, ref);
      expect((await outbox.get(db, tenantId, ref.id))?.status).toBe('done');
      expect(await outbox.claim(db, ref, 'w3', 60_000)).toBeUndefined();

      const later = await outbox.insert(db, { tenantId, kind: 'k', dueAt: new Date(Date.now() + 3_600_000) });
      expect(await outbox.claim(db, later, 'w1', 60_000)).toBeUndefined();

      const leased = await outbox.insert(db, { tenantId, kind: 'k' });
      expect(await outbox.claim(db, leased, 'w1', 1)).toBeDefined();
      await new Promise((r) => setTimeout(r, 20));
      const reclaimed = await outbox.claim(db, leased, 'w2', 60_000);
      expect(reclaimed?.attempts).toBe(2);
      expect(reclaimed?.locked_by).toBe('w2');
    });

    it('fails a row back to pending with a retry time, then dead when attempts run out', async () => {
      const { tenantId } = await createTenant(db, 'Retry');
      const ref = await outbox.insert(db, { tenantId, kind: 'k', maxAttempts: 2 });
      await outbox.claim(db, ref, 'w', 60_000);
      const next = await outbox.fail(db, ref, 'boom', new Date(Date.now() - 1));
      expect(next?.attempt).toBe(1);
      await outbox.claim(db, ref, 'w', 60_000);
      expect(await outbox.fail(db, ref, 'boom again', undefined)).toBeUndefined();
      const row = await outbox.get(db, tenantId, ref.id);
      expect(row?.status).toBe('dead');
      expect(row?.last_error).toBe('boom again');
    });
  });
}

describeWith(['postgres'], 'migrations from two processes at once', () => {
  it('applies each migration exactly once when two connections race', async () => {
    const schema = uniqueName('race');
    const a = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
    const b = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      expect([...ra.applied, ...rb.applied].sort((x, y) => x - y)).toEqual(migrations.map((m) => m.version));
      const r = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(r.rows[0]?.n).toBe(migrations.length);
    } finally {
      await a.close();
      await b.close();
      const t = await openTestPostgres(schema);
      await t.cleanup();
    }
  });
});
