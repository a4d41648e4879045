/**
 * Pipeline bench, embedded mode (PGlite + in-process dispatch), on the real service over HTTP:
 * 1. Event → decision: time from POST /api/v1/events to the end of the pipeline for that event
 *    (identity → signals/journey/decision → runs), with 4 concurrent senders. Baseline: the same
 *    events through the pipeline without the decisioning module (identity → runs).
 * 2. Card: GET /api/v1/profiles/:id/card for a profile with 1,000 events (target p99 < 50 ms).
 *    Baseline: GET /api/v1/events/:id (one row behind the same auth) in the same run.
 */
import { automationModule } from '../server/automation/automation.module';
import { cardsModule } from '../server/cards/cards.module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../server/config';
import { decisioningModuleWith } from '../server/decisioning/decisioning.module';
import type { EventStage } from '../server/events/event-processor';
import { identityModule } from '../server/identity/identity.module';
import type { ModuleFactory } from '../server/module';
import { runsModule } from '../server/runs/runs.module';
import { startService, type Runtime } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';
import { round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const EVENTS = 400;
const SENDERS = 4;
const CARD_EVENTS = 1_000;
const CARD_REQUESTS = 300;

/** Message texts of the pipeline benches (bench/sustained.bench.ts adds more). */
export const TEXTS = [
  'Can we get a demo next week?',
  'I want to buy the enterprise plan, please send a quote',
  'My invoice is wrong again, this is really annoying',
  'Thanks, the onboarding went great',
  'Please stop emailing me',
  'The app is down and we cannot work, fix it asap!!',
];
/** A catalog of 20 actions over the five main channels. */
export const CATALOG = {
  actions: Array.from({ length: 20 }, (_, i) => ({
    id: `action-${i}`,
    label: `Action ${i}`,
    channel: (['email', 'sms', 'whatsapp', 'task', 'crm_update'] as const)[i % 5],
    value: 10 + i,
  })),
};

interface Probe {
  stage: EventStage;
  reached(eventId: string): Promise<number>;
}

/** A last pipeline stage that notes when each event got through the whole pipeline. */
function probe(): Probe {
  const times = new Map<string, number>();
  const waiters = new Map<string, (t: number) => void>();
  return {
    stage: {
      name: 'bench-probe',
      async run({ event }) {
        const t = performance.now();
        times.set(event.id, t);
        waiters.get(event.id)?.(t);
        return {};
      },
    },
    reached(eventId) {
      const t = times.get(eventId);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve) => waiters.set(eventId, resolve));
    },
  };
}

const percentile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

async function start(modules: readonly ModuleFactory[], stages: readonly EventStage[] = []): Promise<Runtime> {
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    BATON_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-pipeline-')),
  });
  return startService(config, { host: '127.0.0.1', modules, stages });
}

function client(runtime: Runtime, apiKey: string) {
  return async (method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${runtime.url ?? ''}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

const eventFor = (i: number, email: string) => ({
  id: `bench-${i}-${email}`,
  source: 'api',
  type: 'message.received',
  occurredAt: new Date(Date.now() - (EVENTS - i) * 1000).toISOString(),
  subject: { identifiers: [{ type: 'email', value: email }], traits: { firstName: `P${i % 50}`, timeZone: 'Europe/Berlin' } },
  text: TEXTS[i % TEXTS.length],
});

/** p50/p99 of POST /events → end of pipeline, with the given modules. */
async function eventToDecision(
  modules: readonly ModuleFactory[],
  withCatalog: boolean,
): Promise<{ p50: number; p99: number; decisions: number }> {
  const p = probe();
  const runtime = await start(modules, [p.stage]);
  try {
    const { apiKey } = await createTenant(runtime.db, 'Bench pipeline');
    const call = client(runtime, apiKey);
    if (withCatalog) await call('PUT', '/actions', CATALOG);
    const latencies: number[] = [];
    let next = 0;
    const sender = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= EVENTS) return;
        const t0 = performance.now();
        const r = await call('POST', '/events', eventFor(i, `person${i % 50}@bench.example`));
        if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
        const done = await p.reached(String(r.body['eventId']));
        if (i >= 20) latencies.push(done - t0); // the first few warm the JIT and caches
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const count = await runtime.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'decisions'`,
    );
    const decisions =
      Number(count.rows[0]?.n) > 0
        ? Number((await runtime.db.query<{ n: string | number }>('SELECT count(*) AS n FROM decisions')).rows[0]?.n ?? 0)
        : 0;
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), decisions };
  } finally {
    await runtime.shutdown('bench');
  }
}

async function timeGets(call: ReturnType<typeof client>, route: string, n: number): Promise<{ p50: number; p99: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const r = await call('GET', route);
    if (r.status !== 200) throw new Error(`GET ${route} answered ${r.status}`);
    if (i >= 20) latencies.push(performance.now() - t0);
  }
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function cardLatency(
  progress: (m: string) => void,
): Promise<{ card: { p50: number; p99: number }; baseline: { p50: number; p99: number } }> {
  const p = probe();
  const runtime = await start(
    [identityModule, decisioningModuleWith({ expiryIntervalMs: 0 }), automationModule, cardsModule, runsModule()],
    [p.stage],
  );
  try {
    const { apiKey } = await createTenant(runtime.db, 'Bench card');
    const call = client(runtime, apiKey);
    await call('PUT', '/actions', CATALOG);
    let profileId = '';
    let lastEventId = '';
    let next = 0;
    const sender = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= CARD_EVENTS) return;
        const r = await call('POST', '/events', {
          ...eventFor(i, 'busy.person@bench.example'),
          occurredAt: new Date(Date.now() - (CARD_EVENTS - i) * 60_000).toISOString(),
        });
        if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
        profileId = String(r.body['profileId']);
        lastEventId = String(r.body['eventId']);
        await p.reached(lastEventId);
        if (i % 200 === 199) progress(`card: ${i + 1}/${CARD_EVENTS} events ingested`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    const card = await timeGets(call, `/profiles/${profileId}/card`, CARD_REQUESTS);
    const baseline = await timeGets(call, `/events/${lastEventId}`, CARD_REQUESTS);
    return { card, baseline };
  } finally {
    await runtime.shutdown('bench');
  }
}

export const pipelineBench: BenchSuite = {
  name: 'pipeline',
  async run(progress) {
    const figures: BenchFigure[] = [];
    progress(`event → decision, embedded, ${EVENTS} events, ${SENDERS} senders, without decisioning (baseline)`);
    const base = await eventToDecision([identityModule, runsModule()], false);
    progress(`event → decision, embedded, ${EVENTS} events, ${SENDERS} senders, with decisioning (20 actions)`);
    const ours = await eventToDecision(
      [identityModule, decisioningModuleWith({ expiryIntervalMs: 0 }), automationModule, cardsModule, runsModule()],
      true,
    );
    if (ours.decisions < EVENTS) progress(`only ${ours.decisions} decisions for ${EVENTS} events`);
    figures.push({
      name: 'pipeline.embedded.event_to_decision_p99 (target < 250 ms; baseline: pipeline without decisioning)',
      value: round(ours.p99),
      unit: 'ms',
      baseline: round(base.p99),
      ratio: round(ours.p99 / Math.max(base.p99, 0.001), 2),
    });
    figures.push({ name: 'pipeline.embedded.event_to_decision_p50', value: round(ours.p50), unit: 'ms', baseline: round(base.p50) });
    progress(`card endpoint, profile with ${CARD_EVENTS} events, ${CARD_REQUESTS} sequential requests`);
    const card = await cardLatency(progress);
    figures.push({
      name: `card.embedded.p99_${CARD_EVENTS}_events (target < 50 ms; baseline: GET one event)`,
      value: round(card.card.p99),
      unit: 'ms',
      baseline: round(card.baseline.p99),
      ratio: round(card.card.p99 / Math.max(card.baseline.p99, 0.001), 2),
    });
    figures.push({
      name: `card.embedded.p50_${CARD_EVENTS}_events`,
      value: round(card.card.p50),
      unit: 'ms',
      baseline: round(card.baseline.p50),
    });
    return figures;
  },
};
