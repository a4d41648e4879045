/**
 * Snowflake and BigQuery warehouse connections through their real SDKs (snowflake-sdk,
 * @google-cloud/bigquery) against local stand-ins of their REST formats (test/sandboxes/snowflake,
 * test/sandboxes/bigquery): syncs put traits on profiles, read only new rows by cursor (a TIMESTAMP
 * parameter for BigQuery), refused credentials fail the sync and mark the connection, secrets are
 * never returned, and export to these engines is refused with a clear 400.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { decisioningModule } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs/runs.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { warehouseModuleWith } from '../../server/warehouse/warehouse.module';
import { startBigQuerySandbox, type BigQuerySandbox } from '../sandboxes/bigquery';
import { startSnowflakeSandbox, type SnowflakeSandbox } from '../sandboxes/snowflake';
import { startTestService, type TestService } from '../support/runtime';
import { waitFor } from '../support/services';
import { api, type Json } from './messaging/helpers';

const TABLE = `CREATE TABLE customers AS SELECT * FROM (VALUES
  ('sam@sf.io', 'pro', 12, TIMESTAMP '2026-11-01 00:00:00'),
  ('kim@sf.io', 'free', 1, TIMESTAMP '2026-11-02 00:00:00'),
  ('not an email', 'free', 1, TIMESTAMP '2026-11-03 00:00:00')) t(email, plan, seats, updated_at)`;

describe('warehouse connections through the Snowflake and BigQuery SDKs (stand-ins)', () => {
  let svc: TestService;
  let call: ReturnType<typeof api>;
  let tenantId: string;
  let snowflake: SnowflakeSandbox;
  let bigquery: BigQuerySandbox;

  beforeAll(async () => {
    [snowflake, bigquery] = await Promise.all([startSnowflakeSandbox(), startBigQuerySandbox()]);
    await snowflake.sql(TABLE);
    await bigquery.sql(TABLE.replace(/@sf\.io/g, '@bq.io'));
    svc = await startTestService('embedded', {
      modules: [
        identityModule,
        decisioningModule,
        automationModule,
        cardsModule,
        runsModule({ stuckSweepIntervalMs: 0 }),
        warehouseModuleWith({ pageSize: 2 }),
      ],
    });
    const t = await createTenant(svc.runtime.db, 'SDK warehouses');
    tenantId = t.tenantId;
    call = api(svc.url, t.apiKey);
  }, 180_000);
  afterAll(async () => {
    await svc?.stop();
    await Promise.all([snowflake?.close(), bigquery?.close()]);
  });

  const syncAndWait = async (id: string): Promise<Json> => {
    const started = await call('POST', `/connections/${id}/sync`);
    expect(started.status).toBe(202);
    return waitFor(
      async () => {
        const s = (await call('GET', `/connections/${id}/syncs/${started.json['syncId'] as string}`)).json;
        return s['status'] === 'succeeded' || s['status'] === 'failed' ? s : undefined;
      },
      'the sync',
      30_000,
      100,
    );
  };
  const traitsOf = async (email: string): Promise<Record<string, unknown>> => {
    const p = await waitFor(async () => {
      const r = await svc.runtime.db.query<{ profile_id: string }>(
        `SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = $2`,
        [tenantId, `email::${email}`],
      );
      return r.rows[0]?.profile_id;
    }, email);
    return waitFor(async () => {
      const t = (await call('GET', `/profiles/${p}`)).json['traits'] as Record<string, unknown>;
      return Object.keys(t).length > 0 ? t : undefined;
    }, `traits of ${email}`);
  };

  it('validates engine-specific fields', async () => {
    const base = { query: 'SELECT 1', identifiers: { email: 'email' }, traits: ['plan'] };
    const sf = await call('POST', '/connections', {
      type: 'warehouse',
      config: { ...base, engine: 'snowflake', account: 'acme', path: '/tmp/x.duckdb' },
    });
    expect(sf.status).toBe(400);
    expect((sf.json.error?.details as { path: string }[]).map((d) => d.path)).toEqual(
      expect.arrayContaining(['username', 'password', 'path']),
    );
    const bq = await call('POST', '/connections', {
      type: 'warehouse',
      config: { ...base, engine: 'bigquery', projectId: 'acme-analytics', serviceAccountKey: '{"nope":1}' },
    });
    expect((bq.json.error?.details as { path: string }[]).map((d) => d.path)).toContain('serviceAccountKey');
  });

  it('Snowflake: syncs traits through snowflake-sdk, incrementally; wrong password fails the sync and marks the connection', async () => {
    const config = {
      engine: 'snowflake',
      account: snowflake.account,
      username: snowflake.username,
      password: snowflake.password,
      warehouse: 'COMPUTE_WH',
      accessUrl: snowflake.url,
      query: 'SELECT email, plan, seats, updated_at FROM customers',
      identifiers: { email: 'email' },
      traits: ['plan', 'seats'],
      cursor: 'updated_at',
    };
    const created = await call('POST', '/connections', { type: 'warehouse', config });
    expect(created.status).toBe(201);
    const id = created.json['connectionId'] as string;
    expect(created.json['secrets']).toEqual(['password']);
    expect(JSON.stringify((await call('GET', `/connections/${id}`)).json)).not.toContain(snowflake.password);
    expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 3, rowsRejected: 1, profilesCreated: 2 });
    expect(await traitsOf('sam@sf.io')).toMatchObject({ plan: 'pro', seats: 12 });
    // The SDK bound the cursor window as parameters.
    expect(snowflake.queries.some((q) => q.sqlText.includes('"updated_at" <= ?') && q.binds.length === 1)).toBe(true);

    await snowflake.sql(`INSERT INTO customers VALUES ('sam@sf.io', 'enterprise', 40, TIMESTAMP '2026-11-05 00:00:00')`);
    expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 1, profilesMatched: 1, eventsEmitted: 1 });
    await waitFor(async () => ((await traitsOf('sam@sf.io'))['plan'] === 'enterprise' ? true : undefined), 'the enterprise plan');

    expect((await call('POST', `/connections/${id}/export`)).json.error?.code).toBe('export_unsupported');
    expect((await call('PATCH', `/connections/${id}`, { config: { password: 'wrong-password' } })).status).toBe(200);
    const refused = await syncAndWait(id);
    expect(refused).toMatchObject({ status: 'failed', error: expect.stringMatching(/Incorrect username or password/) });
    expect((await call('GET', `/connections/${id}`)).json).toMatchObject({
      status: 'error',
      statusReason: expect.stringMatching(/Incorrect username or password/),
    });
  }, 60_000);

  it('BigQuery: syncs traits through @google-cloud/bigquery with named parameters, the cursor as a TIMESTAMP; a bad token fails the sync', async () => {
    const config = {
      engine: 'bigquery',
      projectId: bigquery.projectId,
      accessToken: bigquery.token,
      apiEndpoint: bigquery.url,
      query: 'SELECT email, plan, seats, updated_at FROM customers',
      identifiers: { email: 'email' },
      traits: ['plan', 'seats'],
      cursor: 'updated_at',
    };
    const created = await call('POST', '/connections', { type: 'warehouse', config });
    expect(created.status).toBe(201);
    const id = created.json['connectionId'] as string;
    expect(created.json['secrets']).toEqual(['accessToken']);
    expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 3, rowsRejected: 1, profilesCreated: 2 });
    expect(await traitsOf('kim@bq.io')).toMatchObject({ plan: 'free', seats: 1 });
    await bigquery.sql(`INSERT INTO customers VALUES ('kim@bq.io', 'pro', 3, TIMESTAMP '2026-11-06 00:00:00')`);
    expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 1, profilesMatched: 1 });
    const windowed = bigquery.queries.filter((q) => q.query.includes('> @p1'));
    expect(windowed.length).toBeGreaterThan(0);
    expect(windowed.every((q) => q.types['p1'] === 'TIMESTAMP' && q.types['p2'] === 'TIMESTAMP')).toBe(true);
    await waitFor(async () => ((await traitsOf('kim@bq.io'))['plan'] === 'pro' ? true : undefined), 'the pro plan');

    // Privacy erasure takes the person's warehouse traits and row state with it.
    const kim =
      (
        await svc.runtime.db.query<{ profile_id: string }>(
          `SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = 'email::kim@bq.io'`,
          [tenantId],
        )
      ).rows[0]?.profile_id ?? '';
    expect((await call('DELETE', `/profiles/${kim}`)).status).toBeLessThan(300);
    const left = await svc.runtime.db.query<{ traits: number; rows: number }>(
      `SELECT (SELECT count(*)::int FROM profile_traits WHERE tenant_id = $1 AND profile_id = $2) AS traits, (SELECT count(*)::int FROM warehouse_rows WHERE tenant_id = $1 AND profile_id = $2) AS rows`,
      [tenantId, kim],
    );
    expect(left.rows[0]).toEqual({ traits: 0, rows: 0 });

    expect((await call('PATCH', `/connections/${id}`, { config: { accessToken: 'ya29.expired-token' } })).status).toBe(200);
    expect(await syncAndWait(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/authentication credential/) });
  }, 60_000);
});
