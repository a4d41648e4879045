import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Database } from './db/database';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock';
import { migrate } from './db/migrate';
import { defaultTemplateCache, seedFromTemplate } from './db/pglite-template';
import type * as PgliteDriver from './db/pglite';
import type * as PostgresDriver from './db/postgres';
import type * as BullmqDispatcherModule from './dispatch/bullmq.dispatcher';
import type { Dispatcher } from './dispatch/dispatcher';
import { InProcessDispatcher } from './dispatch/in-process.dispatcher';
import { outbox } from './dispatch/outbox.repository';
import { Sweeper } from './dispatch/sweeper';
import { startPlannerStatistics } from './db/planner-statistics';
import { WorkQueue } from './dispatch/work-queue';
import { WorkRunner, type JobHandler } from './dispatch/work-runner';
import { EVENT_PROCESS_JOB } from './events/events.repository';
import { eventBatchProcessor, type EventStage } from './events/event-processor';
import { createApp } from './http/app';
import { answerClientErrors } from './http/errors';
import { type ModuleFactory, type ServiceModule } from './module';
import { buildModules } from './module-graph';
import { modules as defaultModules } from './modules';
import { ServiceRegistry } from './services';
import { systemClock, type Clock } from '../app/shared/clock';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { newToken } from './security/ids';
import { SecretBox, loadOrCreateLocalKey } from './security/secret-box';

/** Knobs for tests and benchmarks; production uses the defaults. */
export interface RuntimeOptions {
  logger?: Logger;
  /** PostgreSQL schema (tests isolate each file). */
  schema?: string;
  /** BullMQ queue name (tests isolate each file). */
  queueName?: string;
  /** Extra job handlers (tests register probes). */
  handlers?: Record<string, JobHandler>;
  stages?: readonly EventStage[];
  leaseMs?: number;
  sweepIntervalMs?: number;
  /** How often PostgreSQL tables never analyzed are looked for and analyzed (server/db/planner-statistics.ts; default 2 s; 0: never). */
  statisticsIntervalMs?: number;
  redispatchAfterMs?: number;
  /** Listen on this host (default: all interfaces). */
  host?: string;
  /** Skip the data-dir lock (only for in-memory PGlite in tests). */
  inMemory?: boolean;
  /** Capability modules; defaults to server/modules.ts. */
  modules?: readonly ModuleFactory[];
  /** Events claimed and processed together by one worker (default 50; 1 = one event per job). */
  eventBatchSize?: number;
  /** Where a fresh embedded database's template is cached (server/db/pglite-template.ts); false: run initdb in place. */
  pgliteTemplateCache?: string | false;
  /** The clock modules read the time from (default systemClock). */
  clock?: Clock;
}

export interface Runtime {
  readonly config: Config;
  readonly db: Database;
  readonly dispatcher: Dispatcher;
  readonly work: WorkQueue;
  readonly runner: WorkRunner;
  readonly sweeper: Sweeper;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly modules: readonly ServiceModule[];
  /** Base URL this process listens on (loopback), when it serves HTTP. */
  readonly url: string | undefined;
  /** The HTTP app being served (tests walk its routes), when this process serves HTTP. */
  readonly app: Express | undefined;
  shutdown(reason?: string): Promise<void>;
}

// The drivers are loaded for the storage in use only: PostgreSQL mode never loads PGlite, embedded
// mode never loads pg nor BullMQ (start-up time, see docs/ARCHITECTURE.md "Start-up").
/* eslint-disable @typescript-eslint/no-require-imports */
const loadPostgres = (): typeof PostgresDriver => require('./db/postgres') as typeof PostgresDriver;
const loadPglite = (): typeof PgliteDriver => require('./db/pglite') as typeof PgliteDriver;
const loadBullmq = (): typeof BullmqDispatcherModule => require('./dispatch/bullmq.dispatcher') as typeof BullmqDispatcherModule;
/* eslint-enable @typescript-eslint/no-require-imports */

async function openDatabase(
  config: Config,
  options: RuntimeOptions,
  logger: Logger,
): Promise<{ db: Database; lock: DataDirLock | undefined }> {
  if (config.databaseUrl !== undefined) {
    const { openPostgres } = loadPostgres();
    const db = await openPostgres({
      connectionString: config.databaseUrl,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    });
    return { db, lock: undefined };
  }
  const { openPglite } = loadPglite();
  if (options.inMemory === true) return { db: await openPglite({ dataDir: undefined }), lock: undefined };
  const lock = acquireDataDirLock(config.dataDir);
  try {
    const cacheDir = options.pgliteTemplateCache === false ? undefined : (options.pgliteTemplateCache ?? defaultTemplateCache());
    const seeded = await seedFromTemplate(config.dataDir, { cacheDir, logger, openPglite });
    if (seeded !== 'existing')
      logger.info({ dataDir: config.dataDir, from: seeded === 'no-cache' ? 'initdb' : 'template' }, 'created the embedded database');
    const db = await openPglite({ dataDir: config.dataDir });
    return { db, lock };
  } catch (err) {
    lock.release();
    logger.error({ err }, 'could not open the embedded database');
    throw err;
  }
}

/** Builds and starts the whole service (HTTP and/or workers per BATON_ROLE) from a validated config. */
export async function startService(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Where start-up time goes, logged once the service is up (docs/ARCHITECTURE.md, "Start-up").
  const phases: Record<string, number> = { loadedMs: Math.round(process.uptime() * 1000) };
  let mark = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[`${name}Ms`] = Math.round(now - mark);
    mark = now;
  };
  const { db, lock } = await openDatabase(config, options, logger);
  phase('database');
  const cleanup: (() => Promise<void>)[] = [async () => db.close(), async () => lock?.release()];
  try {
    let key = config.encryptionKey;
    if (key === undefined) {
      const local = loadOrCreateLocalKey(config.dataDir);
      key = local.key;
      if (local.created)
        logger.warn(
          `BATON_ENCRYPTION_KEY is not set: generated a key in ${config.dataDir}/encryption.key. Back it up, or set BATON_ENCRYPTION_KEY, before storing real credentials.`,
        );
    }
    const secrets = new SecretBox(key, config.previousEncryptionKeys);

    const clock = options.clock ?? systemClock;
    const migration = await migrate(db);
    phase('migrations');
    if (migration.applied.length > 0) logger.info({ applied: migration.applied }, 'database migrated');
    // Fresh tables get planner statistics early (autovacuum comes within a minute); PostgreSQL only.
    const statisticsMs = options.statisticsIntervalMs ?? 2_000;
    if (statisticsMs > 0 && db.kind === 'postgres') {
      const statistics = startPlannerStatistics(db, logger, statisticsMs);
      cleanup.unshift(async () => statistics.stop());
    }

    const dispatcher: Dispatcher =
      config.redisUrl !== undefined
        ? new (loadBullmq().BullmqDispatcher)({
            redisUrl: config.redisUrl,
            concurrency: config.workerConcurrency,
            clock,
            ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
          })
        : new InProcessDispatcher({ concurrency: config.workerConcurrency, clock });
    cleanup.unshift(async () => dispatcher.stop());
    const work = new WorkQueue(db, dispatcher);
    const metrics = createMetrics({ outboxCounts: () => outbox.counts(db), transportDepth: () => dispatcher.depth() });
    const runner = new WorkRunner(db, {
      workerId: `${hostname()}:${process.pid}:${newToken(4)}`,
      leaseMs: options.leaseMs ?? 60_000,
      logger,
      reschedule: (ref) => work.notify([ref]),
      onOutcome: (kind, outcome) => metrics.jobsFinished.inc({ kind, outcome }),
      clock,
    });
    // Identity's erasure reaches every loaded module, known once all are built: a late-bound hook.
    const all: { loaded?: readonly ServiceModule[] } = {};
    const ctx = {
      config,
      db,
      work,
      logger,
      metrics,
      secrets,
      clock,
      services: new ServiceRegistry(),
      loadedModules: (): readonly ServiceModule[] => all.loaded ?? [],
    };
    // Dependency order, checked: a missing or cyclic dependency stops here with its name (server/module-graph.ts).
    const loaded = buildModules(options.modules ?? defaultModules, ctx);
    all.loaded = loaded;
    const stages = [...loaded.flatMap((m) => m.stages ?? []), ...(options.stages ?? [])];
    // Micro-batches: a delivered event claims up to a batch of the tenant's waiting events (docs/ARCHITECTURE.md, "Throughput").
    // Events acknowledged with `Prefer: respond-async` get their identity in the worker, a batch at a time.
    const identifyMany = loaded.find((m) => m.identifyMany !== undefined)?.identifyMany;
    runner.registerBatch(
      EVENT_PROCESS_JOB,
      eventBatchProcessor(db, stages, identifyMany === undefined ? {} : { identifyMany }),
      options.eventBatchSize ?? 50,
    );
    for (const m of loaded) for (const [kind, handler] of Object.entries(m.handlers ?? {})) runner.register(kind, handler);
    for (const m of loaded)
      for (const [kind, batch] of Object.entries(m.batchHandlers ?? {})) runner.registerBatch(kind, batch.handler, batch.maxBatch);
    for (const [kind, handler] of Object.entries(options.handlers ?? {})) runner.register(kind, handler);
    for (const m of loaded) {
      if (m.start !== undefined) {
        await m.start();
        cleanup.unshift(async () => m.stop?.());
      }
    }

    phase('modules');
    const sweeper = new Sweeper(db, dispatcher, {
      intervalMs: options.sweepIntervalMs ?? 5_000,
      horizonMs: 60_000,
      redispatchAfterMs: options.redispatchAfterMs ?? 30_000,
      batchSize: 500,
      logger,
    });
    const consumes = config.role !== 'web';
    if (consumes) {
      await dispatcher.start(runner.deliver);
      sweeper.start();
    }

    let shuttingDown = false;
    let server: Server | undefined;
    let url: string | undefined;
    let app: Express | undefined;
    const adminToken = lock === undefined ? undefined : newToken();
    if (config.role !== 'worker') {
      const httpApp = createApp({
        db,
        dispatcher,
        work,
        logger,
        metrics,
        modules: loaded,
        isShuttingDown: () => shuttingDown,
        ...(adminToken === undefined ? {} : { adminToken }),
      });
      server = await new Promise<Server>((resolve, reject) => {
        const s = httpApp.listen(config.port, options.host ?? '0.0.0.0', (err?: Error) => (err === undefined ? resolve(s) : reject(err)));
        s.on('error', reject);
      });
      app = httpApp;
      answerClientErrors(server);
      server.keepAliveTimeout = 65_000;
      const port = (server.address() as AddressInfo).port;
      url = `http://127.0.0.1:${port}`;
      lock?.update({ url, ...(adminToken === undefined ? {} : { adminToken }) });
    }
    phase('dispatchAndHttp');
    logger.info({ ...phases, readyMs: Math.round(process.uptime() * 1000) }, 'started');

    let stopping: Promise<void> | undefined;
    const shutdown = (reason = 'shutdown'): Promise<void> => {
      stopping ??= (async () => {
        shuttingDown = true;
        logger.info({ reason }, 'shutting down: no new requests, draining in-flight work');
        const closed = server === undefined ? Promise.resolve() : new Promise<void>((r) => server?.close(() => r()));
        server?.closeIdleConnections();
        await sweeper.stop();
        await runner.drain(config.shutdownTimeoutMs);
        await Promise.race([closed, new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref())]);
        server?.closeAllConnections();
        for (const step of cleanup) {
          await step().catch((err: unknown) => logger.warn({ err }, 'error while closing'));
        }
        logger.info('stopped');
      })();
      return stopping;
    };

    return { config, db, dispatcher, work, runner, sweeper, secrets, logger, metrics, modules: loaded, url, app, shutdown };
  } catch (err) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw err;
  }
}
