/**
 * The connection store's hot-path cache (issue #16: the CRM write-back stages asked for the tenant's
 * installation on every event): served from memory within CONNECTION_CACHE_MS, emptied by every write
 * through the store, and a read that overlapped a write is not kept.
 */
import type { Database, Queryable } from '../../server/db/database';
import { ConnectionStore } from '../../server/connections/connection-store.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { openTestPglite, type TestDb } from '../support/services';

function counting(db: Database): Queryable & { reads: number } {
  const q = {
    reads: 0,
    query: ((sql: string, params?: readonly unknown[]) => {
      if (/^SELECT .* FROM connections/.test(sql)) q.reads++;
      return db.query(sql, params);
    }) as Queryable['query'],
  };
  return q;
}

describe('connection store cache', () => {
  let t: TestDb;
  let tenantId: string;
  beforeAll(async () => {
    t = await openTestPglite();
    tenantId = (await createTenant(t.db, 'Cache')).tenantId;
  });
  afterAll(async () => t.cleanup());

  it('serves repeated reads from memory and sees its own writes at once', async () => {
    const store = new ConnectionStore();
    const q = counting(t.db);
    expect(await store.ofTenantCached(q, tenantId, 'hubspot')).toEqual([]);
    expect(await store.ofTenantCached(q, tenantId, 'hubspot')).toEqual([]);
    expect(q.reads).toBe(1);
    await store.insert(t.db, { tenantId, id: 'conn_a', type: 'hubspot', externalId: '42', config: {}, sealed: null });
    const after = await store.ofTenantCached(q, tenantId, 'hubspot');
    expect(after.map((c) => [c.externalId, c.status])).toEqual([['42', 'active']]);
    expect(q.reads).toBe(2);
    // Another type and another tenant are their own entries.
    expect(await store.ofTenantCached(q, tenantId, 'salesforce')).toEqual([]);
    expect(q.reads).toBe(3);
    await store.update(t.db, { tenantId, id: 'conn_a' }, { status: 'disconnected', statusReason: 'admin' });
    expect((await store.ofTenantCached(q, tenantId, 'hubspot')).map((c) => c.status)).toEqual(['disconnected']);
    await store.remove(t.db, { tenantId, id: 'conn_a' });
    expect(await store.ofTenantCached(q, tenantId, 'hubspot')).toEqual([]);
    expect(q.reads).toBe(5);
  });

  it('does not keep a read that a write overlapped', async () => {
    const store = new ConnectionStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Queryable = {
      query: async (sql, params) => {
        const result = await t.db.query(sql, params);
        await gate;
        return result as never;
      },
    };
    const reading = store.ofTenantCached(slow, tenantId, 'zendesk');
    await store.insert(t.db, { tenantId, id: 'conn_z', type: 'zendesk', externalId: 'acme', config: {}, sealed: null });
    release();
    expect(await reading).toEqual([]);
    // The overlapped answer was dropped: the next read goes to the database and sees the row.
    const q = counting(t.db);
    expect((await store.ofTenantCached(q, tenantId, 'zendesk')).map((c) => c.externalId)).toEqual(['acme']);
    expect(q.reads).toBe(1);
  });
});
