import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { isAlive } from '../../server/db/data-dir-lock';
import { TEST_KEY } from './runtime';

export interface ChildService {
  readonly process: ChildProcess;
  readonly url: string | null;
  readonly apiKey: string | undefined;
  /** Pid of the node process running the service (tsx's child). */
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Spawns test/support/runs-child.ts under tsx with `env` on top of a quiet base; resolves once it printed its URL. */
export function spawnService(env: Record<string, string>, timeoutMs = 120_000): Promise<ChildService> {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'test', 'support', 'runs-child.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      PORT: '0',
      LOG_LEVEL: 'silent',
      BATON_ENCRYPTION_KEY: TEST_KEY,
      BATON_WORKER_CONCURRENCY: '8',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: tsx runs the script in a child node process, and a signal to the group
    // reaches both (a SIGKILL of the tsx wrapper alone would orphan the service).
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      signalGroup('SIGKILL');
      reject(new Error(`child service did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child service exited (${String(code)}) before it was ready: ${stderr}`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string | null; apiKey?: string; pid: number };
      resolve({
        process: child,
        url: info.url,
        apiKey: info.apiKey,
        pid: info.pid,
        exited,
        // SIGKILL: the whole group dies at once. SIGTERM: the service shuts down cleanly (tsx relays
        // it), with a SIGKILL of the group if it has not exited within 15 s.
        async kill(signal) {
          if (signal === 'SIGKILL') {
            signalGroup('SIGKILL');
            await exited;
            // The service runs in tsx's child process: the wrapper may exit before the kernel has torn
            // the service down. A restart must find the old holder gone (or a zombie), as after a real kill -9.
            for (let i = 0; i < 100 && isAlive(info.pid); i++) await new Promise((r) => setTimeout(r, 50));
            return;
          }
          try {
            process.kill(info.pid, signal);
          } catch {
            // already gone
          }
          const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}
