/**
 * Ingest throughput: POST /api/v1/events (API-key auth, zod validation, identity resolution and the
 * durable write of event + outbox row in one transaction, before the 202) against a bare Express
 * handler that parses the same JSON and answers 202, both driven by autocannon in the same run.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import express from 'express';
import { parseConfig } from '../server/config';
import { dropSchema } from '../server/db/postgres';
import { startService } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, reachable, round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const DURATION_S = 8;
const CONNECTIONS = 16;

const body = JSON.stringify({
  source: 'api',
  type: 'message.received',
  occurredAt: '2026-11-23T10:00:00Z',
  subject: { identifiers: [{ type: 'email', value: 'bench.person@example.com' }], traits: { firstName: 'Bench' } },
  text: 'Can we get a demo next week?',
});

async function load(url: string, headers: Record<string, string>): Promise<{ rps: number; p99: number; non2xx: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S,
  });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx };
}

async function bareExpress(): Promise<{ rps: number; p99: number }> {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/api/v1/events', (req, res) => {
    res.status(202).json({ received: typeof req.body === 'object' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    return await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/events`, {});
  } finally {
    await new Promise((r) => server.close(r));
  }
}

async function baton(mode: 'embedded' | 'postgres+redis'): Promise<{ rps: number; p99: number; non2xx: number }> {
  const schema = `bench_ingest_${Date.now().toString(36)}`;
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    BATON_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-')),
    ...(mode === 'postgres+redis' ? { DATABASE_URL: BENCH_DATABASE_URL, REDIS_URL: BENCH_REDIS_URL } : {}),
  });
  // The pipeline works behind the acknowledgements on the same cores, as it does in production.
  const runtime = await startService(config, { host: '127.0.0.1', ...(mode === 'postgres+redis' ? { schema, queueName: schema } : {}) });
  try {
    const { apiKey } = await createTenant(runtime.db, 'Bench');
    return await load(`${runtime.url ?? ''}/api/v1/events`, { authorization: `Bearer ${apiKey}` });
  } finally {
    await runtime.shutdown('bench');
    if (mode === 'postgres+redis') await dropSchema(BENCH_DATABASE_URL, schema);
  }
}

export const ingestBench: BenchSuite = {
  name: 'ingest',
  async run(progress) {
    const figures: BenchFigure[] = [];
    progress(`bare Express handler, ${DURATION_S} s, ${CONNECTIONS} connections`);
    const bare = await bareExpress();
    const modes: ('embedded' | 'postgres+redis')[] = ['embedded'];
    if ((await reachable(BENCH_DATABASE_URL, 5432)) && (await reachable(BENCH_REDIS_URL, 6379))) modes.push('postgres+redis');
    else progress('PostgreSQL or Redis not reachable: postgres+redis mode skipped');
    for (const mode of modes) {
      progress(`POST /api/v1/events, ${mode}, ${DURATION_S} s`);
      const ours = await baton(mode);
      if (ours.non2xx > 0) progress(`${mode}: ${ours.non2xx} responses were not 2xx`);
      figures.push({
        name: `ingest.${mode}.events_per_s (baseline: bare Express JSON handler)`,
        value: round(ours.rps),
        unit: 'req/s',
        baseline: round(bare.rps),
        ratio: round(ours.rps / bare.rps, 3),
      });
      figures.push({ name: `ingest.${mode}.p99_latency`, value: ours.p99, unit: 'ms', baseline: bare.p99 });
    }
    return figures;
  },
};
