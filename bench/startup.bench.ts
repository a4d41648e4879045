/**
 * Start-up: time from spawning `node dist/server/main.js` (what `npm start` runs) to the first 200 from
 * GET /readyz, polled every 10 ms. Embedded: a fresh data dir (the database is seeded from the cached
 * template, server/db/pglite-template.ts; the first start on a machine builds that template, shown
 * separately) and a restart on the data dir it left. PostgreSQL + Redis: a freshly created database
 * (every migration applied) and a restart on it. Baseline, in the same run: a bare `node -e` HTTP
 * server, spawn to first answer. Each figure is the median of RUNS starts. Measures dist/ as built:
 * a stale dist/ fails the suite (`npm run build` first); BATON_ROOT measures another checkout.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, reachable, round } from './support';
import type { BenchFigure, BenchSuite } from './types';

const RUNS = 3;
const TIMEOUT_MS = 120_000;
const ROOT = process.env['BATON_ROOT'] === undefined ? path.join(__dirname, '..') : path.resolve(process.env['BATON_ROOT']);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require('../bin/start.js') as { staleReason: (root: string) => string | undefined };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** CPU time (user + system, every thread) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields =
      readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the stat line (11 and 12 after the command name), in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Ready {
  /** Wall time from spawn to the first 200. */
  ms: number;
  /** CPU time the process had used by then (a shared machine stretches wall time, much less this). */
  cpu: number;
}

/** Spawns `node args` with env + PORT, measures spawn to the first 200 on `probePath`, then stops it. */
async function timeToReady(args: readonly string[], env: Record<string, string>, probePath: string): Promise<Ready> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  try {
    for (;;) {
      if (await answers(`http://127.0.0.1:${port}${probePath}`)) return { ms: performance.now() - started, cpu: cpuMs(child.pid) };
      if (exitCode !== undefined) throw new Error(`the process exited (${String(exitCode)}) before it was ready: ${stderr.slice(-500)}`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`not ready within ${TIMEOUT_MS} ms: ${stderr.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    if (exitCode === undefined) child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function medianOf(run: () => Promise<Ready>): Promise<Ready> {
  const times: Ready[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await run());
  return { ms: median(times.map((t) => t.ms)), cpu: median(times.map((t) => t.cpu)) };
}

const BARE = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";

export const startupBench: BenchSuite = {
  name: 'startup',
  async run(progress) {
    const stale = staleReason(ROOT);
    if (stale !== undefined) throw new Error(`${stale}: run \`npm run build\` first (the bench measures dist/ as npm start runs it)`);
    const main = path.join('dist', 'server', 'main.js');
    const dirs: string[] = [];
    const freshDir = (): string => {
      const d = mkdtempSync(path.join(tmpdir(), 'baton-bench-start-'));
      dirs.push(d);
      return d;
    };
    const figures: BenchFigure[] = [];
    const figure = (name: string, r: Ready, baseline: Ready): void => {
      figures.push({ name, value: round(r.ms, 0), unit: 'ms', baseline: round(baseline.ms, 0), ratio: round(r.ms / baseline.ms, 1) });
      if (!Number.isNaN(r.cpu))
        figures.push({
          name: `${name}, CPU time used`,
          value: round(r.cpu, 0),
          unit: 'ms',
          baseline: round(baseline.cpu, 0),
          ratio: round(r.cpu / baseline.cpu, 1),
        });
    };
    try {
      progress('baseline: bare node http server');
      const bare = await medianOf(() => timeToReady(['-e', BARE], {}, '/'));

      progress('embedded: first start (builds the database template if this machine has none)');
      const first = await timeToReady([main], { BATON_DATA_DIR: freshDir() }, '/readyz');
      progress(`embedded: ${RUNS} starts on fresh data dirs`);
      const fresh = await medianOf(() => timeToReady([main], { BATON_DATA_DIR: freshDir() }, '/readyz'));
      const kept = freshDir();
      await timeToReady([main], { BATON_DATA_DIR: kept }, '/readyz');
      progress(`embedded: ${RUNS} restarts on an existing data dir`);
      const restart = await medianOf(() => timeToReady([main], { BATON_DATA_DIR: kept }, '/readyz'));
      figure('start → /readyz, embedded, first fresh data dir of this run (builds the template if the machine has none)', first, bare);
      figure(`start → /readyz, embedded, fresh data dir (median of ${RUNS})`, fresh, bare);
      figure(`start → /readyz, embedded, restart (median of ${RUNS})`, restart, bare);

      if ((await reachable(BENCH_DATABASE_URL, 5432)) && (await reachable(BENCH_REDIS_URL, 6379))) {
        const name = `baton_bench_start_${randomBytes(4).toString('hex')}`;
        const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE ${name}`);
          const url = new URL(BENCH_DATABASE_URL);
          url.pathname = `/${name}`;
          const env = {
            DATABASE_URL: url.toString(),
            REDIS_URL: BENCH_REDIS_URL,
            BATON_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
            BATON_DATA_DIR: freshDir(),
          };
          progress('postgres+redis: first start on a new database (every migration applied)');
          const created = await timeToReady([main], env, '/readyz');
          progress(`postgres+redis: ${RUNS} restarts`);
          const again = await medianOf(() => timeToReady([main], env, '/readyz'));
          figure('start → /readyz, PostgreSQL + Redis, new database', created, bare);
          figure(`start → /readyz, PostgreSQL + Redis, restart (median of ${RUNS})`, again, bare);
        } finally {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
          await admin.end();
        }
      } else {
        progress('PostgreSQL or Redis not reachable: PostgreSQL + Redis figures skipped');
      }
      return figures;
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  },
};
