/**
 * A Baton service process for the sustained bench (bench/sustained.bench.ts): started with
 * `node --import tsx`, configured through the environment like production (server/config.ts; embedded
 * when DATABASE_URL is unset; BATON_ROLE web/worker/all). Bench knobs:
 *   BENCH_SCHEMA, BENCH_QUEUE   isolate the PostgreSQL schema / BullMQ queue
 *   BENCH_TENANT                create a tenant with this name and print its API key
 *   BENCH_STAGES=off            no capability modules: ingest, outbox, claim and "processed" only (the baseline)
 *   BENCH_STATUS=1              print `STATUS {…}` every 250 ms: pending outbox rows due now, events not
 *                               processed yet, events, decisions and runs (the bench's drain check), and on
 *                               PostgreSQL the SQL statements this process sent so far (BEGIN/COMMIT included)
 * Prints `READY {"url","pid","apiKey"?}` once started. SIGTERM shuts down cleanly.
 */
import type * as PgModule from 'pg';
import { loadConfig } from '../server/config';
import { startService } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';

/** Counts every statement sent through node-postgres (pool queries and transaction clients alike). */
function countStatements(): () => number {
  let n = 0;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only on PostgreSQL, like the runtime does
  const pg = require('pg') as typeof PgModule;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return () => n;
}

async function main(): Promise<void> {
  const env = process.env;
  const statements = env['DATABASE_URL'] !== undefined ? countStatements() : undefined;
  const runtime = await startService(loadConfig(), {
    host: '127.0.0.1',
    ...(env['BENCH_SCHEMA'] === undefined ? {} : { schema: env['BENCH_SCHEMA'] }),
    ...(env['BENCH_QUEUE'] === undefined ? {} : { queueName: env['BENCH_QUEUE'] }),
    ...(env['BENCH_STAGES'] === 'off' ? { modules: [] } : {}),
  });
  const tenant = env['BENCH_TENANT'] === undefined ? undefined : await createTenant(runtime.db, env['BENCH_TENANT']);
  process.stdout.write(
    `READY ${JSON.stringify({ url: runtime.url ?? null, pid: process.pid, ...(tenant === undefined ? {} : { apiKey: tenant.apiKey, tenantId: tenant.tenantId }) })}\n`,
  );
  const hasTable = async (name: string): Promise<boolean> =>
    (await runtime.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = $1 AND table_schema = current_schema()`, [name]))
      .rows.length > 0;
  const counted = env['BENCH_STATUS'] === '1' ? { decisions: await hasTable('decisions'), runs: await hasTable('runs') } : undefined;
  let busy = false;
  let statusQueries = 0;
  const finals =
    counted === undefined
      ? ''
      : `SELECT ${counted.decisions ? '(SELECT count(*)::int FROM decisions)' : '0'} AS decisions,
                ${counted.runs ? '(SELECT count(*)::int FROM runs)' : '0'} AS runs`;
  const status =
    counted === undefined
      ? undefined
      : setInterval(() => {
          if (busy) return;
          busy = true;
          statusQueries++;
          // The queue's state every 250 ms; the whole tables' counts (decisions, runs) only once it looks
          // drained, for the final line: counting them on every poll cost PostgreSQL ~0.16 ms per event
          // of the sustained run (pg_stat_statements), charged to the pipeline's figure.
          runtime.db
            .query<{ pending: number; unprocessed: number; events: number }>(
              `SELECT (SELECT count(*)::int FROM outbox WHERE status = 'pending' AND due_at <= now()) AS pending,
                      (SELECT count(*)::int FROM events WHERE processed_at IS NULL) AS unprocessed,
                      (SELECT count(*)::int FROM events) AS events`,
            )
            .then(async (r) => {
              const queue = r.rows[0];
              if (queue === undefined || queue.pending !== 0 || queue.unprocessed !== 0)
                return { rows: [{ ...queue, decisions: 0, runs: 0 }] };
              statusQueries++;
              const totals = await runtime.db.query<{ decisions: number; runs: number }>(finals);
              return { rows: [{ ...queue, ...totals.rows[0] }] };
            })
            .then(
              (r) =>
                process.stdout.write(
                  `STATUS ${JSON.stringify({ ...r.rows[0], ...(statements === undefined ? {} : { statements: statements() - statusQueries }) })}\n`,
                ),
              (err: unknown) => process.stdout.write(`STATUS ${JSON.stringify({ error: String(err) })}\n`),
            )
            .finally(() => (busy = false));
        }, 250);
  const stop = async (): Promise<void> => {
    if (status !== undefined) clearInterval(status);
    const clean = await runtime.shutdown('SIGTERM').then(
      () => true,
      () => false,
    );
    process.exit(clean ? 0 : 1);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`bench service-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
