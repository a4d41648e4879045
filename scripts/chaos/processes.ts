/**
 * Baton service processes for the chaos run: the production entry point (server/main.ts, through the
 * tsx loader registered in the same Node process, so a SIGKILL reaches the service itself), configured
 * only through the environment, as `npm start` is. Output goes to a log file per process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const READY = /Baton is listening on|Baton worker running/;

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Epoch ms when it printed its ready line. */
  readonly readyAt: number;
  /** Resolves with the signal (or exit code) once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: 'SIGKILL' | 'SIGTERM', timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServiceProcess(
  name: string,
  env: Record<string, string>,
  logFile: string,
  timeoutMs = 120_000,
): Promise<ServiceProcess> {
  const startedAt = Date.now();
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  log.write(`--- ${new Date().toISOString()} start ${name}\n`);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      log.write(`--- ${new Date().toISOString()} ${name} exited (code ${String(code)}, signal ${String(signal)})\n`);
      log.end();
      resolve({ code, signal });
    }),
  );
  child.stderr?.on('data', (d: Buffer) => log.write(d));
  const readyAt = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${timeoutMs} ms (log: ${logFile})`));
    }, timeoutMs);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${String(e.code)}, signal ${String(e.signal)}) before it was ready (log: ${logFile})`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      log.write(d);
      out += d.toString();
      if (READY.test(out)) {
        clearTimeout(timer);
        out = '';
        resolve(Date.now());
      }
    });
  });
  const pid = child.pid ?? -1;
  return {
    name,
    pid,
    startedAt,
    readyAt,
    exited,
    async kill(signal, timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}
