/**
 * Acknowledgement of POST /api/v1/events for distinct people (issue #16, target 2: >= 0.5x a durable-append
 * baseline). Beside it, in the same run and with the same client (autocannon, 16 connections, each request
 * a new person's `message.received` with text): a bare Express handler that parses the JSON and answers 202,
 * and the durable-append baseline, an Express handler doing one INSERT of the body per request through a
 * pool of the same kind and size as the service's (pg, 10 connections; or the embedded database).
 * PostgreSQL + Redis runs the web role alone (the acknowledgement path; the queue fills); embedded runs
 * the whole service, its pipeline working behind the acknowledgements on the same cores.
 * HubSpot part (same target): signed (v3) POST /webhooks/hubspot batches of `contact.creation` and
 * `contact.propertyChange` events, every event for a contact not seen before, to a portal installed
 * through OAuth against the local HubSpot sandbox; req/s and events/s beside the same mode's
 * durable-append baseline above (same client, same connections, same run).
 * Knobs: BENCH_ACK_SECONDS (default 8), BENCH_MODES (postgres+redis,embedded), BENCH_ACK_HUBSPOT_BATCH
 * (events per webhook batch, default 10; HubSpot sends up to 100), BENCH_ACK_HUBSPOT=0 skips the HubSpot part.
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
import { signedHeaders } from '../connectors/hubspot/client/signature';
import { startService } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';
import { startHubSpotSandbox, type HubSpotSandbox } from '../test/sandboxes/hubspot';
import { sustainedEvent } from './sustained.bench';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, reachable, round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const DURATION_S = Number(process.env['BENCH_ACK_SECONDS'] ?? '8');
const CONNECTIONS = 16;
const PEOPLE = 1_000_000;

const HUBSPOT_BATCH = Number(process.env['BENCH_ACK_HUBSPOT_BATCH'] ?? '10');
const HUBSPOT_PORTAL = 62516;
const HUBSPOT_SECRET = 'bench-ack-client-secret';
const HUBSPOT_PUBLIC_URL = 'https://baton.ack.bench.test';
const HUBSPOT_PART = process.env['BENCH_ACK_HUBSPOT'] !== '0';

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

/** Shuts a bench service down and, on PostgreSQL + Redis, drops its queue and schema. */
async function stopService(runtime: { shutdown(reason: string): Promise<void> }, mode: Mode, schema: string): Promise<void> {
  await runtime.shutdown('bench');
  if (mode !== 'postgres+redis') return;
  const { Queue } = await import('bullmq');
  const q = new Queue(schema, { connection: { url: BENCH_REDIS_URL } });
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
  await dropSchema(BENCH_DATABASE_URL, schema);
}

async function baton(mode: Mode, run: string, extraHeaders: Record<string, string> = {}): Promise<Load> {
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
    return await load(`${runtime.url ?? ''}/api/v1/events`, { authorization: `Bearer ${apiKey}`, ...extraHeaders }, run);
  } finally {
    await stopService(runtime, mode, schema);
  }
}

/** A signed batch of HUBSPOT_BATCH events, each for a contact not seen before (creations and property changes alternate). */
function hubspotBatch(next: () => number): { body: string; headers: Record<string, string> } {
  const now = Date.now();
  const events = Array.from({ length: HUBSPOT_BATCH }, (_, i) => {
    const n = next();
    const creation = i % 2 === 0;
    return {
      eventId: n,
      subscriptionId: creation ? 1 : 2,
      portalId: HUBSPOT_PORTAL,
      appId: 1,
      occurredAt: now,
      subscriptionType: creation ? 'contact.creation' : 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 10_000_000 + n,
      ...(creation ? {} : { propertyName: 'lifecyclestage', propertyValue: 'lead' }),
      changeSource: 'CRM',
    };
  });
  const body = JSON.stringify(events);
  const headers = {
    'content-type': 'application/json',
    ...signedHeaders({
      clientSecret: HUBSPOT_SECRET,
      method: 'POST',
      uri: `${HUBSPOT_PUBLIC_URL}/webhooks/hubspot`,
      body,
      timestampMs: now,
    }),
  };
  return { body, headers };
}

/** Baton acknowledging signed HubSpot webhook batches (the same roles as `baton` above), portal installed through OAuth. */
async function batonHubSpot(mode: Mode, run: string, sandbox: HubSpotSandbox): Promise<Load> {
  const schema = `bench_ackhs_${run}`;
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: HUBSPOT_PUBLIC_URL,
    HUBSPOT_CLIENT_ID: 'bench-ack-client-id',
    HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    HUBSPOT_API_BASE_URL: sandbox.url,
    BATON_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-ackhs-')),
    ...(mode === 'postgres+redis' ? { DATABASE_URL: BENCH_DATABASE_URL, REDIS_URL: BENCH_REDIS_URL, BATON_ROLE: 'web' } : {}),
  });
  const runtime = await startService(config, { host: '127.0.0.1', ...(mode === 'postgres+redis' ? { schema, queueName: schema } : {}) });
  try {
    const base = runtime.url ?? '';
    const { apiKey } = await createTenant(runtime.db, 'Bench ack HubSpot');
    const link = (await (
      await fetch(`${base}/api/v1/hubspot/install-links`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } })
    ).json()) as { url: string };
    const callback = await sandbox.consent(link.url, String(HUBSPOT_PORTAL));
    const installed = await fetch(callback.replace(HUBSPOT_PUBLIC_URL, base));
    if (installed.status !== 200) throw new Error(`HubSpot install failed: ${installed.status} ${await installed.text()}`);
    let n = 0;
    const result = await autocannon({
      url: `${base}/webhooks/hubspot`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [
        {
          setupRequest: (req) => {
            const { body, headers } = hubspotBatch(() => n++);
            return { ...req, method: 'POST', headers, body };
          },
        },
      ],
    });
    return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
  } finally {
    await stopService(runtime, mode, schema);
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
    const sandbox = HUBSPOT_PART ? await startHubSpotSandbox({ clientId: 'bench-ack-client-id', clientSecret: HUBSPOT_SECRET }) : undefined;
    try {
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
        progress(`${mode}: POST /api/v1/events with Prefer: respond-async (identity in the worker), a new person per request`);
        const deferred = await baton(mode, `${run}${mode === 'embedded' ? 'v' : 'w'}`, { prefer: 'respond-async' });
        if (deferred.non2xx > 0) progress(`${mode}: ${deferred.non2xx} respond-async requests failed or were not 2xx`);
        figures.push({
          name: `ack.${mode}.respond_async_events_per_s (${role}; Prefer: respond-async, profileId resolved in the worker; distinct people; baseline: Express + one INSERT per request)`,
          value: round(deferred.rps),
          unit: 'req/s',
          baseline: round(base.rps),
          ratio: round(deferred.rps / Math.max(base.rps, 0.001), 3),
        });
        figures.push({
          name: `ack.${mode}.respond_async_p99_latency (baseline: durable append)`,
          value: deferred.p99,
          unit: 'ms',
          baseline: base.p99,
        });
        if (sandbox !== undefined) {
          progress(`${mode}: POST /webhooks/hubspot, signed batches of ${HUBSPOT_BATCH} events for new contacts`);
          const hs = await batonHubSpot(mode, `${run}${mode === 'embedded' ? 'h' : 'k'}`, sandbox);
          if (hs.non2xx > 0) progress(`${mode}: ${hs.non2xx} HubSpot webhook requests failed or were not 2xx`);
          figures.push({
            name: `ack.hubspot.${mode}.batches_per_s (${role}; ${HUBSPOT_BATCH} events per signed batch, distinct contacts; target >= 0.5x baseline: Express + one INSERT per request)`,
            value: round(hs.rps),
            unit: 'req/s',
            baseline: round(base.rps),
            ratio: round(hs.rps / Math.max(base.rps, 0.001), 3),
          });
          figures.push({ name: `ack.hubspot.${mode}.events_per_s`, value: round(hs.rps * HUBSPOT_BATCH), unit: 'events/s' });
          figures.push({
            name: `ack.hubspot.${mode}.p99_latency (HubSpot allows 5,000 ms)`,
            value: hs.p99,
            unit: 'ms',
            baseline: base.p99,
          });
        }
      }
    } finally {
      await sandbox?.close();
    }
    return figures;
  },
};
