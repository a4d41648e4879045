/**
 * A Baton service process for the warehouse kill test (test/integration/warehouse-kill.test.ts):
 * started with `tsx`, configured through the environment like production (server/config.ts; embedded
 * when DATABASE_URL is unset), with the identity, decisioning, runs and warehouse modules. Test knobs:
 *   WH_CHILD_SCHEMA, WH_CHILD_QUEUE   isolate PostgreSQL schema / BullMQ queue
 *   WH_CHILD_TENANT                   create a tenant with this name and print its API key
 *   WH_CHILD_PAGE_SIZE                rows per sync page (default 500, as in production)
 *   WH_CHILD_HOLD_PAGE                a sync stops for good at this page index, its rows ingested and its
 *                                     checkpoint not committed, so the test can kill -9 it right there
 *   WH_CHILD_HOLD_LEFT                a sync stops for good once this many audience members have left
 * Prints one JSON line `{ "url", "tenantId"?, "apiKey"?, "pid" }` once ready, then
 * `PAGE <syncId> <index> <offset>` each time a page's rows are ingested (before its checkpoint),
 * `HELD <syncId> <index> <offset>` when it holds (`HELD-LEFT <syncId> <n>` after n members left), and `PENDING <n> [latest {…}]` every 250 ms: the outbox
 * rows not done yet (0 once every event is processed) and the one due last. SIGTERM shuts down cleanly.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { loadConfig } from '../../server/config';
import { decisioningModule } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs/runs.module';
import { startService } from '../../server/runtime';
import { createTenant } from '../../server/tenants/tenants.repository';
import { warehouseModuleWith } from '../../server/warehouse/warehouse.module';

async function main(): Promise<void> {
  const env = process.env;
  const pageSize = Number(env['WH_CHILD_PAGE_SIZE'] ?? '500');
  const holdPage = env['WH_CHILD_HOLD_PAGE'] === undefined ? undefined : Number(env['WH_CHILD_HOLD_PAGE']);
  const holdLeft = env['WH_CHILD_HOLD_LEFT'] === undefined ? undefined : Number(env['WH_CHILD_HOLD_LEFT']);
  const runtime = await startService(loadConfig(), {
    host: '127.0.0.1',
    leaseMs: 1500,
    sweepIntervalMs: 200,
    redispatchAfterMs: 500,
    ...(env['WH_CHILD_SCHEMA'] === undefined ? {} : { schema: env['WH_CHILD_SCHEMA'] }),
    ...(env['WH_CHILD_QUEUE'] === undefined ? {} : { queueName: env['WH_CHILD_QUEUE'] }),
    modules: [
      identityModule,
      decisioningModule,
      automationModule,
      cardsModule,
      runsModule({ stuckSweepIntervalMs: 0 }),
      warehouseModuleWith({
        pageSize,
        beforeCheckpoint: async (sync, page) => {
          process.stdout.write(`PAGE ${sync.id} ${page} ${sync.offsetRows}\n`);
          if (page !== holdPage) return;
          process.stdout.write(`HELD ${sync.id} ${page} ${sync.offsetRows}\n`);
          await new Promise(() => undefined); // killed here
        },
        afterAudienceLeft: async (sync, left) => {
          if (left !== holdLeft) return;
          process.stdout.write(`HELD-LEFT ${sync.id} ${left}\n`);
          await new Promise(() => undefined); // killed here
        },
      }),
    ],
  });
  const tenantName = env['WH_CHILD_TENANT'];
  const tenant = tenantName === undefined ? undefined : await createTenant(runtime.db, tenantName);
  process.stdout.write(
    `${JSON.stringify({ url: runtime.url ?? null, pid: process.pid, ...(tenant === undefined ? {} : { tenantId: tenant.tenantId, apiKey: tenant.apiKey }) })}\n`,
  );
  const pending = setInterval(() => {
    runtime.db
      .query<{ n: number; kind: string | null; attempts: number | null; due_in_ms: number | null; last_error: string | null }>(
        `SELECT (SELECT count(*)::int FROM outbox WHERE status = 'pending') AS n, o.kind, o.attempts, (extract(epoch FROM o.due_at - now()) * 1000)::int AS due_in_ms, o.last_error
           FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM outbox WHERE status = 'pending' ORDER BY due_at DESC LIMIT 1) o ON true`,
      )
      .then(
        (r) => {
          const row = r.rows[0];
          const latest =
            row?.kind === null || row === undefined
              ? ''
              : ` latest ${JSON.stringify({ kind: row.kind, attempts: row.attempts, dueInMs: row.due_in_ms, lastError: row.last_error?.slice(0, 300) ?? null })}`;
          process.stdout.write(`PENDING ${row?.n ?? -1}${latest}\n`);
        },
        (err: unknown) => process.stdout.write(`PENDING ? ${String(err)}\n`),
      );
  }, 250);
  const stop = (): void => {
    clearInterval(pending);
    runtime.shutdown('SIGTERM').then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`warehouse-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
