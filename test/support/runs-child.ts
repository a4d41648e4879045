/**
 * A Baton service process for crash and scale-out tests: started with `tsx`, configured through the
 * environment like production (server/config.ts), plus a few test knobs read here:
 *   RUNS_CHILD_SCHEMA, RUNS_CHILD_QUEUE   isolate PostgreSQL schema / BullMQ queue
 *   RUNS_CHILD_TENANT                     create a tenant with this name and print its API key
 *   RUNS_CHILD_SLOW_MS                    delay before and after every action call (to kill mid-call)
 *   RUNS_CHILD_LEASE_MS                   engine and work-runner lease (short, so takeover is quick)
 * Prints one JSON line `{ "url", "apiKey"?, "pid" }` once it is ready; SIGTERM shuts down cleanly.
 */
import { loadConfig } from '../../server/config';
import { startService } from '../../server/runtime';
import { runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { slowActions } from './runs-helpers';
import { RecordingActionPort } from './recording-action-port';

async function main(): Promise<void> {
  const env = process.env;
  const leaseMs = Number(env['RUNS_CHILD_LEASE_MS'] ?? '3000');
  const slowMs = Number(env['RUNS_CHILD_SLOW_MS'] ?? '0');
  const runtime = await startService(loadConfig(), {
    host: '127.0.0.1',
    leaseMs,
    sweepIntervalMs: 200,
    redispatchAfterMs: 1_000,
    ...(env['RUNS_CHILD_SCHEMA'] === undefined ? {} : { schema: env['RUNS_CHILD_SCHEMA'] }),
    ...(env['RUNS_CHILD_QUEUE'] === undefined ? {} : { queueName: env['RUNS_CHILD_QUEUE'] }),
    modules: [
      runsModule({
        catchAll: (db) => new RecordingActionPort(db),
        engine: { leaseMs },
        stuckSweepIntervalMs: 500,
        stuckGraceMs: 2_000,
        ...(slowMs > 0 ? { wrapActions: slowActions(slowMs, Math.round(slowMs / 2)) } : {}),
      }),
    ],
  });
  const tenantName = env['RUNS_CHILD_TENANT'];
  const tenant = tenantName === undefined ? undefined : await createTenant(runtime.db, tenantName);
  process.stdout.write(
    `${JSON.stringify({ url: runtime.url ?? null, pid: process.pid, ...(tenant === undefined ? {} : { apiKey: tenant.apiKey }) })}\n`,
  );
  const stop = (): void => {
    runtime.shutdown('SIGTERM').then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`runs-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
