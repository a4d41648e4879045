import type { Database } from '../../server/db/database';
import { ConnectionUniqueError, connectionStore } from '../../server/connections/connection-store.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, uniqueName, type TestDb } from '../support/services';

for (const backend of backends) {
  describeWith(backend.needs, `the connection store on ${backend.name}`, () => {
    let t: TestDb;
    let db: Database;
    beforeAll(async () => {
      t = await backend.open();
      db = t.db;
    });
    afterAll(async () => t.cleanup());

    it('stores every vendor in one table, finds rows by filter and keeps one row per vendor account', async () => {
      const { tenantId } = await createTenant(db, 'Store');
      const portal = uniqueName('portal');
      const org = `00D${uniqueName('o').slice(2, 14).padEnd(12, '0')}AAA`;
      const hub = await connectionStore.insert<{ scopes: string[] }>(db, {
        tenantId,
        id: uniqueName('con'),
        type: 'hubspot',
        externalId: portal,
        config: { scopes: ['crm'] },
        sealed: { ciphertext: 'c1', keyId: 'k1' },
      });
      expect(hub).toMatchObject({
        tenantId,
        type: 'hubspot',
        externalId: portal,
        status: 'active',
        statusReason: null,
        config: { scopes: ['crm'] },
        sealed: { ciphertext: 'c1', keyId: 'k1' },
      });
      await connectionStore.insert(db, { tenantId, id: uniqueName('con'), type: 'salesforce', externalId: org, config: {}, sealed: null });
      await connectionStore.insert(db, {
        tenantId,
        id: uniqueName('con'),
        type: 'warehouse',
        externalId: null,
        config: { schedule: 'hourly' },
        sealed: null,
      });
      await expect(
        connectionStore.insert(db, { tenantId, id: uniqueName('con'), type: 'hubspot', externalId: portal, config: {}, sealed: null }),
      ).rejects.toBeInstanceOf(ConnectionUniqueError);

      expect((await connectionStore.find(db, { tenantId })).map((c) => c.type)).toEqual(['hubspot', 'salesforce', 'warehouse']);
      expect((await connectionStore.find(db, { tenantId, type: ['warehouse', 'hubspot'] })).map((c) => c.type)).toEqual([
        'hubspot',
        'warehouse',
      ]);
      expect((await connectionStore.first(db, { type: 'salesforce', externalIdFirst15: org.slice(0, 15) }))?.externalId).toBe(org);
      expect((await connectionStore.first(db, { tenantId, configHas: ['schedule'] }))?.type).toBe('warehouse');
      expect(await connectionStore.count(db, { tenantId, status: 'active', notId: hub.id })).toBe(2);
    });

    it('changes status, config and secrets as asked, only on the rows the filter names', async () => {
      const { tenantId } = await createTenant(db, 'Changes');
      const id = uniqueName('con');
      const portal = uniqueName('portal');
      await connectionStore.insert(db, {
        tenantId,
        id,
        type: 'hubspot',
        externalId: portal,
        config: { accessExpiresAt: 5, scopes: ['a'] },
        sealed: { ciphertext: 'c', keyId: 'k' },
      });
      expect(await connectionStore.update(db, { tenantId, id, status: 'disconnected' }, { statusReason: 'no' })).toEqual([]);
      const [patched] = await connectionStore.update(db, { tenantId, id }, { configPatch: { accessExpiresAt: 0 } });
      expect(patched?.config).toEqual({ accessExpiresAt: 0, scopes: ['a'] });
      const [gone] = await connectionStore.update(
        db,
        { tenantId, type: 'hubspot', externalId: portal },
        {
          status: 'disconnected',
          statusReason: 'revoked',
          sealed: null,
          configNow: { purgedAt: 'json', refreshedAt: 'text' },
          configPatch: { secretDelivered: false },
        },
      );
      expect(gone).toMatchObject({
        status: 'disconnected',
        statusReason: 'revoked',
        sealed: null,
        config: { accessExpiresAt: 0, scopes: ['a'], secretDelivered: false },
      });
      expect(Number.isNaN(Date.parse(String((gone?.config as Record<string, unknown>)['purgedAt'])))).toBe(false);
      expect(typeof (gone?.config as Record<string, unknown>)['refreshedAt']).toBe('string');
      expect(
        await connectionStore.find(db, {
          tenantId,
          status: 'disconnected',
          statusReasonLike: '%revok%',
          configLacks: ['uninstallDetectedAt'],
        }),
      ).toHaveLength(1);
      const [replaced] = await connectionStore.update(
        db,
        { tenantId, id },
        { status: 'active', statusReason: null, config: { fresh: true }, sealed: { ciphertext: 'c2', keyId: 'k2' } },
      );
      expect(replaced).toMatchObject({
        status: 'active',
        statusReason: null,
        config: { fresh: true },
        sealed: { ciphertext: 'c2', keyId: 'k2' },
      });
      expect(await connectionStore.remove(db, { tenantId, id, type: 'warehouse' })).toBe(0);
      expect(await connectionStore.remove(db, { tenantId, id })).toBe(1);
    });

    it('refuses a filter that names nothing', async () => {
      await expect(connectionStore.find(db, {})).rejects.toThrow(/must name something/);
    });
  });
}
