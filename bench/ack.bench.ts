/**
 * Acknowledgement of POST /api/v1/events for distinct people (issue #16, target 2: >= 0.5x a durable-append
 * baseline). Beside it, in the same run and with the same client (autocannon, 16 connections, each request
 * a new person's `message.received` with text): a bare Express handler that parses the JSON and answers 202,
 * and the durable-append baseline, an Express handler doing one INSERT of the body per request through a
 * pool of the same kind and size as the service's (pg, 10 connections; or the embedded database).
 * PostgreSQL + Redis runs the web role alone (the acknowledgement path; the queue fills); embedded runs
 * the whole service, its pipeline working behind the acknowledgements on the same cores.
 * Knobs: BENCH_ACK_SECONDS (default 8), BENCH_MODES (postgres+redis,embedded).
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import express from 'express';
import { parseConfig } from '../server/config';
import type { Database } from '../server/db/database';
import { openPglite } from '../server/db/pglite';
import { dropSchema, openPostgres } from '../server/db/postgres';
import { startService } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';
import { sustainedEvent } from './sustained.bench';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, reachable, round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const DURATION_S = Number(process.env['BENCH_ACK_SECONDS'] ?? '8');
const CONNECTIONS = 16;
const PEOPLE = 1_000_000;

type Mode = 'postgres+redis' | 'embedded';

interface Load {
  rps: number;
  p99: number;
  non2xx: number;
}

/** Drives `url` with a new person's event per request. */
async function load(url: string, headers: Record<string, string>, run: string): Promise<Load> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(sustainedEvent(run, next++, PEOPLE)),
        }),
      },
    ],
  });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
}

async function serve(handler: express.RequestHandler, run: string): Promise<Load> {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/api/v1/events', handler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    return await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/events`, {}, run);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** The durable-append baseline: one INSERT of the body per request, then 202. */
async function durableAppend(mode: Mode, run: string): Promise<Load> {
  const schema = `bench_append_${run}`;
  const db: Database =
    mode === 'postgres+redis'
      ? await openPostgres({ connectionString: BENCH_DATABASE_URL, schema })
      : await openPglite({ dataDir: mkdtempSync(path.join(tmpdir(), 'baton-bench-append-')) });
  try {
    await db.exec(
      'CREATE TABLE IF NOT EXISTS bench_append (id bigserial PRIMARY KEY, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
    );
    return await serve((req, res, next) => {
      db.query('INSERT INTO bench_append (body) VALUES ($1)', [JSON.stringify(req.body)]).then(
        () => res.status(202).json({ stored: true }),
        next,
      );
    }, run);
  } finally {
    await db.close();
    if (mode === 'postgres+redis') await dropSchema(BENCH_DATABASE_URL, schema);
  }
}

async function baton(mode: Mode, run: string): Promise<Load> {
  const schema = `bench_ack_${run}`;
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    BATON_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-ack-')),
    ...(mode === 'postgres+redis' ? { DATABASE_URL: BENCH_DATABASE_URL, REDIS_URL: BENCH_REDIS_URL, BATON_ROLE: 'web' } : {}),
  });
  const runtime = await startService(config, { host: '127.0.0.1', ...(mode === 'postgres+redis' ? { schema, queueName: schema } : {}) });
  try {
    const { apiKey } = await createTenant(runtime.db, 'Bench ack');
    return await load(`${runtime.url ?? ''}/api/v1/events`, { authorization: `Bearer ${apiKey}` }, run);
  } finally {
    await runtime.shutdown('bench');
    if (mode === 'postgres+redis') {
      const { Queue } = await import('bullmq');
      const q = new Queue(schema, { connection: { url: BENCH_REDIS_URL } });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      await dropSchema(BENCH_DATABASE_URL, schema);
    }
  }
}

export const ackBench: BenchSuite = {
  name: 'ack',
  async run(progress) {
    const figures: BenchFigure[] = [];
    const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
    progress(`bare Express handler, ${DURATION_S} s, ${CONNECTIONS} connections`);
    const bare = await serve((req, res) => void res.status(202).json({ received: typeof req.body === 'object' }), `${run}b`);
    figures.push({ name: 'ack.bare_express (JSON parse + 202, no storage)', value: round(bare.rps), unit: 'req/s' });
    const modes: Mode[] = [];
    if ((await reachable(BENCH_DATABASE_URL, 5432)) && (await reachable(BENCH_REDIS_URL, 6379))) modes.push('postgres+redis');
    else progress('PostgreSQL or Redis not reachable: postgres+redis mode skipped');
    modes.push('embedded');
    // BENCH_MODES=postgres+redis,embedded picks some.
    const only = process.env['BENCH_MODES']?.split(',');
    if (only !== undefined) modes.splice(0, modes.length, ...modes.filter((m) => only.includes(m)));
    for (const mode of modes) {
      progress(`${mode}: durable-append baseline (one INSERT per request)`);
      const base = await durableAppend(mode, `${run}${mode === 'embedded' ? 'e' : 'p'}`);
      progress(`${mode}: POST /api/v1/events, a new person per request`);
      const ours = await baton(mode, `${run}${mode === 'embedded' ? 'x' : 'y'}`);
      if (ours.non2xx > 0 || base.non2xx > 0)
        progress(`${mode}: ${ours.non2xx} Baton / ${base.non2xx} baseline requests failed or were not 2xx`);
      const role = mode === 'postgres+redis' ? 'web role' : 'whole service, pipeline behind';
      figures.push({
        name: `ack.${mode}.events_per_s (${role}; distinct people; target >= 0.5x baseline: Express + one INSERT per request)`,
        value: round(ours.rps),
        unit: 'req/s',
        baseline: round(base.rps),
        ratio: round(ours.rps / Math.max(base.rps, 0.001), 3),
      });
      figures.push({ name: `ack.${mode}.p99_latency (baseline: durable append)`, value: ours.p99, unit: 'ms', baseline: base.p99 });
    }
    return figures;
  },
};
