import type { Database } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { migrations } from '../../server/db/migrations';
import { dropSchema, openPostgres } from '../../server/db/postgres';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { TEST_DATABASE_URL, backends, describeWith, uniqueName, type TestDb } from '../support/services';

for (const backend of backends) {
  describeWith(backend.needs, `the effect ledger on ${backend.name}`, () => {
    let t: TestDb;
    let db: Database;
    let ledger: SqlEffectLedger;
    let tenantId: string;
    beforeAll(async () => {
      t = await backend.open();
      db = t.db;
      ledger = new SqlEffectLedger(db);
      tenantId = (await createTenant(db, 'Ledger')).tenantId;
    });
    afterAll(async () => t.cleanup());

    const base = (key: string) => ({ tenantId, idempotencyKey: key, vendor: 'hubspot', kind: 'task', accountId: '42' });

    it('reserves a key once; keep returns the entry as stored, count counts the attempt', async () => {
      expect(await ledger.reserve(base('k1'))).toEqual({ fresh: true });
      expect(await ledger.reserve(base('k1'))).toMatchObject({
        fresh: false,
        entry: { state: 'pending', attempts: 1, vendor: 'hubspot', accountId: '42' },
      });
      expect(await ledger.reserve(base('k1'), { onConflict: 'count' })).toMatchObject({
        fresh: false,
        entry: { state: 'pending', attempts: 2 },
      });
      await ledger.settle(tenantId, 'k1', { state: 'done', output: { taskId: 't1' } });
      expect(await ledger.reserve(base('k1'), { onConflict: 'count' })).toMatchObject({
        fresh: false,
        entry: { state: 'done', output: { taskId: 't1' }, attempts: 3 },
      });
      expect(await ledger.reserve(base('k2'), { onConflict: 'count' })).toEqual({ fresh: true });
    });

    it('stores an effect done at once and answers a replay from it', async () => {
      const r = { ...base('k3'), vendor: 'recorder', runId: 'run_1', stepId: 's1', request: { a: 1 } };
      expect(await ledger.reserve(r, { onConflict: 'count', doneOutput: { id: 'first' } })).toEqual({ fresh: true });
      expect(await ledger.reserve(r, { onConflict: 'count', doneOutput: { id: 'second' } })).toMatchObject({
        fresh: false,
        entry: { state: 'done', output: { id: 'first' }, attempts: 2 },
      });
      expect((await ledger.ofRun(tenantId, 'run_1')).map((e) => [e.idempotencyKey, e.stepId, e.request])).toEqual([['k3', 's1', { a: 1 }]]);
    });

    it('reclaims a key only when every attempt was refused, with the new details', async () => {
      const msg = {
        tenantId,
        idempotencyKey: 'm1',
        vendor: 'twilio',
        kind: 'message',
        accountId: 'conn_a',
        channel: 'sms',
        recipient: '+15550001',
        profileId: 'prof_1',
        runId: 'run_2',
        request: { body: 'hi' },
      };
      expect(await ledger.reserve(msg, { onConflict: 'reclaim-failed' })).toEqual({ fresh: true });
      expect(await ledger.reserve(msg, { onConflict: 'reclaim-failed' })).toMatchObject({
        fresh: false,
        entry: { state: 'pending', attempts: 1 },
      });
      await ledger.settle(tenantId, 'm1', { state: 'failed', errorCode: 'consent_revoked' });
      expect(await ledger.reserve({ ...msg, vendor: 'whatsapp', accountId: 'conn_b' }, { onConflict: 'reclaim-failed' })).toEqual({
        fresh: true,
      });
      expect(await ledger.lookup(tenantId, 'm1')).toMatchObject({
        state: 'pending',
        vendor: 'whatsapp',
        accountId: 'conn_b',
        attempts: 2,
        errorCode: null,
      });
      await ledger.settle(tenantId, 'm1', { state: 'unknown', errorCode: 'timeout' });
      expect(await ledger.reserve(msg, { onConflict: 'reclaim-failed' })).toMatchObject({
        fresh: false,
        entry: { state: 'unknown', errorCode: 'timeout' },
      });
      await ledger.rearm(tenantId, 'm1');
      expect(await ledger.lookup(tenantId, 'm1')).toMatchObject({ state: 'pending', attempts: 3 });
      await ledger.settle(tenantId, 'm1', { state: 'done', output: { sid: 'SM1' }, providerRef: 'SM1', deliveryStatus: 'queued' });
      expect(await ledger.lookup(tenantId, 'm1')).toMatchObject({ state: 'done', providerRef: 'SM1', deliveryStatus: 'queued' });
    });

    it('applies delivery reports forward only, by vendor and reference', async () => {
      expect(await ledger.recordDelivery(tenantId, 'whatsapp', 'SM1', 'delivered', 3, null)).toBe(true);
      expect(await ledger.recordDelivery(tenantId, 'whatsapp', 'SM1', 'sent', 2, null)).toBe(false);
      expect(await ledger.recordDelivery(tenantId, 'twilio', 'SM1', 'read', 4, null)).toBe(false);
      expect(await ledger.lookup(tenantId, 'm1')).toMatchObject({ deliveryStatus: 'delivered' });
    });

    it('releases only a pending reservation', async () => {
      const sf = { tenantId, idempotencyKey: 's1', vendor: 'salesforce', kind: 'email' };
      await ledger.reserve(sf);
      await ledger.release(tenantId, 's1');
      expect(await ledger.lookup(tenantId, 's1')).toBeUndefined();
      await ledger.reserve(sf);
      await ledger.settle(tenantId, 's1', { state: 'done', output: { ok: true } });
      await ledger.release(tenantId, 's1');
      expect(await ledger.lookup(tenantId, 's1')).toMatchObject({ state: 'done', output: { ok: true } });
    });

    it('finds a done output, forgets a vendor and erases profiles', async () => {
      await ledger.reserve({ ...base('r1'), kind: 'reply_in_thread' });
      expect(
        await ledger.hasDoneOutput(tenantId, {
          vendor: 'hubspot',
          accountId: '42',
          kind: 'reply_in_thread',
          field: 'messageId',
          value: 'msg9',
        }),
      ).toBe(false);
      await ledger.settle(tenantId, 'r1', { state: 'done', output: { messageId: 'msg9' } });
      expect(
        await ledger.hasDoneOutput(tenantId, {
          vendor: 'hubspot',
          accountId: '42',
          kind: 'reply_in_thread',
          field: 'messageId',
          value: 'msg9',
        }),
      ).toBe(true);
      expect(
        await ledger.hasDoneOutput(tenantId, {
          vendor: 'hubspot',
          accountId: '43',
          kind: 'reply_in_thread',
          field: 'messageId',
          value: 'msg9',
        }),
      ).toBe(false);
      expect(await ledger.eraseProfiles(tenantId, ['twilio', 'whatsapp'], ['prof_1'])).toEqual(['+15550001']);
      expect(await ledger.lookup(tenantId, 'm1')).toBeUndefined();
      expect(await ledger.forgetVendor(tenantId, ['hubspot'])).toBe(3);
      expect(await ledger.lookup(tenantId, 'k3')).toBeDefined();
      expect(await ledger.lookup(tenantId, 's1')).toBeDefined();
    });
  });
}

describeWith(['postgres'], 'migration 025 (one effect ledger)', () => {
  it('copies every row of the four old ledgers, then drops them', async () => {
    const schema = uniqueName('m025');
    const db = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
    try {
      await migrate(
        db,
        migrations.filter((m) => m.version < 25),
      );
      const { tenantId } = await createTenant(db, 'Old ledgers');
      await db.query(
        `INSERT INTO hubspot_effects (tenant_id, idempotency_key, portal_id, kind, status, attempts, output) VALUES ($1, 'h1', '42', 'task', 'done', 2, '{"taskId":"t"}'), ($1, 'h2', '42', 'note', 'attempting', 1, NULL)`,
        [tenantId],
      );
      await db.query(
        `INSERT INTO salesforce_effects (tenant_id, idempotency_key, kind, status, output) VALUES ($1, 's1', 'email', 'started', NULL), ($1, 's2', 'email', 'done', '{"sent":true}')`,
        [tenantId],
      );
      await db.query(
        `INSERT INTO messaging_effects (tenant_id, idempotency_key, kind, connection_id, provider, channel, recipient, profile_id, run_id, state, provider_ref, delivery_status, delivery_rank, error_code, request, output, attempts)
         VALUES ($1, 'm1', 'message', 'conn_1', 'twilio', 'sms', '+15550001', 'prof_1', 'run_1', 'done', 'SM1', 'delivered', 3, NULL, '{"body":"hi"}', '{"sid":"SM1"}', 1)`,
        [tenantId],
      );
      await db.query(
        `INSERT INTO action_effects (tenant_id, idempotency_key, run_id, step_id, profile_id, kind, params, output, replays, last_replayed_at) VALUES ($1, 'a1', 'run_2', 'step', 'prof_2', 'email', '{"x":1}', '{"effectId":"e"}', 2, now())`,
        [tenantId],
      );
      const applied = await migrate(
        db,
        migrations.filter((m) => m.version <= 25),
      );
      expect(applied.applied).toEqual([25]);
      const ledger = new SqlEffectLedger(db);
      expect(await ledger.lookup(tenantId, 'h1')).toMatchObject({
        vendor: 'hubspot',
        kind: 'task',
        accountId: '42',
        state: 'done',
        attempts: 2,
        output: { taskId: 't' },
      });
      expect(await ledger.lookup(tenantId, 'h2')).toMatchObject({ vendor: 'hubspot', kind: 'note', state: 'pending', output: null });
      expect(await ledger.lookup(tenantId, 's1')).toMatchObject({ vendor: 'salesforce', kind: 'email', state: 'pending' });
      expect(await ledger.lookup(tenantId, 's2')).toMatchObject({ vendor: 'salesforce', state: 'done', output: { sent: true } });
      expect(await ledger.lookup(tenantId, 'm1')).toMatchObject({
        vendor: 'twilio',
        kind: 'message',
        accountId: 'conn_1',
        channel: 'sms',
        recipient: '+15550001',
        profileId: 'prof_1',
        runId: 'run_1',
        state: 'done',
        providerRef: 'SM1',
        deliveryStatus: 'delivered',
        request: { body: 'hi' },
        output: { sid: 'SM1' },
        attempts: 1,
      });
      expect(await ledger.lookup(tenantId, 'a1')).toMatchObject({
        vendor: 'recorder',
        kind: 'email',
        runId: 'run_2',
        stepId: 'step',
        profileId: 'prof_2',
        state: 'done',
        request: { x: 1 },
        output: { effectId: 'e' },
        attempts: 3,
      });
      const left = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('hubspot_effects', 'salesforce_effects', 'messaging_effects', 'action_effects')`,
      );
      expect(left.rows[0]?.n).toBe(0);
    } finally {
      await db.close();
      await dropSchema(TEST_DATABASE_URL, schema);
    }
  });
});
