import { transactionalGraphStore } from '../../server/identity/graph-store.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';
import { describeGraphStoreContract } from '../unit/identity/store-contract';

for (const backend of backends) {
  describeWith(backend.needs, `SQL identity graph store on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    describeGraphStoreContract(`sql/${backend.name}`, async () => {
      const { tenantId } = await createTenant(t.db, 'Identity');
      const count = async (table: string): Promise<number> =>
        (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]?.n ?? -1;
      return {
        store: transactionalGraphStore(t.db, tenantId),
        counts: async () => ({
          nodes: await count('identity_nodes'),
          edges: await count('identity_edges'),
          profiles: await count('identity_profiles'),
        }),
        close: async () => undefined,
      };
    });
  });
}
