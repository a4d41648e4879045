/**
 * A private Redis for the chaos run: `redis-server --save '' --appendonly no` on a port of its own,
 * started and killed by this harness only (the machine's shared Redis on 6379 is never touched).
 * Killed and started again it comes back empty, as a Redis that keeps nothing does after a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import IORedis from 'ioredis';
import { freePort } from '../../test/integration/messaging/helpers';

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL the server and start an empty one on the same port; resolves with the key count before and after. */
  restartEmpty(): Promise<{ keysBefore: number; keysAtStart: number; runIdBefore: string; runIdAfter: string; killedBy: string | null }>;
  stop(): Promise<void>;
}

/** The server's key count and run id (a new id for every server process). */
async function probe(url: string): Promise<{ keys: number; runId: string }> {
  const c = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const keys = await c.dbsize();
    const runId = /run_id:(\w+)/.exec(await c.info('server'))?.[1] ?? '';
    return { keys, runId };
  } finally {
    c.disconnect();
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;

  let firstProbe: { keys: number; runId: string } = { keys: -1, runId: '' };
  const launch = async (): Promise<ChildProcess> => {
    const p = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${p.exitCode} (is redis-server installed?)`);
      try {
        firstProbe = await probe(url);
        return p;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const kill = async (p: ChildProcess | undefined): Promise<string | null> => {
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return p?.signalCode ?? null;
    const exited = new Promise<string | null>((r) => p.once('exit', (_code, signal) => r(signal)));
    p.kill('SIGKILL');
    return exited;
  };

  proc = await launch();
  return {
    url,
    port,
    async restartEmpty() {
      const before = await probe(url).catch(() => ({ keys: -1, runId: '' }));
      const killedBy = await kill(proc);
      proc = await launch();
      return { keysBefore: before.keys, keysAtStart: firstProbe.keys, runIdBefore: before.runId, runIdAfter: firstProbe.runId, killedBy };
    },
    async stop() {
      await kill(proc);
    },
  };
}
