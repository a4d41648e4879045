import { readFileSync } from 'node:fs';
/** Small helpers shared by bench suites: reachability of optional services and number formatting. */
import net from 'node:net';

export const BENCH_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = process.env['TEST_REDIS_URL'] ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Whether a TCP service answers (benches measure PostgreSQL + Redis mode only when it does). */
export function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 1000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** CPU seconds (user + system) of a local process, from /proc/<pid>/stat; undefined when unreadable. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3): utime and stime are fields 14 and 15, in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a bench's PostgreSQL backends, read from /proc (the database runs on this machine in the
 * bench setup): `pids` names them (by application name, client port…). A backend that appears during
 * the run counts from zero. `end` is undefined when none could be read (a database elsewhere).
 */
export class BackendCpu {
  private readonly start = new Map<number, number>();
  private constructor(private readonly pids: () => Promise<readonly number[]>) {}

  static async begin(pids: () => Promise<readonly number[]>): Promise<BackendCpu> {
    const cpu = new BackendCpu(pids);
    for (const [pid, s] of await cpu.sample()) cpu.start.set(pid, s);
    return cpu;
  }

  private async sample(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const pid of await this.pids()) {
      const s = procCpuSeconds(pid);
      if (s !== undefined) out.set(pid, s);
    }
    return out;
  }

  /** CPU seconds used by the backends since begin(); undefined when none could be read. */
  async end(): Promise<number | undefined> {
    const now = await this.sample();
    if (now.size === 0) return undefined;
    let total = 0;
    for (const [pid, s] of now) total += s - (this.start.get(pid) ?? 0);
    return total;
  }
}
