/**
 * Orchestration throughput: runs/s of a 5-step playbook with no-op actions executed by the real
 * service (SQL stores, outbox, dispatcher), in embedded mode and — when reachable — PostgreSQL +
 * Redis; beside raw BullMQ no-op job throughput measured in the same run (the ratio says what the
 * durable engine costs over bare queue jobs), and p50/p99 step latency (step scheduled → finished).
 * Runs are started two ways: through the API (POST /runs, one HTTP request each), and in-process
 * through the start path triggered runs take (as the raw BullMQ baseline adds its jobs in bulk
 * without HTTP). Also: SQL statements and run.advance jobs per run.
 * Knobs: BENCH_MODES (embedded,postgres+redis), BENCH_STARTS (in-process,api), BENCH_RUNS (default 3,000:
 * with 300 a measure lasts well under a second and mostly times the start-up — connections, first
 * plans, JIT — of both sides: 0.29× against 0.43–0.47× at 3,000 on the same machine).
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { startRun, type ActionPort } from '../app/orchestration';
import { parseConfig } from '../server/config';
import { dropSchema } from '../server/db/postgres';
import type { Database, Queryable } from '../server/db/database';
import { runsModule, RUNS_SERVICE, type RunsService } from '../server/runs';
import { startService, type Runtime } from '../server/runtime';
import { createTenant } from '../server/tenants/tenants.repository';
import { BackendCpu } from './support';
import type { BenchFigure, BenchSuite } from './types';

const RUNS = Number(process.env['BENCH_RUNS'] ?? '3000');
const CONCURRENCY = 8;
/** Concurrent API clients starting runs. */
const API_CLIENTS = 20;
const DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const KEY = Buffer.alloc(32, 7).toString('base64');

const noop: ActionPort = { execute: async () => ({ ok: true, output: null }) };

const PLAYBOOK = {
  id: 'bench-five',
  name: 'Bench: five no-op actions',
  concurrency: 'unlimited',
  steps: [1, 2, 3, 4, 5].map((n) => ({ id: `s${n}`, kind: 'action', action: { type: 'note', params: { body: `step ${n}` } } })),
};

function reachable(url: string, port: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || port), timeout: 1000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function call(runtime: Runtime, apiKey: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${runtime.url ?? ''}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Counts the SQL statements sent through `db` (a transaction counts its BEGIN and COMMIT too). */
function countStatements(db: Database): { readonly count: () => number; readonly uncounted: Queryable } {
  let n = 0;
  const target = db as { query: Queryable['query']; transaction: Database['transaction'] };
  const query = target.query.bind(db);
  const transaction = target.transaction.bind(db);
  target.query = (sql, params) => ((n += 1), query(sql, params));
  target.transaction = (fn) =>
    transaction((tx) => {
      n += 2;
      return fn({ query: (sql, params) => ((n += 1), tx.query(sql, params)) });
    });
  return { count: () => n, uncounted: { query } };
}

/**
 * The local TCP ports of this process's connections to `dbPort` (Linux: its socket inodes in
 * /proc/self/fd, matched in /proc/net/tcp{,6}); empty elsewhere. Other processes on the machine (other
 * benches) use the same database and application name: their backends are told apart by client port.
 */
function ownDatabasePorts(dbPort: number): number[] {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync('/proc/self/fd')) {
      const link = ((): string => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1] !== undefined) inodes.add(m[1]);
    }
    const ports: number[] = [];
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        const [local, remote, inode] = [cols[1], cols[2], cols[9]];
        if (local === undefined || remote === undefined || inode === undefined || !inodes.has(inode)) continue;
        if (Number.parseInt(remote.split(':')[1] ?? '', 16) !== dbPort) continue;
        ports.push(Number.parseInt(local.split(':')[1] ?? '', 16));
      }
    }
    return ports;
  } catch {
    return [];
  }
}

/**
 * BENCH_CPU_PROFILE=dir: a V8 CPU profile of this process over each measured window only (not the
 * service's start, nor the BullMQ baseline), written as dir/<mode>-<start>.cpuprofile. Returns the stop.
 */
async function startProfile(): Promise<((label: string) => Promise<void>) | undefined> {
  const dir = process.env['BENCH_CPU_PROFILE'];
  if (dir === undefined || dir === '') return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (label) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

interface RunsMeasure {
  runsPerSecond: number;
  /** CPU ms per run: this process (service and bench client, user + system) and its PostgreSQL backends (local PostgreSQL only). */
  nodeCpuMs: number;
  dbCpuMs: number | undefined;
  latencies: number[];
  inRun: number[];
  statementsPerRun: number;
  advanceJobsPerRun: number;
}

/**
 * Starts RUNS runs — through the API, or in-process through the start path triggered runs take —
 * and waits for all to complete; returns runs/s, step latencies, statements and jobs per run.
 */
async function measureRuns(mode: 'embedded' | 'postgres+redis', start: 'api' | 'in-process'): Promise<RunsMeasure> {
  const schema = `bench_${Date.now().toString(36)}`;
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    BATON_ENCRYPTION_KEY: KEY,
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-')),
    BATON_WORKER_CONCURRENCY: String(CONCURRENCY),
    ...(mode === 'postgres+redis' ? { DATABASE_URL, REDIS_URL } : {}),
  });
  let service: RunsService | undefined;
  const runs = runsModule({ actions: noop });
  const runtime = await startService(config, {
    host: '127.0.0.1',
    inMemory: mode === 'embedded',
    ...(mode === 'postgres+redis' ? { schema, queueName: schema } : {}),
    modules: [
      runs,
      // Built after runs (a plain-function module waits for those listed before it): takes its service.
      (ctx) => {
        service = ctx.services.get(RUNS_SERVICE);
        return { name: 'bench-probe' };
      },
    ],
  });
  try {
    if (service === undefined) throw new Error('the runs module provided no RUNS_SERVICE');
    const { deps } = service;
    const { apiKey, tenantId } = await createTenant(runtime.db, 'Bench');
    await call(runtime, apiKey, 'POST', '/playbooks', PLAYBOOK);
    await call(runtime, apiKey, 'POST', `/playbooks/${PLAYBOOK.id}/publish`, {});
    const statements = countStatements(runtime.db);
    // This process's backends, by client port (other benches share the database and application name).
    const dbPort = Number(new URL(DATABASE_URL).port || 5432);
    const backends =
      mode === 'postgres+redis'
        ? await BackendCpu.begin(async () =>
            (
              await statements.uncounted.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [
                ownDatabasePorts(dbPort),
              ])
            ).rows.map((r) => Number(r.pid)),
          )
        : undefined;
    const profiler = await startProfile();
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    if (start === 'api') {
      // 20 requests in flight at all times (not lock-step batches of 20 that wait for their slowest).
      let next = 0;
      const client = async (): Promise<void> => {
        for (let i = next++; i < RUNS; i = next++)
          await call(runtime, apiKey, 'POST', '/runs', { playbookId: PLAYBOOK.id, profileId: `b-${i}` });
      };
      await Promise.all(Array.from({ length: API_CLIENTS }, client));
    } else {
      await Promise.all(
        Array.from({ length: RUNS }, async (_, i) => {
          const r = await startRun(deps, { tenantId, playbookId: PLAYBOOK.id, profileId: `b-${i}` });
          if (!r.ok) throw new Error(r.error.message);
        }),
      );
    }
    // The bench's own polling is not the service's work: not counted. It counts the runs still
    // unfinished (few, through runs_status_idx) rather than the completed ones: counting a growing
    // number of completed rows every 20 ms cost the database more than some of the work measured.
    const unfinished = (): Promise<number> =>
      statements.uncounted
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE tenant_id = $1 AND status IN ('pending', 'running', 'waiting')`, [
          tenantId,
        ])
        .then((r) => r.rows[0]?.n ?? 0);
    for (;;) {
      if ((await unfinished()) === 0) break;
      if (performance.now() - started > 300_000) throw new Error('bench runs did not complete within 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const dbCpu = await backends?.end();
    await profiler?.(`${mode}-${start}`);
    const done = await statements.uncounted.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM runs WHERE tenant_id = $1 AND status = 'completed'`,
      [tenantId],
    );
    if (done.rows[0]?.n !== RUNS) throw new Error(`${done.rows[0]?.n ?? 0} of ${RUNS} bench runs completed (the others failed)`);
    const steps = await runtime.db.query<{ ms: number; first: boolean }>(
      `SELECT (extract(epoch FROM finished_at - scheduled_at) * 1000)::float8 AS ms, position = 0 AS first FROM run_steps WHERE tenant_id = $1 ORDER BY 1`,
      [tenantId],
    );
    const jobs = await runtime.db.query<{ n: number }>(
      `SELECT coalesce(sum(deliveries), 0)::int AS n FROM outbox WHERE tenant_id = $1 AND kind = 'run.advance'`,
      [tenantId],
    );
    return {
      runsPerSecond: RUNS / seconds,
      nodeCpuMs: (cpu.user + cpu.system) / 1000 / RUNS,
      dbCpuMs: dbCpu === undefined ? undefined : (dbCpu * 1000) / RUNS,
      latencies: steps.rows.map((r) => r.ms),
      inRun: steps.rows.filter((r) => !r.first).map((r) => r.ms),
      statementsPerRun: statements.count() / RUNS,
      advanceJobsPerRun: (jobs.rows[0]?.n ?? 0) / RUNS,
    };
  } finally {
    await runtime.shutdown('bench');
    if (mode === 'postgres+redis') {
      await dropSchema(DATABASE_URL, schema).catch(() => undefined);
      const q = new Queue(schema, { connection: { url: REDIS_URL } });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  }
}

/** Raw BullMQ: RUNS×5 no-op jobs through one queue with the same worker concurrency; jobs/s. */
async function measureBullmq(jobs: number): Promise<number> {
  const name = `bench_raw_${Date.now().toString(36)}`;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const events = new QueueEvents(name, { connection });
  let done = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = new Worker(name, async () => undefined, { connection, concurrency: CONCURRENCY });
  worker.on('completed', () => {
    done += 1;
    if (done === jobs) resolveAll();
  });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < jobs; i += 500)
    await queue.addBulk(Array.from({ length: Math.min(500, jobs - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
  await all;
  const perSecond = jobs / ((performance.now() - started) / 1000);
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  return perSecond;
}

/**
 * CPU per run, steadier than runs/s on a machine shared with other work: the bench process (the
 * service, and for API starts also its HTTP client) and the PostgreSQL backends serving it.
 */
function cpuFigures(mode: string, how: string, m: RunsMeasure): BenchFigure[] {
  const figures: BenchFigure[] = [
    { name: `orchestration (${mode}): Node CPU per run, ${how} (service and bench client)`, value: round(m.nodeCpuMs, 3), unit: 'ms' },
  ];
  if (m.dbCpuMs !== undefined)
    figures.push(
      { name: `orchestration (${mode}): PostgreSQL CPU per run, ${how} (its backends)`, value: round(m.dbCpuMs, 3), unit: 'ms' },
      { name: `orchestration (${mode}): CPU per run, ${how} (Node + PostgreSQL)`, value: round(m.nodeCpuMs + m.dbCpuMs, 3), unit: 'ms' },
    );
  return figures;
}

export const orchestrationBench: BenchSuite = {
  name: 'orchestration',
  async run(progress) {
    const figures: BenchFigure[] = [];
    const redis = await reachable(REDIS_URL, 6379);
    const postgres = await reachable(DATABASE_URL, 5432);
    if (!redis) progress('Redis not reachable: no raw BullMQ baseline');
    const only = process.env['BENCH_MODES']?.split(',');
    const modes = (['embedded', ...(redis && postgres ? ['postgres+redis' as const] : [])] as const).filter(
      (m) => only === undefined || only.includes(m),
    );
    const starts = process.env['BENCH_STARTS']?.split(',') ?? ['in-process', 'api'];
    /** Raw BullMQ jobs/s measured right before and right after `measure` (this machine's load drifts), averaged. */
    const beside = async <T>(label: string, measure: () => Promise<T>): Promise<{ result: T; bullmq: number | undefined }> => {
      if (!redis) return { result: await measure(), bullmq: undefined };
      progress(`raw BullMQ before the ${label} runs: ${RUNS * 5} no-op jobs, concurrency ${CONCURRENCY}`);
      const before = await measureBullmq(RUNS * 5);
      const result = await measure();
      progress(`raw BullMQ after the ${label} runs`);
      const after = await measureBullmq(RUNS * 5);
      return { result, bullmq: (before + after) / 2 };
    };
    // Baseline in the same unit: a run is 5 steps, so BullMQ's equivalent is jobs/s ÷ 5.
    const vsBullmq = (runsPerSecond: number, bullmq: number | undefined): Pick<BenchFigure, 'baseline' | 'ratio'> =>
      bullmq === undefined ? {} : { baseline: round(bullmq / 5), ratio: round(runsPerSecond / (bullmq / 5), 3) };
    for (const mode of modes) {
      let statementsPerRun: { api?: number; inProcess?: number } = {};
      let latest: RunsMeasure | undefined;
      if (starts.includes('in-process')) {
        progress(`${mode}: ${RUNS} runs of a 5-step no-op playbook started in-process`);
        const { result: inProcess, bullmq } = await beside(mode, () => measureRuns(mode, 'in-process'));
        if (bullmq !== undefined)
          figures.push({
            name: `orchestration: raw BullMQ no-op jobs/s (baseline, mean of the measures just before and after the ${mode} in-process runs)`,
            value: round(bullmq),
            unit: 'jobs/s',
          });
        figures.push({
          name: `orchestration (${mode}): runs/s, 5 no-op action steps, started in-process like triggered runs (baseline: raw BullMQ jobs/s ÷ 5)`,
          value: round(inProcess.runsPerSecond),
          unit: 'runs/s',
          ...vsBullmq(inProcess.runsPerSecond, bullmq),
        });
        figures.push(...cpuFigures(mode, 'started in-process', inProcess));
        statementsPerRun = { ...statementsPerRun, inProcess: inProcess.statementsPerRun };
        latest = inProcess;
      }
      if (starts.includes('api')) {
        progress(`${mode}: ${RUNS} runs of a 5-step no-op playbook through the API`);
        const { result: api, bullmq: bullmqApi } = await beside(`${mode} API`, () => measureRuns(mode, 'api'));
        if (bullmqApi !== undefined)
          figures.push({
            name: `orchestration: raw BullMQ no-op jobs/s (baseline, mean of the measures just before and after the ${mode} API runs)`,
            value: round(bullmqApi),
            unit: 'jobs/s',
          });
        figures.push({
          name: `orchestration (${mode}): runs/s, 5 no-op action steps, started through the API (baseline: raw BullMQ jobs/s ÷ 5)`,
          value: round(api.runsPerSecond),
          unit: 'runs/s',
          ...vsBullmq(api.runsPerSecond, bullmqApi),
        });
        figures.push(...cpuFigures(mode, 'started through the API', api));
        statementsPerRun = { ...statementsPerRun, api: api.statementsPerRun };
        latest = api;
      }
      if (statementsPerRun.api !== undefined)
        figures.push({
          name: `orchestration (${mode}): SQL statements per run, start through the API to completion (5 steps)`,
          value: round(statementsPerRun.api, 2),
          unit: 'statements',
        });
      if (statementsPerRun.inProcess !== undefined)
        figures.push({
          name: `orchestration (${mode}): SQL statements per run, started in-process (5 steps)`,
          value: round(statementsPerRun.inProcess, 2),
          unit: 'statements',
        });
      if (latest === undefined) continue;
      // Latencies and jobs: of the API runs when they were measured (the in-process runs otherwise).
      const { latencies, inRun, advanceJobsPerRun } = latest;
      figures.push({
        name: `orchestration (${mode}): run.advance jobs per run (5 steps that do not wait run in one job)`,
        value: round(advanceJobsPerRun, 2),
        unit: 'jobs',
      });
      // All steps: a first step's latency includes its wait in the queue behind the burst of starts.
      figures.push({
        name: `orchestration (${mode}): step latency p50, all steps (scheduled → finished, queue wait included)`,
        value: round(percentile(latencies, 50), 2),
        unit: 'ms',
      });
      figures.push({
        name: `orchestration (${mode}): step latency p99, all steps (scheduled → finished, queue wait included)`,
        value: round(percentile(latencies, 99), 2),
        unit: 'ms',
      });
      figures.push({
        name: `orchestration (${mode}): step latency p50, steps 2-5 (previous step done → finished)`,
        value: round(percentile(inRun, 50), 2),
        unit: 'ms',
      });
      figures.push({
        name: `orchestration (${mode}): step latency p99, steps 2-5 (previous step done → finished)`,
        value: round(percentile(inRun, 99), 2),
        unit: 'ms',
      });
    }
    return figures;
  },
};
