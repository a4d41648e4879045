import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsIngested: Counter<'source' | 'outcome'>;
  readonly jobsFinished: Counter<'kind' | 'outcome'>;
  readonly webhooksUnknown: Counter<'source' | 'type'>;
}

export interface MetricsSources {
  /** Outbox rows pending and due, and dead. */
  outboxCounts: () => Promise<{ pending: number; due: number; dead: number }>;
  /** Messages in the dispatcher transport (BullMQ waiting+delayed+active). */
  transportDepth: () => Promise<number | undefined>;
}

/** A registry per service instance (not the global one), so tests can build many apps in one process. */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'baton_' });
  const httpDuration = new Histogram({
    name: 'baton_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const eventsIngested = new Counter({
    name: 'baton_events_ingested_total',
    help: 'Events accepted by ingestion, by source and outcome (stored or duplicate)',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const jobsFinished = new Counter({
    name: 'baton_jobs_finished_total',
    help: 'Durable jobs finished, by kind and outcome (done, retry, rate_limited: waiting for the vendor Retry-After without using an attempt, dead)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const webhooksUnknown = new Counter({
    name: 'baton_webhooks_unknown_total',
    help: 'Valid webhook deliveries of event types Baton does not handle (acknowledged, not processed)',
    labelNames: ['source', 'type'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'baton_queue_depth',
    help: 'Durable work by state: pending and due rows in the outbox, dead rows, and messages in the transport',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const c = await sources.outboxCounts();
        this.set({ state: 'pending' }, c.pending);
        this.set({ state: 'due' }, c.due);
        this.set({ state: 'dead' }, c.dead);
        const depth = await sources.transportDepth();
        if (depth !== undefined) this.set({ state: 'transport' }, depth);
      } catch {
        // A scrape during a database outage still returns the other metrics.
      }
    },
  });
  return { registry, httpDuration, eventsIngested, jobsFinished, webhooksUnknown };
}
