/**
 * Stream positions are written only for a connection not disconnected (a write racing the disconnect
 * purge must not leave rows behind it: seen once as five positions left after a purge in CI).
 */
import { notePositionTrouble, savePosition, streamPositions } from '../../../connectors/salesforce/stream-positions.repository';
import { createTenant } from '../../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../../support/services';

jest.setTimeout(60_000);

for (const backend of backends) {
  describeWith(backend.needs, `Salesforce stream positions of a disconnected connection (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;
    beforeAll(async () => {
      t = await backend.open();
      tenantId = (await createTenant(t.db, 'Positions guard')).tenantId;
      await t.db.query(
        `INSERT INTO connections (tenant_id, id, type, external_id, status) VALUES ($1, 'conn_sf', 'salesforce', '00Dguard', 'active')`,
        [tenantId],
      );
    });
    afterAll(async () => t.cleanup());

    it('writes while connected (an errored connection too), nothing once disconnected', async () => {
      await savePosition(t.db, tenantId, 'conn_sf', 'Contact', Buffer.from([1, 2, 3]), '2026-12-07T10:00:00Z');
      await notePositionTrouble(t.db, tenantId, 'conn_sf', 'Lead', 'stall', 'quiet', Date.parse('2026-12-07T10:01:00Z'));
      await t.db.query(`UPDATE connections SET status = 'error' WHERE tenant_id = $1 AND id = 'conn_sf'`, [tenantId]);
      await notePositionTrouble(t.db, tenantId, 'conn_sf', 'Lead', 'problem', 'token refresh failed', Date.parse('2026-12-07T10:02:00Z'));
      const before = await streamPositions(t.db, tenantId, 'conn_sf');
      expect(before.map((p) => p.channel).sort()).toEqual(['Contact', 'Lead']);
      expect(before.find((p) => p.channel === 'Lead')?.last_problem).toBe('token refresh failed');

      // The purge marks the connection disconnected and deletes its positions; a late write adds nothing back.
      await t.db.query(`UPDATE connections SET status = 'disconnected' WHERE tenant_id = $1 AND id = 'conn_sf'`, [tenantId]);
      await t.db.query(
        `DELETE FROM salesforce_stream_positions WHERE tenant_id = $1 AND connection_id = 'conn_sf' AND channel = 'Contact'`,
        [tenantId],
      );
      await savePosition(t.db, tenantId, 'conn_sf', 'Contact', Buffer.from([9]), '2026-12-07T11:00:00Z');
      await savePosition(t.db, tenantId, 'conn_sf', 'Lead', Buffer.from([9]), '2026-12-07T11:00:00Z');
      await notePositionTrouble(t.db, tenantId, 'conn_sf', 'Account', 'stall', 'late', Date.parse('2026-12-07T11:01:00Z'));
      const after = await streamPositions(t.db, tenantId, 'conn_sf');
      expect(after.map((p) => p.channel)).toEqual(['Lead']);
      expect(after[0]?.last_problem).toBe('token refresh failed');
    });
  });
}
