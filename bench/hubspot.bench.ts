/**
 * HubSpot figures. Card endpoint: p50/p99 of the signed `GET /hubspot/cards/record` for a contact
 * whose profile has 1,000 events (embedded mode). Webhook ingest: signed batches of 100 `contact.propertyChange` events (distinct per request,
 * so every event is really stored: signature check, validation and the durable write of the batch before
 * the 200; normalisation, identity and the pipeline run behind it on the same cores) against a bare Express handler that
 * parses the same JSON and answers 200, both driven by autocannon in the same run with the same
 * client-side work (building and signing each batch).
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import express from 'express';
import { signedHeaders } from '../connectors/hubspot/client/signature';
import { parseConfig } from '../server/config';
import { dropSchema } from '../server/db/postgres';
import { startService } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';
import { startHubSpotSandbox, type HubSpotSandbox } from '../test/sandboxes/hubspot';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, reachable, round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const DURATION_S = 8;
const CARD_DURATION_S = 5;
const CONNECTIONS = 4;
const BATCH = 100;
const PORTAL = 62515;
const SECRET = 'bench-client-secret';
const PUBLIC_URL = 'https://baton.bench.test';

let sequence = 0;

/** A fresh batch: 100 property changes on 100 contacts (ids rotate over 5,000 contacts). */
function batch(): string {
  const now = Date.now();
  const events = Array.from({ length: BATCH }, (_, i) => {
    const n = sequence++;
    return {
      eventId: n,
      subscriptionId: 1,
      portalId: PORTAL,
      appId: 1,
      occurredAt: now,
      subscriptionType: 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 100_000 + (n % 5_000),
      propertyName: 'lifecyclestage',
      propertyValue: i % 2 === 0 ? 'lead' : 'opportunity',
      changeSource: 'CRM',
    };
  });
  return JSON.stringify(events);
}

async function load(url: string): Promise<{ rps: number; p99: number; non2xx: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        setupRequest: (req) => {
          const body = batch();
          const headers = {
            'content-type': 'application/json',
            ...signedHeaders({
              clientSecret: SECRET,
              method: 'POST',
              uri: `${PUBLIC_URL}/webhooks/hubspot`,
              body,
              timestampMs: Date.now(),
            }),
          };
          return { ...req, method: 'POST', body, headers };
        },
      },
    ],
  });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx };
}

async function bareExpress(): Promise<{ rps: number; p99: number }> {
  const app = express();
  app.use(express.json({ limit: '2mb' }));
  app.post('/webhooks/hubspot', (req, res) => {
    res.status(200).json({ received: Array.isArray(req.body) ? req.body.length : 0 });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    return await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hubspot`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** Signed GETs of one record card for CARD_DURATION_S; the profile behind it has 1,000 events. */
async function cardLatency(baseUrl: string, contactId: string): Promise<{ p50: number; p99: number; rps: number; non2xx: number }> {
  const pathAndQuery = `/hubspot/cards/record?objectTypeId=0-1&objectId=${contactId}&userId=1&portalId=${PORTAL}`;
  const headers = signedHeaders({
    clientSecret: SECRET,
    method: 'GET',
    uri: `${PUBLIC_URL}${pathAndQuery}`,
    body: '',
    timestampMs: Date.now(),
  });
  const result = await autocannon({ url: `${baseUrl}${pathAndQuery}`, method: 'GET', headers, connections: 2, duration: CARD_DURATION_S });
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, non2xx: result.non2xx };
}

async function post(url: string, body: string): Promise<void> {
  const headers = {
    'content-type': 'application/json',
    ...signedHeaders({ clientSecret: SECRET, method: 'POST', uri: `${PUBLIC_URL}/webhooks/hubspot`, body, timestampMs: Date.now() }),
  };
  const r = await fetch(url, { method: 'POST', headers, body });
  if (r.status !== 200) throw new Error(`webhook answered ${r.status}: ${await r.text()}`);
}

interface BatonFigures {
  webhook: { rps: number; p99: number; non2xx: number };
  card?: { p50: number; p99: number; rps: number; non2xx: number };
}

async function baton(mode: 'embedded' | 'postgres+redis', sandbox: HubSpotSandbox, measureCard: boolean): Promise<BatonFigures> {
  const apiBaseUrl = sandbox.url;
  const schema = `bench_hubspot_${Date.now().toString(36)}`;
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    PUBLIC_URL,
    HUBSPOT_CLIENT_ID: 'bench-client-id',
    HUBSPOT_CLIENT_SECRET: SECRET,
    HUBSPOT_API_BASE_URL: apiBaseUrl,
    BATON_ENCRYPTION_KEY: Buffer.alloc(32, 6).toString('base64'),
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-')),
    ...(mode === 'postgres+redis' ? { DATABASE_URL: BENCH_DATABASE_URL, REDIS_URL: BENCH_REDIS_URL } : {}),
  });
  // The pipeline works behind the acknowledgements on the same cores, as it does in production.
  const runtime = await startService(config, { host: '127.0.0.1', ...(mode === 'postgres+redis' ? { schema, queueName: schema } : {}) });
  try {
    const { apiKey } = await createTenant(runtime.db, 'Bench HubSpot');
    const base = runtime.url ?? '';
    // Install through OAuth against the sandbox, as a customer would.
    const link = (await (
      await fetch(`${base}/api/v1/hubspot/install-links`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } })
    ).json()) as { url: string };
    const callback = await sandbox.consent(link.url, String(PORTAL));
    const installed = await fetch(callback.replace(PUBLIC_URL, base));
    if (installed.status !== 200) throw new Error(`install failed: ${installed.status} ${await installed.text()}`);
    let card: BatonFigures['card'];
    if (measureCard) {
      const contact = sandbox.state.createObject(String(PORTAL), 'contacts', { email: 'card.bench@analytical.io', firstname: 'Card' });
      for (let b = 0; b < 10; b++) {
        const now = Date.now();
        const events = Array.from({ length: BATCH }, (_, i) => ({
          eventId: 9_000_000 + b * BATCH + i,
          subscriptionId: 1,
          portalId: PORTAL,
          appId: 1,
          occurredAt: now - (b * BATCH + i) * 1000,
          subscriptionType: 'contact.propertyChange',
          attemptNumber: 0,
          objectId: Number(contact.id),
          propertyName: 'lifecyclestage',
          propertyValue: i % 2 === 0 ? 'lead' : 'opportunity',
          changeSource: 'CRM',
        }));
        await post(`${base}/webhooks/hubspot`, JSON.stringify(events));
      }
      // Let the pipeline finish those events (so the card shows them and the load below starts clean).
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const r = await runtime.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox WHERE status = 'pending' AND due_at <= now()`,
        );
        if ((r.rows[0]?.n ?? 0) === 0) break;
        await new Promise((res) => setTimeout(res, 500));
      }
      card = await cardLatency(base, contact.id);
    }
    const webhook = await load(`${base}/webhooks/hubspot`);
    return { webhook, ...(card === undefined ? {} : { card }) };
  } finally {
    await runtime.shutdown('bench');
    if (mode === 'postgres+redis') await dropSchema(BENCH_DATABASE_URL, schema);
  }
}

export const hubspotBench: BenchSuite = {
  name: 'hubspot',
  async run(progress) {
    const figures: BenchFigure[] = [];
    const sandbox = await startHubSpotSandbox({ clientId: 'bench-client-id', clientSecret: SECRET });
    try {
      progress(`bare Express handler, ${BATCH}-event batches, ${DURATION_S} s, ${CONNECTIONS} connections`);
      const bare = await bareExpress();
      const modes: ('embedded' | 'postgres+redis')[] = ['embedded'];
      if ((await reachable(BENCH_DATABASE_URL, 5432)) && (await reachable(BENCH_REDIS_URL, 6379))) modes.push('postgres+redis');
      else progress('PostgreSQL or Redis not reachable: postgres+redis mode skipped');
      for (const mode of modes) {
        progress(`POST /webhooks/hubspot, ${mode}, ${DURATION_S} s`);
        const measured = await baton(mode, sandbox, mode === 'embedded');
        const ours = measured.webhook;
        if (ours.non2xx > 0) progress(`${mode}: ${ours.non2xx} responses were not 2xx`);
        if (measured.card !== undefined) {
          if (measured.card.non2xx > 0) progress(`card: ${measured.card.non2xx} responses were not 2xx`);
          figures.push({ name: `hubspot.card.${mode}.p50_latency (profile with 1,000 events)`, value: measured.card.p50, unit: 'ms' });
          figures.push({ name: `hubspot.card.${mode}.p99_latency (profile with 1,000 events)`, value: measured.card.p99, unit: 'ms' });
        }
        figures.push({
          name: `hubspot.webhook.${mode}.batches_per_s (${BATCH} events each; baseline: bare Express JSON handler)`,
          value: round(ours.rps, 2),
          unit: 'req/s',
          baseline: round(bare.rps, 2),
          ratio: round(ours.rps / bare.rps, 4),
        });
        figures.push({ name: `hubspot.webhook.${mode}.events_per_s`, value: round(ours.rps * BATCH), unit: 'events/s' });
        figures.push({
          name: `hubspot.webhook.${mode}.p99_latency (HubSpot allows 5,000 ms)`,
          value: ours.p99,
          unit: 'ms',
          baseline: bare.p99,
        });
      }
    } finally {
      await sandbox.close();
    }
    return figures;
  },
};
