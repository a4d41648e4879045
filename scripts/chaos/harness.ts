/**
 * `npm run chaos`: sustained load against a real Baton (PostgreSQL + Redis with one web and two worker
 * processes, or embedded with one process), vendor sandboxes behind fault proxies, and faults injected at
 * seeded random moments. Then it waits for the work to drain and checks that nothing acknowledged was
 * lost and no side effect happened twice (scripts/chaos/verify.ts), and how long each fault took to
 * recover from.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import type { Database, Queryable } from '../../server/db/database';
import { readLock } from '../../server/db/data-dir-lock';
import { openPglite } from '../../server/db/pglite';
import { openPostgres } from '../../server/db/postgres';
import { seededRandom } from '../../app/shared/random';
import { createTenant } from '../../server/tenants/tenants.repository';
import { startHubSpotSandbox, tenSecondly429, type HubSpotSandbox } from '../../test/sandboxes/hubspot';
import { startTwilioSandbox, type TwilioSandbox } from '../../test/sandboxes/twilio';
import { startLoad, type LoadGenerator, type LoadStats } from './load';
import { startServiceProcess, type ServiceProcess } from './processes';
import { startFaultProxy, type FaultProxy, type StormKind } from './proxy';
import { freePort } from '../../test/integration/messaging/helpers';
import { startPrivateRedis, type PrivateRedis } from './redis';
import { createTenantThroughAdmin, PLAYBOOK_ID, PORTAL_ID, setUpTenant } from './setup';
import { verify, type Verification } from './verify';

export type ChaosMode = 'pg' | 'embedded';
export type FaultKind = 'worker_kill' | 'web_kill' | 'redis_flush' | 'db_terminate' | 'vendor_429' | 'vendor_5xx' | 'kill';

export const FAULTS: Readonly<Record<ChaosMode, readonly FaultKind[]>> = {
  pg: ['worker_kill', 'web_kill', 'redis_flush', 'db_terminate', 'vendor_429', 'vendor_5xx'],
  embedded: ['kill', 'vendor_429', 'vendor_5xx'],
};

export interface ChaosOptions {
  readonly mode: ChaosMode;
  /** How long the load runs (faults happen within it). */
  readonly durationMs: number;
  readonly seed: number;
  /** Events per second offered. */
  readonly rate: number;
  /** How long to wait for the work to drain after the load stops. */
  readonly drainTimeoutMs?: number;
  /** Fault rounds: each round injects every fault kind of the mode once, in a seeded random order (default: as many as fit, one every ~12 s). */
  readonly rounds?: number;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** Keep the work directory and database (for a post-mortem). */
  readonly keep?: boolean;
  /** Stop cleanly on SIGINT / SIGTERM: kill the service processes, the private Redis, drop the database (the CLI). */
  readonly handleSignals?: boolean;
  readonly databaseUrl?: string;
}

export interface FaultRecord {
  readonly kind: FaultKind;
  /** ms after the load started. */
  readonly at: number;
  readonly injectedAt: number;
  endedAt: number;
  injected: boolean;
  detail: string;
  /** The headline recovery figure for this kind (see recoveryOf), ms. */
  recoveryMs: number | null;
  /** First event processed after the fault, ms after it. */
  firstProcessedMs: number | null;
  /** Every event received before the fault processed, ms after it. */
  backlogMs: number | null;
  /** Every run started before the fault finished, ms after it. */
  runsBacklogMs: number | null;
  /** worker_kill: the outbox rows the killed worker held done, ms after the kill. */
  heldMs: number | null;
  /** worker_kill: every row the killed worker held claimed again by a live worker (or done), ms after the kill. */
  reclaimMs: number | null;
  heldRows: number;
  /** web_kill / kill: first acknowledgement after the kill, ms. */
  ackMs: number | null;
  /** Storms: first vendor 2xx after the storm ended, ms. */
  vendorOkMs: number | null;
  heldIds: string[];
}

export interface ChaosReport {
  readonly mode: ChaosMode;
  readonly seed: number;
  readonly rate: number;
  readonly durationMs: number;
  /** How long the load actually ran (faults that take long to inject, restarts on a busy machine, extend it). */
  readonly loadMs: number;
  readonly load: Omit<LoadStats, 'ackTimes' | 'acked' | 'eventIds' | 'people'> & { people: number; ackPerSecond: number };
  readonly verification: Verification;
  readonly faults: FaultRecord[];
  readonly drained: boolean;
  readonly drainMs: number;
  readonly problems: string[];
  readonly ok: boolean;
  readonly workDir: string;
}

/** The faults of a run: `rounds` shuffled rounds of every kind, spread over 10 %–75 % of the load with seeded jitter. */
export function planFaults(
  random: () => number,
  kinds: readonly FaultKind[],
  durationMs: number,
  rounds: number,
): { kind: FaultKind; at: number }[] {
  const order: FaultKind[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = [...kinds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j] as FaultKind, round[i] as FaultKind];
    }
    order.push(...round);
  }
  const start = durationMs * 0.1;
  const span = durationMs * 0.65;
  const slot = span / Math.max(1, order.length);
  return order.map((kind, i) => ({ kind, at: Math.round(start + slot * (i + 0.2 + random() * 0.5)) }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const KEY = Buffer.alloc(32, 7).toString('base64');
const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';

interface Topology {
  readonly baseUrl: string;
  readonly db: Queryable | undefined;
  /** Processes that exited on their own (and were restarted). */
  readonly crashes: readonly Crash[];
  /** Starts that failed and were tried again. */
  readonly failedStarts: readonly { name: string; at: number; error: string }[];
  processes(): ServiceProcess[];
  /** Stops the service processes (SIGTERM), keeping the harness's own database connection. */
  stopProcesses(): Promise<void>;
  /** Kills `name` with SIGKILL and starts it again; resolves when the new one is ready. */
  killAndRestart(
    name: string,
    pauseMs: number,
  ): Promise<{ killed: ServiceProcess; signal: NodeJS.Signals | null; restarted: ServiceProcess }>;
  stop(): Promise<void>;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const seeded = seededRandom(options.seed);
  const random = (): number => seeded.next();
  const tag = randomBytes(4).toString('hex');
  const workDir = mkdtempSync(path.join(tmpdir(), `baton-chaos-${options.mode}-`));
  const dataDir = path.join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const problems: string[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => log(`chaos cleanup: ${String(err)}`));
    if (options.keep !== true) rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`chaos: ${signal}: stopping the processes and cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  };
  if (options.handleSignals === true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  log(
    `chaos ${options.mode}: seed ${options.seed}, ${Math.round(options.durationMs / 1000)} s at ${options.rate} events/s; work dir ${workDir}`,
  );
  try {
    const hubspot = await startHubSpotSandbox();
    cleanups.push(() => hubspot.close());
    hubspot.state.nextInstallPortal = PORTAL_ID;
    const twilio = await startTwilioSandbox();
    cleanups.push(() => twilio.close());
    const hubspotProxy = await startFaultProxy('hubspot', hubspot.url, () => tenSecondly429().body);
    cleanups.push(() => hubspotProxy.close());
    const twilioProxy = await startFaultProxy('twilio', twilio.url, () => ({
      code: 20429,
      message: 'Too Many Requests',
      more_info: 'https://www.twilio.com/docs/errors/20429',
      status: 429,
    }));
    cleanups.push(() => twilioProxy.close());

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const common: Record<string, string> = {
      PUBLIC_URL: baseUrl,
      BATON_ENCRYPTION_KEY: KEY,
      BATON_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      BATON_SHUTDOWN_TIMEOUT_MS: '5000',
      HUBSPOT_CLIENT_ID: hubspot.state.clientId,
      HUBSPOT_CLIENT_SECRET: hubspot.state.clientSecret,
      HUBSPOT_API_BASE_URL: hubspotProxy.url,
    };

    let topology: Topology;
    let tenant: { tenantId: string; apiKey: string };
    let redis: PrivateRedis | undefined;
    let dbName: string | undefined;
    const adminUrl = options.databaseUrl ?? process.env['TEST_DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
    const appName = `baton-chaos-${tag}`;
    if (options.mode === 'pg') {
      dbName = `chaos_${tag}`;
      const admin = new Pool({ connectionString: adminUrl, max: 1 });
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
      const name = dbName;
      if (options.keep !== true) {
        cleanups.push(async () => {
          const a = new Pool({ connectionString: adminUrl, max: 1 });
          await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.end());
        });
      }
      const serviceUrl = new URL(adminUrl);
      serviceUrl.pathname = `/${dbName}`;
      const harnessUrl = serviceUrl.toString();
      serviceUrl.searchParams.set('application_name', appName);
      redis = await startPrivateRedis();
      const r = redis;
      cleanups.push(() => r.stop());
      topology = await startPg({ ...common, DATABASE_URL: serviceUrl.toString(), REDIS_URL: redis.url }, port, workDir, harnessUrl, log);
      cleanups.push(() => topology.stop());
      if (topology.db === undefined) throw new Error('no database');
      tenant = await createTenant(topology.db as Database, 'Chaos');
    } else {
      topology = await startEmbedded(common, port, workDir, log);
      cleanups.push(() => topology.stop());
      tenant = await createTenantThroughAdmin(readLock(dataDir));
    }
    await setUpTenant({ baseUrl, apiKey: tenant.apiKey, hubspot, twilio: twilio.state, twilioUrl: twilioProxy.url });
    log(
      `chaos ${options.mode}: tenant ${tenant.tenantId} set up (HubSpot portal ${PORTAL_ID}, Twilio, playbook ${PLAYBOOK_ID}); ${topology
        .processes()
        .map((p) => `${p.name} pid ${p.pid}`)
        .join(', ')}`,
    );

    const kinds = FAULTS[options.mode];
    const rounds = options.rounds ?? Math.max(1, Math.floor(options.durationMs / (kinds.length * 12_000)));
    const plan = planFaults(random, kinds, options.durationMs, rounds);
    log(`chaos ${options.mode}: faults planned: ${plan.map((f) => `${f.kind}@${(f.at / 1000).toFixed(1)}s`).join(', ')}`);

    const loadStart = Date.now();
    const load = startLoad({ baseUrl, apiKey: tenant.apiKey, rate: options.rate, tag, hubspot });
    const progress = setInterval(() => {
      void progressLine(options.mode, topology.db, tenant.tenantId, load, loadStart).then(log, () => undefined);
    }, 5_000);
    const faults: FaultRecord[] = [];
    const watchers: Promise<void>[] = [];
    try {
      // Faults start once the whole path works (the first SMS reached Twilio): a storm before any run
      // reached a vendor, or a kill before any work was claimed, would test nothing.
      const warmDeadline = Date.now() + 180_000;
      while (twilio.state.messages.length === 0 && Date.now() < warmDeadline) await sleep(250);
      const warm = Date.now() - loadStart;
      log(`chaos ${options.mode}: first side effect ${(warm / 1000).toFixed(1)} s after the load started; faults from now`);
      let previousEnd = 0;
      for (const planned of plan) {
        // Faults do not overlap: a slow restart pushes the next one back (at least 5 s after it).
        await sleep(Math.max(loadStart + warm + planned.at, previousEnd + 5_000) - Date.now());
        const record = await inject(planned.kind, {
          random,
          topology,
          redis,
          proxies: [hubspotProxy, twilioProxy],
          appName,
          dbName,
          loadStart,
          watchers,
        });
        faults.push(record);
        previousEnd = record.endedAt;
        log(
          `chaos ${options.mode}: ${record.kind} at ${(record.at / 1000).toFixed(1)} s: ${record.injected ? '' : 'NOT INJECTED: '}${record.detail}`,
        );
      }
      await sleep(loadStart + warm + options.durationMs - Date.now());
    } finally {
      await load.stop();
      clearInterval(progress);
    }
    const loadMs = Date.now() - loadStart;
    log(
      `chaos ${options.mode}: load stopped after ${(loadMs / 1000).toFixed(0)} s: ${load.stats.acknowledged} events acknowledged, ${load.stats.refusedAttempts} refused attempts; waiting for the work to drain`,
    );

    const drainStart = Date.now();
    const drainTimeoutMs = options.drainTimeoutMs ?? Math.max(180_000, options.durationMs);
    const drained = await waitForDrain(options.mode, topology, tenant, load.stats, drainStart + drainTimeoutMs, log);
    const drainMs = Date.now() - drainStart;
    await Promise.all(watchers);
    log(
      `chaos ${options.mode}: ${drained ? `drained ${(drainMs / 1000).toFixed(1)} s after the load stopped` : `NOT drained within ${Math.round(drainTimeoutMs / 1000)} s`}`,
    );

    // The embedded database is readable only when its service has stopped.
    // The service processes stop before anything is counted: work still in flight (an undrained run)
    // must not land at a sandbox between reading it and reading the ledgers. The embedded database is
    // readable only once its service has stopped anyway.
    await topology.stopProcesses();
    let verification: Verification;
    const messages = [...twilio.state.messages];
    const tasks = [...(hubspot.state.portal(PORTAL_ID).objects.get('tasks')?.values() ?? [])];
    if (options.mode === 'pg') {
      if (topology.db === undefined) throw new Error('no database');
      verification = await verify(topology.db, { tenantId: tenant.tenantId, acked: load.stats.acked, messages, tasks });
      await measureRecoveries(topology.db, tenant.tenantId, faults, load.stats);
    } else {
      const db = await openPglite({ dataDir });
      try {
        verification = await verify(db, { tenantId: tenant.tenantId, acked: load.stats.acked, messages, tasks });
        await measureRecoveries(db, tenant.tenantId, faults, load.stats);
      } finally {
        await db.close();
      }
    }
    for (const f of faults) {
      const storms = [hubspotProxy, twilioProxy]
        .flatMap((p) => p.stats.storms)
        .filter((s) => s.startedAt === f.injectedAt || (s.startedAt >= f.injectedAt && s.startedAt <= f.endedAt));
      const ok = storms.map((s) => s.firstOkAt).filter((x): x is number => x !== undefined);
      if (f.kind === 'vendor_429' || f.kind === 'vendor_5xx') f.vendorOkMs = ok.length === 0 ? null : Math.max(...ok) - f.endedAt;
      f.recoveryMs = recoveryOf(f);
    }

    if (load.stats.errors.length > 0)
      problems.push(`${load.stats.errors.length} events refused with a 4xx (harness error): ${load.stats.errors.slice(0, 3).join('; ')}`);
    for (const crash of topology.crashes)
      problems.push(
        `${crash.name} (pid ${crash.pid}) exited on its own at ${((crash.at - loadStart) / 1000).toFixed(1)} s (code ${String(crash.code)}, signal ${String(crash.signal)}); see ${path.join(workDir, `${crash.name}.log`)}`,
      );
    for (const failed of topology.failedStarts)
      problems.push(`${failed.name} failed to start at ${((failed.at - loadStart) / 1000).toFixed(1)} s: ${failed.error.slice(0, 300)}`);
    for (const f of faults)
      if (!f.injected) problems.push(`fault ${f.kind} at ${(f.at / 1000).toFixed(1)} s could not be injected: ${f.detail}`);
    if (!drained) problems.push('the work did not drain before the deadline');
    if (verification.lost > 0) problems.push(`${verification.lost} acknowledged events lost: ${verification.lostSample.join('; ')}`);
    if (verification.duplicateSms + verification.duplicateTasks > 0)
      problems.push(
        `${verification.duplicateSms + verification.duplicateTasks} duplicate side effects: ${verification.duplicateSample.join('; ')}`,
      );
    if (verification.runsStuck > 0) problems.push(`${verification.runsStuck} runs stuck (${JSON.stringify(verification.runs)})`);
    if (verification.runsFailed > 0) problems.push(`${verification.runsFailed} runs failed: ${verification.failedSample.join('; ')}`);
    if (verification.silentSuccesses > 0)
      problems.push(`${verification.silentSuccesses} effects reported done that did not happen: ${verification.silentSample.join('; ')}`);
    if (verification.acknowledged === 0) problems.push('no event was acknowledged');

    const { ackTimes: _t, acked: _a, eventIds: _e, people, ...loadRest } = load.stats;
    return {
      mode: options.mode,
      seed: options.seed,
      rate: options.rate,
      durationMs: options.durationMs,
      loadMs,
      load: { ...loadRest, people: people.length, ackPerSecond: Math.round((load.stats.acknowledged / loadMs) * 10_000) / 10 },
      verification,
      faults,
      drained,
      drainMs,
      problems,
      ok: problems.length === 0,
      workDir,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}

/** The figure that says "recovered" for each kind of fault. */
function recoveryOf(f: FaultRecord): number | null {
  switch (f.kind) {
    case 'worker_kill':
      return f.heldRows > 0 ? f.reclaimMs : f.firstProcessedMs;
    case 'web_kill':
      return f.ackMs;
    case 'kill':
      return f.firstProcessedMs;
    case 'vendor_429':
    case 'vendor_5xx':
      return f.vendorOkMs;
    default: {
      // Redis emptied, connections terminated: everything in flight at the fault finished (events and
      // runs) and processing went on after it.
      const parts = [f.backlogMs, f.runsBacklogMs, f.firstProcessedMs];
      return parts.some((x) => x === null) ? null : Math.max(...(parts as number[]));
    }
  }
}

export interface Crash {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * Starts the service processes and acts as their supervisor (systemd, Kubernetes): a process that
 * exits on its own is recorded as a crash (a failure of the run) and started again.
 */
class Supervisor {
  readonly running = new Map<string, ServiceProcess>();
  readonly crashes: Crash[] = [];
  readonly failedStarts: { name: string; at: number; error: string }[] = [];
  private readonly intended = new Set<number>();
  private stopping = false;

  constructor(
    private readonly specs: Readonly<Record<string, Record<string, string>>>,
    private readonly workDir: string,
    private readonly log: (l: string) => void,
  ) {}

  async start(name: string): Promise<ServiceProcess> {
    const spec = this.specs[name];
    if (spec === undefined) throw new Error(`unknown process ${name}`);
    let p: ServiceProcess | undefined;
    // A start that fails (as a supervisor would see it) is tried again a few times before the run gives up.
    for (let attempt = 1; p === undefined; attempt++) {
      try {
        p = await startServiceProcess(name, spec, path.join(this.workDir, `${name}.log`));
      } catch (err) {
        if (attempt >= 4 || this.stopping) throw err;
        this.failedStarts.push({ name, at: Date.now(), error: err instanceof Error ? err.message : String(err) });
        this.log(`chaos: ${name} did not start (${err instanceof Error ? err.message : String(err)}); trying again`);
        await sleep(2_000);
      }
    }
    this.running.set(name, p);
    const started = p;
    void started.exited.then((e) => {
      if (this.intended.has(started.pid) || this.stopping) return;
      this.crashes.push({ name, pid: started.pid, code: e.code, signal: e.signal, at: Date.now() });
      this.log(
        `chaos: ${name} pid ${started.pid} EXITED ON ITS OWN (code ${String(e.code)}, signal ${String(e.signal)}); restarting it (log: ${path.join(this.workDir, `${name}.log`)})`,
      );
      this.start(name).catch((err: unknown) => this.log(`chaos: could not restart ${name}: ${String(err)}`));
    });
    return started;
  }

  async killAndRestart(
    name: string,
    pauseMs: number,
  ): Promise<{ killed: ServiceProcess; signal: NodeJS.Signals | null; restarted: ServiceProcess }> {
    const killed = this.running.get(name);
    if (killed === undefined) throw new Error(`no process ${name}`);
    this.intended.add(killed.pid);
    const { signal } = await killed.kill('SIGKILL');
    await sleep(pauseMs);
    const restarted = await this.start(name);
    return { killed, signal, restarted };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()].map((p) => p.kill('SIGTERM', 20_000)));
  }
}

async function startPg(
  env: Record<string, string>,
  port: number,
  workDir: string,
  harnessUrl: string,
  log: (l: string) => void,
): Promise<Topology> {
  const supervisor = new Supervisor(
    {
      web: { ...env, BATON_ROLE: 'web', PORT: String(port) },
      'worker-1': { ...env, BATON_ROLE: 'worker', PORT: '0' },
      'worker-2': { ...env, BATON_ROLE: 'worker', PORT: '0' },
    },
    workDir,
    log,
  );
  // The web process migrates first; the workers then start together.
  await supervisor.start('web');
  await Promise.all([supervisor.start('worker-1'), supervisor.start('worker-2')]);
  log(`chaos pg: web + 2 workers ready (logs in ${workDir})`);
  const db = await openPostgres({ connectionString: harnessUrl, applicationName: 'baton-chaos-harness', max: 3 });
  return topologyOf(supervisor, port, db);
}

async function startEmbedded(env: Record<string, string>, port: number, workDir: string, log: (l: string) => void): Promise<Topology> {
  const supervisor = new Supervisor({ baton: { ...env, PORT: String(port) } }, workDir, log);
  await supervisor.start('baton');
  log(`chaos embedded: service ready (log in ${workDir})`);
  return topologyOf(supervisor, port, undefined);
}

function topologyOf(supervisor: Supervisor, port: number, db: Database | undefined): Topology {
  let stopped = false;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    db,
    crashes: supervisor.crashes,
    failedStarts: supervisor.failedStarts,
    processes: () => [...supervisor.running.values()],
    killAndRestart: (name, pauseMs) => supervisor.killAndRestart(name, pauseMs),
    stopProcesses: () => supervisor.stop(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await supervisor.stop();
      await db?.close();
    },
  };
}

interface InjectContext {
  readonly random: () => number;
  readonly topology: Topology;
  readonly redis: PrivateRedis | undefined;
  readonly proxies: readonly FaultProxy[];
  readonly appName: string;
  readonly dbName: string | undefined;
  readonly loadStart: number;
  /** Background measurements still running (awaited before the report). */
  readonly watchers: Promise<void>[];
}

/** Polls until every outbox row the killed worker held is claimed by another worker or done (at most 5 minutes). */
async function watchReclaim(db: Queryable, record: FaultRecord, pid: number): Promise<void> {
  if (record.heldIds.length === 0) return;
  const deadline = record.injectedAt + 300_000;
  while (Date.now() < deadline) {
    const r = await db
      .query<{ open: number }>(
        `SELECT count(*)::int AS open FROM outbox WHERE id = ANY($1::text[]) AND status = 'pending' AND (locked_by LIKE $2 OR locked_by IS NULL)`,
        [record.heldIds, `%:${pid}:%`],
      )
      .catch(() => undefined);
    if (r?.rows[0]?.open === 0) {
      record.reclaimMs = Date.now() - record.injectedAt;
      return;
    }
    await sleep(500);
  }
}

async function inject(kind: FaultKind, c: InjectContext): Promise<FaultRecord> {
  const injectedAt = Date.now();
  const record: FaultRecord = {
    kind,
    at: injectedAt - c.loadStart,
    injectedAt,
    endedAt: injectedAt,
    injected: false,
    detail: '',
    recoveryMs: null,
    firstProcessedMs: null,
    backlogMs: null,
    runsBacklogMs: null,
    heldMs: null,
    reclaimMs: null,
    heldRows: 0,
    ackMs: null,
    vendorOkMs: null,
    heldIds: [],
  };
  try {
    switch (kind) {
      case 'worker_kill': {
        const name = c.random() < 0.5 ? 'worker-1' : 'worker-2';
        const victim = c.topology.processes().find((p) => p.name === name);
        if (victim !== undefined && c.topology.db !== undefined) {
          const held = await c.topology.db.query<{ id: string }>(
            `SELECT id FROM outbox WHERE status = 'pending' AND locked_until > now() AND locked_by LIKE $1`,
            [`%:${victim.pid}:%`],
          );
          record.heldIds = held.rows.map((r) => r.id);
          record.heldRows = record.heldIds.length;
        }
        const { killed, signal, restarted } = await c.topology.killAndRestart(name, 1_000 + Math.round(c.random() * 2_000));
        record.injected = signal === 'SIGKILL';
        if (c.topology.db !== undefined && victim !== undefined) c.watchers.push(watchReclaim(c.topology.db, record, victim.pid));
        record.detail = `SIGKILL ${name} pid ${killed.pid} (holding ${record.heldRows} outbox rows) → ${String(signal)}; restarted as pid ${restarted.pid} in ${((restarted.readyAt - injectedAt) / 1000).toFixed(1)} s`;
        break;
      }
      case 'web_kill':
      case 'kill': {
        const name = kind === 'web_kill' ? 'web' : 'baton';
        const { killed, signal, restarted } = await c.topology.killAndRestart(name, 500 + Math.round(c.random() * 1_500));
        record.injected = signal === 'SIGKILL';
        record.detail = `SIGKILL ${name} pid ${killed.pid} → ${String(signal)}; restarted as pid ${restarted.pid}, ready ${((restarted.readyAt - injectedAt) / 1000).toFixed(1)} s after the kill`;
        break;
      }
      case 'redis_flush': {
        if (c.redis === undefined) throw new Error('no private Redis in this mode');
        const r = await c.redis.restartEmpty();
        record.injected = r.killedBy === 'SIGKILL' && r.keysBefore > 0 && r.runIdAfter !== '' && r.runIdBefore !== r.runIdAfter;
        record.detail = `private Redis killed (${String(r.killedBy)}) holding ${r.keysBefore} keys; a new, empty server (run id ${r.runIdAfter.slice(0, 8)}) took its port (${r.keysAtStart} keys at its first probe, written by the reconnected clients)`;
        break;
      }
      case 'db_terminate': {
        if (c.topology.db === undefined || c.dbName === undefined) throw new Error('no PostgreSQL in this mode');
        // Every pool of the service. The URL's application_name names them all today (it overrides the
        // pools' own); the suffixes server/db/postgres.ts gives its other pools (-derived, -generic) count too.
        const r = await c.topology.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = $1 AND (application_name = $2 OR starts_with(application_name, $2 || '-')) AND pid <> pg_backend_pid()) t`,
          [c.dbName, c.appName],
        );
        const n = r.rows[0]?.n ?? 0;
        record.injected = n > 0;
        record.detail = `pg_terminate_backend on ${n} connections of the service (database ${c.dbName}, application_name ${c.appName})`;
        break;
      }
      case 'vendor_429':
      case 'vendor_5xx': {
        const storm: StormKind = kind === 'vendor_429' ? 'rate_limit' : 'server_error';
        const retryAfter = 1 + Math.floor(c.random() * 3);
        const minMs = 4_000 + Math.round(c.random() * 4_000);
        for (const p of c.proxies) p.storm(storm, retryAfter);
        const served = (): number => c.proxies.reduce((sum, p) => sum + (p.stats.storms[p.stats.storms.length - 1]?.faults ?? 0), 0);
        await sleep(minMs);
        // A storm nobody called into did not happen: it lasts until it has answered at least a few calls (at most 60 s more).
        for (let waited = 0; served() < 3 && waited < 60_000; waited += 250) await sleep(250);
        for (const p of c.proxies) p.calm();
        const lastsMs = Date.now() - injectedAt;
        const perProxy = c.proxies.map((p) => `${p.name} ${p.stats.storms[p.stats.storms.length - 1]?.faults ?? 0}`);
        record.injected = served() > 0;
        record.detail = `${storm === 'rate_limit' ? `429 with Retry-After: ${retryAfter}` : '5xx (half of the writes applied, their answers lost)'} for ${(lastsMs / 1000).toFixed(1)} s: faults served ${perProxy.join(', ')}`;
        break;
      }
    }
  } catch (err) {
    record.injected = false;
    record.detail = `injection failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  record.endedAt = Date.now();
  return record;
}

async function measureRecoveries(q: Queryable, tenantId: string, faults: FaultRecord[], stats: LoadStats): Promise<void> {
  for (const f of faults) {
    const at = new Date(f.injectedAt).toISOString();
    const first = await q.query<{ t: Date | null }>(
      `SELECT min(processed_at) AS t FROM events WHERE tenant_id = $1 AND processed_at > $2::timestamptz`,
      [tenantId, at],
    );
    const t = first.rows[0]?.t;
    f.firstProcessedMs = t === null || t === undefined ? null : new Date(t).getTime() - f.injectedAt;
    const backlog = await q.query<{ open: number; t: Date | null }>(
      `SELECT count(*) FILTER (WHERE processed_at IS NULL)::int AS open, max(processed_at) AS t FROM events WHERE tenant_id = $1 AND received_at <= $2::timestamptz`,
      [tenantId, at],
    );
    const b = backlog.rows[0];
    f.backlogMs = b === undefined || b.open > 0 || b.t === null ? null : Math.max(0, new Date(b.t).getTime() - f.injectedAt);
    const runs = await q.query<{ open: number; t: Date | null }>(
      `SELECT count(*) FILTER (WHERE ended_at IS NULL)::int AS open, max(ended_at) AS t FROM runs WHERE tenant_id = $1 AND playbook_id = $2 AND created_at <= $3::timestamptz`,
      [tenantId, PLAYBOOK_ID, at],
    );
    const r = runs.rows[0];
    f.runsBacklogMs = r === undefined || r.open > 0 || r.t === null ? null : Math.max(0, new Date(r.t).getTime() - f.injectedAt);
    if (f.heldIds.length > 0) {
      const held = await q.query<{ open: number; t: Date | null }>(
        `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open, max(done_at) AS t FROM outbox WHERE id = ANY($1::text[])`,
        [f.heldIds],
      );
      const h = held.rows[0];
      f.heldMs = h === undefined || h.open > 0 || h.t === null ? null : Math.max(0, new Date(h.t).getTime() - f.injectedAt);
    }
    if (f.kind === 'web_kill' || f.kind === 'kill') {
      const ack = stats.ackTimes.find((x) => x > f.injectedAt);
      f.ackMs = ack === undefined ? null : ack - f.injectedAt;
    }
  }
}

async function progressLine(
  mode: ChaosMode,
  db: Queryable | undefined,
  tenantId: string,
  load: LoadGenerator,
  loadStart: number,
): Promise<string> {
  const s = load.stats;
  const secs = (Date.now() - loadStart) / 1000;
  let processed = '';
  if (db !== undefined) {
    const r = await db.query<{ processed: number; runs: number }>(
      `SELECT (SELECT count(*)::int FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL) AS processed,
              (SELECT count(*)::int FROM runs WHERE tenant_id = $1 AND status = 'completed') AS runs`,
      [tenantId],
    );
    processed = `, processed ${r.rows[0]?.processed ?? '?'}, runs completed ${r.rows[0]?.runs ?? '?'}`;
  }
  return `chaos ${mode} ${secs.toFixed(0)} s: acknowledged ${s.acknowledged} (${(s.acknowledged / secs).toFixed(0)}/s)${processed}, refused attempts ${s.refusedAttempts}`;
}

async function waitForDrain(
  mode: ChaosMode,
  topology: Topology,
  tenant: { tenantId: string; apiKey: string },
  stats: LoadStats,
  deadline: number,
  log: (l: string) => void,
): Promise<boolean> {
  let lastLog = 0;
  if (mode === 'pg') {
    const db = topology.db;
    if (db === undefined) return false;
    for (;;) {
      const r = await db
        .query<{ processed: number; active: number; started: number }>(
          `SELECT (SELECT count(*)::int FROM events WHERE tenant_id = $1 AND source_event_id = ANY($2::text[]) AND processed_at IS NOT NULL) AS processed,
                (SELECT count(*)::int FROM runs WHERE tenant_id = $1 AND playbook_id = $3 AND status IN ('pending', 'running', 'waiting')) AS active,
                (SELECT count(*)::int FROM run_starts WHERE tenant_id = $1) AS started`,
          [tenant.tenantId, stats.acked, PLAYBOOK_ID],
        )
        .catch(() => undefined);
      const row = r?.rows[0];
      if (row !== undefined && row.processed >= stats.acked.length && row.active === 0 && row.started >= stats.acked.length) return true;
      if (Date.now() > deadline) return false;
      if (Date.now() - lastLog > 5_000 && row !== undefined) {
        lastLog = Date.now();
        log(
          `chaos pg: draining: ${row.processed}/${stats.acked.length} events processed, ${row.started} runs started, ${row.active} active`,
        );
      }
      await sleep(1_000);
    }
  }
  // Embedded: only the service can read its database; ask it over the API.
  const headers = { authorization: `Bearer ${tenant.apiKey}` };
  let confirmed = 0;
  for (;;) {
    try {
      while (confirmed < stats.eventIds.length) {
        const res = await fetch(`${topology.baseUrl}/api/v1/events/${stats.eventIds[confirmed] ?? ''}`, {
          headers,
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { processedAt?: string | null };
        if (res.status !== 200 || body.processedAt === null || body.processedAt === undefined) break;
        confirmed++;
      }
      if (confirmed >= stats.eventIds.length) {
        const res = await fetch(`${topology.baseUrl}/api/v1/runs?playbookId=${PLAYBOOK_ID}&status=pending,running,waiting&limit=1`, {
          headers,
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { runs?: unknown[] };
        if (res.status === 200 && body.runs?.length === 0) return true;
      }
    } catch {
      // the service is still coming back
    }
    if (Date.now() > deadline) return false;
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(`chaos embedded: draining: ${confirmed}/${stats.eventIds.length} events confirmed processed`);
    }
    await sleep(1_000);
  }
}

export type { HubSpotSandbox, TwilioSandbox };
