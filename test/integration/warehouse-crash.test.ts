/**
 * A warehouse sync whose worker stops between ingesting a page and committing its checkpoint: the
 * first service stalls there and is shut down (the stalled job is aborted, nothing more is written); a second
 * service on the same PostgreSQL schema and Redis queue picks the job up, resumes at the checkpoint,
 * ingests the interrupted page again under the same event ids (stored once) and finishes. Every row
 * is applied exactly once: one event and one set of traits per row.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../server/config';
import { dropSchema } from '../../server/db/postgres';
import { decisioningModule } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs/runs.module';
import { startService, type Runtime } from '../../server/runtime';
import { createTenant } from '../../server/tenants/tenants.repository';
import { warehouseModuleWith, type WarehouseModuleOptions } from '../../server/warehouse/warehouse.module';
import { obliterateQueue, TEST_KEY } from '../support/runtime';
import { describeWith, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName, waitFor } from '../support/services';
import { api } from './messaging/helpers';

describeWith(['postgres', 'redis'], 'warehouse sync: the worker stops between a page and its checkpoint (PostgreSQL + Redis)', () => {
  const schema = uniqueName('whcrash');
  const queueName = uniqueName('q');
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-whcrash-'));
  const runtimes: Runtime[] = [];
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    BATON_ENCRYPTION_KEY: TEST_KEY,
    BATON_DATA_DIR: dir,
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    BATON_SHUTDOWN_TIMEOUT_MS: '300',
  });
  const start = async (warehouse: WarehouseModuleOptions): Promise<Runtime> => {
    const runtime = await startService(config, {
      host: '127.0.0.1',
      schema,
      queueName,
      leaseMs: 1500,
      sweepIntervalMs: 200,
      redispatchAfterMs: 500,
      modules: [
        identityModule,
        decisioningModule,
        automationModule,
        cardsModule,
        runsModule({ stuckSweepIntervalMs: 0 }),
        warehouseModuleWith({ pageSize: 3, ...warehouse }),
      ],
    });
    runtimes.push(runtime);
    return runtime;
  };

  afterAll(async () => {
    for (const r of runtimes) await r.shutdown('test').catch(() => undefined);
    await dropSchema(TEST_DATABASE_URL, schema);
    await obliterateQueue(queueName);
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes on another service at the checkpoint and applies each row once', async () => {
    let reached!: () => void;
    const hung = new Promise<void>((resolve) => (reached = resolve));
    const first = await start({
      // The worker stops here, page 2's rows ingested and its checkpoint never committed, until the
      // service shuts down and aborts it (as a lost lease would).
      beforeCheckpoint: async (_sync, page, signal) => {
        if (page !== 1) return;
        reached();
        await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('worker stopped'))));
      },
    });
    const t = await createTenant(first.db, 'Crash');
    const lines = ['email,plan,seats,updated_at'];
    for (let i = 0; i < 10; i++) lines.push(`p${i}@crash.io,team,${i},2026-11-${String(i + 1).padStart(2, '0')}T00:00:00Z`);
    const files = path.join(dir, 'warehouse');
    mkdirSync(files, { recursive: true });
    const csv = path.join(files, 'rows.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const call1 = api(first.url ?? '', t.apiKey);
    const created = await call1('POST', '/connections', {
      type: 'warehouse',
      config: {
        engine: 'duckdb',
        path: path.join(files, 'wh.duckdb'),
        query: `SELECT * FROM read_csv('${csv}')`,
        identifiers: { email: 'email' },
        traits: ['plan', 'seats'],
        cursor: 'updated_at',
      },
    });
    const id = created.json['connectionId'] as string;
    const syncId = (await call1('POST', `/connections/${id}/sync`)).json['syncId'] as string;
    await hung;
    const midway = await first.db.query<{ offset_rows: number; n: number }>(
      `SELECT s.offset_rows, (SELECT count(*)::int FROM events e WHERE e.tenant_id = s.tenant_id AND e.source = 'warehouse') AS n FROM warehouse_syncs s WHERE s.tenant_id = $1 AND s.id = $2`,
      [t.tenantId, syncId],
    );
    expect(midway.rows[0]).toEqual({ offset_rows: 3, n: 6 }); // page 1 checkpointed; page 2 ingested, not checkpointed
    await first.shutdown('test');

    const second = await start({});
    const call2 = api(second.url ?? '', t.apiKey);
    const done = await waitFor(
      async () => {
        const s = (await call2('GET', `/connections/${id}/syncs/${syncId}`)).json;
        return s['status'] === 'succeeded' || s['status'] === 'failed' ? s : undefined;
      },
      'the resumed sync',
      60_000,
      100,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      rowsRead: 10,
      rowsRejected: 0,
      eventsEmitted: 10,
      profilesCreated: 10,
      profilesMatched: 0,
    });
    const events = await second.db.query<{ n: number; ids: number; people: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT source_event_id)::int AS ids, count(DISTINCT profile_id)::int AS people FROM events WHERE tenant_id = $1 AND source = 'warehouse'`,
      [t.tenantId],
    );
    expect(events.rows[0]).toEqual({ n: 10, ids: 10, people: 10 });
    const traits = await waitFor(async () => {
      const r = await second.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM profile_traits WHERE tenant_id = $1 AND name IN ('plan', 'seats')`,
        [t.tenantId],
      );
      return r.rows[0]?.n === 20 ? r.rows[0].n : undefined;
    }, 'the traits of every row');
    expect(traits).toBe(20);
  }, 120_000);
});
