/**
 * A real Baton service process for crash tests. Configured by environment (like production) plus:
 *   CHILD_SCHEMA / CHILD_QUEUE   isolation for PostgreSQL + Redis mode
 *   CHILD_HANG_FIRST=1           the test pipeline stage hangs on an event's first attempt (so it can be killed mid-dispatch)
 * Prints `READY <url>` once listening, and `STARTED <eventId> <attempt>` when the stage begins.
 */
import { loadConfig } from '../../server/config';
import type { Database } from '../../server/db/database';
import type { EventStage } from '../../server/events/event-processor';
import { startService } from '../../server/runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const hangFirst = process.env['CHILD_HANG_FIRST'] === '1';
  const ref: { db?: Database } = {};
  const stage: EventStage = {
    name: 'test-effect',
    async run({ tenantId, event }) {
      const db = ref.db;
      if (db === undefined) throw new Error('not ready');
      const r = await db.query<{ attempts: number }>(
        `INSERT INTO test_attempts (tenant_id, event_id, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (tenant_id, event_id) DO UPDATE SET attempts = test_attempts.attempts + 1 RETURNING attempts`,
        [tenantId, event.id],
      );
      const attempt = r.rows[0]?.attempts ?? 0;
      process.stdout.write(`STARTED ${event.id} ${attempt}\n`);
      if (hangFirst && attempt === 1) await new Promise(() => undefined); // killed here
      // The side effect, keyed by event id: counting proves it happened exactly once.
      await db.query(
        `INSERT INTO test_effects (tenant_id, event_id, n) VALUES ($1, $2, 1)
         ON CONFLICT (tenant_id, event_id) DO UPDATE SET n = test_effects.n + 1`,
        [tenantId, event.id],
      );
      return {};
    },
  };
  const schema = process.env['CHILD_SCHEMA'];
  const queueName = process.env['CHILD_QUEUE'];
  const runtime = await startService(config, {
    host: '127.0.0.1',
    stages: [stage],
    // Long enough that a claim's lease outlives a stall of the busy CI machine (a lapsed lease lets a
    // second claim run the stage again, and the test's effect counts runs, not keys); short enough that
    // the restarted service takes over the killed one's claims within seconds.
    leaseMs: 4000,
    sweepIntervalMs: 200,
    redispatchAfterMs: 500,
    ...(schema === undefined ? {} : { schema }),
    ...(queueName === undefined ? {} : { queueName }),
  });
  ref.db = runtime.db;
  await runtime.db.exec(`
    CREATE TABLE IF NOT EXISTS test_attempts (tenant_id text, event_id text, attempts int NOT NULL, PRIMARY KEY (tenant_id, event_id));
    CREATE TABLE IF NOT EXISTS test_effects (tenant_id text, event_id text, n int NOT NULL, PRIMARY KEY (tenant_id, event_id));`);
  process.on('SIGTERM', () => {
    void runtime.shutdown('SIGTERM').then(() => process.exit(0));
  });
  process.stdout.write(`READY ${runtime.url ?? ''}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
