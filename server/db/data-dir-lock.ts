import { systemClock } from '../../app/shared/clock';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Embedded mode keeps its database in one directory that only one process may open.
 * The running service writes `baton.lock` with its pid, its URL and an admin token, so the CLI
 * can either go through the running service or refuse with a clear message.
 */
export interface LockInfo {
  pid: number;
  /** Loopback URL of the running service, once it listens. */
  url?: string;
  /** Token accepted by the service's loopback-only admin routes. */
  adminToken?: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly holder: LockInfo,
    dataDir: string,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Baton process (pid ${holder.pid}, started ${holder.startedAt}). ` +
        `Embedded PostgreSQL allows one process at a time: stop that process, use another BATON_DATA_DIR, ` +
        `or set DATABASE_URL to share a PostgreSQL server.`,
    );
    this.name = 'DataDirLockedError';
  }
}

function lockPath(dataDir: string): string {
  return path.join(dataDir, 'baton.lock');
}

/** The state letter of a Linux process (`/proc/<pid>/stat`, third field), or undefined where there is none. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a lock holder still runs. A process killed with SIGKILL stays a zombie until its parent
 * reaps it; it holds no files any more, so a zombie (or dead) process counts as gone: a restart right
 * after `kill -9` must not be refused because the old pid has not been reaped yet.
 */
export function isAlive(pid: number, stateOf: (pid: number) => string | undefined = procState): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = stateOf(pid);
  return state !== 'Z' && state !== 'X';
}

/** The live holder of the lock, or undefined when the directory is free (a stale lock counts as free). */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    if (typeof info.pid === 'number' && info.pid !== process.pid && isAlive(info.pid)) return info;
    return undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirLock {
  /** Records the service URL and admin token so the CLI can reach it. */
  update(extra: Pick<LockInfo, 'url' | 'adminToken'>): void;
  release(): void;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  const info: LockInfo = { pid: process.pid, startedAt: new Date(systemClock.now()).toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      return {
        update(extra) {
          Object.assign(info, extra);
          const tmp = `${file}.${process.pid}`;
          const fd2 = openSync(tmp, 'w', 0o600);
          writeSync(fd2, JSON.stringify(info));
          closeSync(fd2);
          // rename is atomic: readers never see a half-written lock.
          renameSync(tmp, file);
        },
        release() {
          if (released) return;
          released = true;
          try {
            const current = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
            if (current.pid === process.pid) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(dataDir);
      if (holder !== undefined) throw new DataDirLockedError(holder, dataDir);
      // Stale lock from a process that died: take it over.
      try {
        unlinkSync(file);
      } catch {
        // raced with another process removing it
      }
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}
