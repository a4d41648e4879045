/**
 * Sustained pipeline (issue #16, targets 1 and 5): `message.received` events with text for distinct
 * people (BENCH_PEOPLE, default 3,000, two events each; some people known by email, some by phone, some
 * by both; mixed texts), posted over HTTP as fast as the service accepts them (autocannon, 32
 * connections), then waited on until the work queue is drained: every event processed (identity →
 * signals → journey → decision → conversation → traits → run start), no outbox row due. A playbook
 * triggered by `message.received` of "pro" people starts a run (a wait step) for half of them.
 * The service runs in its own processes (bench/service-child.ts), so the resident memory reported is
 * the service's alone: the peak under load and after 5 s idle once drained.
 * Modes: PostgreSQL + Redis (one process), embedded (one process), and 1 web + 2 worker processes
 * (BATON_ROLE). Baseline in the same run: the same load through the same service with no capability
 * modules (ingest, outbox, claim, processed mark only: the floor of the machinery around the stages).
 * On PostgreSQL it also reports the SQL statements per event (ingest and pipeline, one process), and in
 * every mode the CPU milliseconds per event of the service's processes and of PostgreSQL (all its
 * processes on this machine), from the first post to drained: steadier than events/s on a shared machine.
 * Knobs: BENCH_PEOPLE, BENCH_MODES (postgres+redis,embedded,split,respond_async: PostgreSQL + Redis in one process, posted with
 * `Prefer: respond-async`, beside the postgres+redis run), BENCH_DRAIN_TIMEOUT_MS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { dropSchema } from '../server/db/postgres';
import { CATALOG, TEXTS as PIPELINE_TEXTS } from './pipeline.bench';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, procCpuSeconds, reachable, round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const PEOPLE = Number(process.env['BENCH_PEOPLE'] ?? '3000');
const EVENTS = PEOPLE * 2;
const CONNECTIONS = 32;
const IDLE_MS = 5_000;
const DRAIN_TIMEOUT_MS = Number(process.env['BENCH_DRAIN_TIMEOUT_MS'] ?? '900000');
const ROOT = path.join(__dirname, '..');

const TEXTS = [
  ...PIPELINE_TEXTS,
  'How much does the pro plan cost for 20 seats?',
  'Is there a discount for nonprofits?',
  'We are thinking about cancelling our subscription',
  'Hola, ¿pueden llamarme mañana por la tarde?',
  'Bonjour, je voudrais changer mon adresse de facturation',
  'The export keeps failing with an error since yesterday',
  'Love the new dashboard, great work',
  'Who is my account manager?',
  'I was charged twice this month, I want a refund now',
  'Can you send me the contract to sign?',
];
const FIRST_NAMES = [
  'Ana',
  'Ben',
  'Chloé',
  'Dmitri',
  'Eva',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jon',
  'Kai',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Priya',
];
const PLAYBOOK = {
  id: 'pro-follow-up',
  version: 1,
  name: 'Pro follow-up',
  trigger: { events: ['message.received'], when: { '==': [{ var: 'event.properties.plan' }, 'pro'] } },
  steps: [{ id: 'hold', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'never.happens'] }, timeout: '1d' } }],
};

/** The i-th event: person i % PEOPLE, their (i / PEOPLE)-th message. */
export function sustainedEvent(run: string, i: number, people = PEOPLE): Record<string, unknown> {
  const p = i % people;
  const identifiers: { type: string; value: string }[] = [];
  if (p % 3 !== 1) identifiers.push({ type: 'email', value: `person${p}.${run}@bench${p % 7}.example` });
  if (p % 3 !== 0) identifiers.push({ type: 'phone', value: `+1415${String(5_000_000 + p).padStart(7, '0')}` });
  return {
    id: `sustained-${run}-${i}`,
    source: 'api',
    type: 'message.received',
    occurredAt: new Date(Date.now() - 60_000 + Math.floor(i / people) * 1000).toISOString(),
    subject: { identifiers, traits: { firstName: FIRST_NAMES[p % FIRST_NAMES.length], timeZone: 'Europe/Berlin' } },
    text: TEXTS[(p * 7 + Math.floor(i / people) * 3) % TEXTS.length],
    properties: { plan: p % 2 === 0 ? 'pro' : 'free', channel: 'chat' },
  };
}

interface Status {
  pending: number;
  unprocessed: number;
  events: number;
  decisions: number;
  runs: number;
  /** PostgreSQL only: statements the reporting process sent so far (its own status queries excluded). */
  statements?: number;
}

interface Proc {
  child: ChildProcess;
  ready: Promise<{ url: string | null; pid: number; apiKey?: string }>;
  status: Status | undefined;
  statusAt: number;
  stderr: string;
}

function spawnService(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/service-child.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      LOG_LEVEL: 'silent',
      BATON_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { child, ready: Promise.resolve({ url: null, pid: 0 }), status: undefined, statusAt: 0, stderr: '' };
  proc.ready = new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as { url: string | null; pid: number });
        else if (line.startsWith('STATUS ')) {
          proc.status = JSON.parse(line.slice(7)) as Status;
          proc.statusAt = Date.now();
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => (proc.stderr = (proc.stderr + d.toString()).slice(-4000)));
    child.once('exit', (code) => reject(new Error(`service exited with ${code}: ${proc.stderr}`)));
  });
  return proc;
}

async function stopService(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Resident set size of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

async function api(url: string, apiKey: string, method: string, route: string, body?: unknown): Promise<void> {
  const res = await fetch(`${url}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${route} answered ${res.status}: ${await res.text()}`);
}

/** The pids of this machine's PostgreSQL processes (server and backends; Linux /proc), empty elsewhere. */
function postgresPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres';
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds of these processes now, by pid (unreadable ones left out). */
function cpuOf(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = procCpuSeconds(pid);
    if (s !== undefined) out.set(pid, s);
  }
  return out;
}

/** CPU seconds used between two samples (a process that appeared in between counts from zero). */
const cpuBetween = (before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number =>
  [...after].reduce((sum, [pid, s]) => sum + s - (before.get(pid) ?? 0), 0);

/** `respond_async`: PostgreSQL + Redis in one process, events posted with `Prefer: respond-async` (identity in the worker). */
type Mode = 'postgres+redis' | 'embedded' | 'split' | 'respond_async';

interface Result {
  eventsPerS: number;
  ackPerS: number;
  seconds: number;
  rssLoadMb: number;
  rssIdleMb: number;
  decisions: number;
  runs: number;
  non2xx: number;
  /** SQL statements per event (single PostgreSQL process only: web and workers in one). */
  statementsPerEvent: number | undefined;
  /**
   * CPU milliseconds per event from the first post to drained: the service's processes, and every
   * PostgreSQL process of this machine (PostgreSQL modes; undefined when /proc is not readable).
   * Steadier than events/s on a machine shared with other work.
   */
  serviceCpuMs: number | undefined;
  databaseCpuMs: number | undefined;
}

async function sustained(mode: Mode, stages: boolean, progress: (m: string) => void): Promise<Result> {
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const schema = `bench_sus_${run}`;
  const pg = mode !== 'embedded';
  const common: Record<string, string> = {
    ...(pg ? { DATABASE_URL: BENCH_DATABASE_URL, REDIS_URL: BENCH_REDIS_URL, BENCH_SCHEMA: schema, BENCH_QUEUE: schema } : {}),
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-bench-sustained-')),
    ...(stages ? {} : { BENCH_STAGES: 'off' }),
  };
  const procs: Proc[] = [];
  try {
    // One process serves HTTP (and works, unless split); it creates the tenant.
    const web = spawnService({
      ...common,
      BENCH_TENANT: 'Bench sustained',
      BATON_ROLE: mode === 'split' ? 'web' : 'all',
      ...(mode === 'split' ? {} : { BENCH_STATUS: '1' }),
    });
    procs.push(web);
    const info = await web.ready;
    if (mode === 'split') {
      for (let w = 0; w < 2; w++) procs.push(spawnService({ ...common, BATON_ROLE: 'worker', ...(w === 0 ? { BENCH_STATUS: '1' } : {}) }));
      await Promise.all(procs.map((p) => p.ready));
    }
    const pids = await Promise.all(procs.map(async (p) => (await p.ready).pid));
    const url = info.url ?? '';
    const apiKey = info.apiKey ?? '';
    if (stages) {
      await api(url, apiKey, 'PUT', '/actions', CATALOG);
      await api(url, apiKey, 'POST', '/playbooks', PLAYBOOK);
      await api(url, apiKey, 'POST', `/playbooks/${PLAYBOOK.id}/publish`, {});
    }
    const reporter = procs.find((p) => p !== web || mode !== 'split') ?? web;
    // A status taken after the set-up, so the statement count covers the load alone.
    const setUp = Date.now();
    while (reporter.statusAt <= setUp) await new Promise((r) => setTimeout(r, 50));
    const statementsBefore = reporter.status?.statements;
    let peak = 0;
    const sampler = setInterval(
      () =>
        (peak = Math.max(
          peak,
          pids.reduce((s, pid) => s + rssMb(pid), 0),
        )),
      250,
    );
    const cpuBefore = { service: cpuOf(pids), database: pg ? cpuOf(postgresPids()) : new Map<number, number>() };
    let next = 0;
    const t0 = performance.now();
    const posted = await autocannon({
      url: `${url}/api/v1/events`,
      connections: CONNECTIONS,
      amount: EVENTS,
      timeout: 60,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            method: 'POST',
            headers: {
              authorization: `Bearer ${apiKey}`,
              'content-type': 'application/json',
              ...(mode === 'respond_async' ? { prefer: 'respond-async' } : {}),
            },
            body: JSON.stringify(sustainedEvent(run, next++)),
          }),
        },
      ],
    });
    const acked = performance.now() - t0;
    progress(`${mode}${stages ? '' : ' (no stages)'}: ${EVENTS} events acknowledged in ${round(acked / 1000)} s; draining`);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    let drainedAt: number | undefined;
    let lastReport = Date.now();
    const sinceAck = Date.now();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const s = reporter.status;
      if (s !== undefined && reporter.statusAt > sinceAck && s.pending === 0 && s.unprocessed === 0 && s.events >= EVENTS) {
        drainedAt = performance.now();
        break;
      }
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        progress(`${mode}: ${JSON.stringify(s ?? {})}`);
      }
    }
    const cpuAfter = { service: cpuOf(pids), database: pg ? cpuOf(postgresPids()) : new Map<number, number>() };
    clearInterval(sampler);
    if (drainedAt === undefined) throw new Error(`${mode}: not drained within ${DRAIN_TIMEOUT_MS} ms: ${JSON.stringify(reporter.status)}`);
    const final = reporter.status;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = pids.reduce((s, pid) => s + rssMb(pid), 0);
    const seconds = (drainedAt - t0) / 1000;
    return {
      eventsPerS: EVENTS / seconds,
      ackPerS: EVENTS / (acked / 1000),
      seconds,
      rssLoadMb: peak,
      rssIdleMb: idle,
      decisions: final?.decisions ?? 0,
      runs: final?.runs ?? 0,
      non2xx: posted.non2xx + posted.errors,
      statementsPerEvent:
        (mode === 'postgres+redis' || mode === 'respond_async') && statementsBefore !== undefined && final?.statements !== undefined
          ? (final.statements - statementsBefore) / EVENTS
          : undefined,
      serviceCpuMs: cpuAfter.service.size === 0 ? undefined : (cpuBetween(cpuBefore.service, cpuAfter.service) * 1000) / EVENTS,
      databaseCpuMs: cpuAfter.database.size === 0 ? undefined : (cpuBetween(cpuBefore.database, cpuAfter.database) * 1000) / EVENTS,
    };
  } finally {
    for (const p of procs) await stopService(p);
    if (pg) await dropSchema(BENCH_DATABASE_URL, schema).catch(() => undefined);
  }
}

export const sustainedBench: BenchSuite = {
  name: 'sustained',
  async run(progress) {
    const figures: BenchFigure[] = [];
    const modes: Mode[] = [];
    if ((await reachable(BENCH_DATABASE_URL, 5432)) && (await reachable(BENCH_REDIS_URL, 6379))) modes.push('postgres+redis');
    else progress('PostgreSQL or Redis not reachable: postgres+redis and split modes skipped');
    modes.push('embedded');
    if (modes.includes('postgres+redis')) modes.push('split', 'respond_async');
    // BENCH_MODES=postgres+redis,embedded,split picks some (the split figure's baseline needs postgres+redis).
    const only = process.env['BENCH_MODES']?.split(',');
    if (only !== undefined) modes.splice(0, modes.length, ...modes.filter((m) => only.includes(m)));
    const results = new Map<Mode, Result>();
    for (const mode of modes) {
      const target = mode === 'embedded' ? 500 : 1000;
      progress(`${mode}: ${PEOPLE} people x 2 events, no stages (baseline)`);
      const base = mode === 'split' || mode === 'respond_async' ? results.get('postgres+redis') : await sustained(mode, false, progress);
      progress(`${mode}: ${PEOPLE} people x 2 events, the whole pipeline`);
      const ours = await sustained(mode, true, progress);
      results.set(mode, ours);
      if (ours.non2xx > 0) progress(`${mode}: ${ours.non2xx} requests failed or were not 2xx`);
      progress(`${mode}: ${ours.decisions} decisions, ${ours.runs} runs started`);
      const label = mode === 'split' ? 'split_1web_2workers' : mode === 'respond_async' ? 'postgres+redis.respond_async' : mode;
      const baseName =
        mode === 'split' || mode === 'respond_async'
          ? 'the whole pipeline in one process, PostgreSQL + Redis'
          : 'the same load with no stages';
      figures.push({
        name: `sustained.${label}.events_per_s (target >= ${target}; ${EVENTS} events, ${PEOPLE} people, until drained; baseline: ${baseName})`,
        value: round(ours.eventsPerS),
        unit: 'events/s',
        ...(base === undefined ? {} : { baseline: round(base.eventsPerS), ratio: round(ours.eventsPerS / base.eventsPerS, 3) }),
      });
      figures.push({
        name: `sustained.${label}.ack_per_s (POST /api/v1/events while the pipeline works; baseline: ${baseName})`,
        value: round(ours.ackPerS),
        unit: 'events/s',
        ...(base === undefined ? {} : { baseline: round(base.ackPerS) }),
      });
      if (ours.statementsPerEvent !== undefined) {
        figures.push({
          name: `sustained.${label}.sql_statements_per_event (BEGIN/COMMIT included; ingest and pipeline; baseline: no stages)`,
          value: round(ours.statementsPerEvent),
          unit: 'statements',
          ...(base?.statementsPerEvent === undefined ? {} : { baseline: round(base.statementsPerEvent) }),
        });
      }
      if (ours.serviceCpuMs !== undefined)
        figures.push({
          name: `sustained.${label}.service_cpu_per_event (all service processes, first post to drained; baseline: ${baseName})`,
          value: round(ours.serviceCpuMs, 2),
          unit: 'ms',
          ...(base?.serviceCpuMs === undefined ? {} : { baseline: round(base.serviceCpuMs, 2) }),
        });
      if (ours.databaseCpuMs !== undefined)
        figures.push({
          name: `sustained.${label}.postgres_cpu_per_event (every PostgreSQL process of the machine, first post to drained; baseline: ${baseName})`,
          value: round(ours.databaseCpuMs, 2),
          unit: 'ms',
          ...(base?.databaseCpuMs === undefined ? {} : { baseline: round(base.databaseCpuMs, 2) }),
        });
      figures.push({
        name: `sustained.${label}.decisions_and_runs (decisions made; runs started, baseline column)`,
        value: ours.decisions,
        unit: 'decisions',
        baseline: ours.runs,
      });
      figures.push({
        name: `sustained.${label}.rss_under_load (peak, all service processes)`,
        value: round(ours.rssLoadMb),
        unit: 'MB',
        ...(base === undefined ? {} : { baseline: round(base.rssLoadMb) }),
      });
      figures.push({
        name: `sustained.${label}.rss_idle (${IDLE_MS / 1000} s after drained)`,
        value: round(ours.rssIdleMb),
        unit: 'MB',
        ...(base === undefined ? {} : { baseline: round(base.rssIdleMb) }),
      });
    }
    return figures;
  },
};
