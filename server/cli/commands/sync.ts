/**
 * `baton sync <connectionId> --api-key KEY [--url URL]`: starts a sync of a warehouse connection on
 * the running service (POST /api/v1/connections/:id/sync) and follows it to the end, showing rows
 * read, profiles matched/created and rows rejected (a progress bar on a terminal, a line per change
 * otherwise); prints the final sync as JSON on stdout. Exit 0 when it succeeded, 1 when it failed.
 */
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { CliUsageError, type CliCommand, type CliIo } from '../io';

const USAGE = 'usage: baton sync <connectionId> --api-key KEY [--url http://localhost:3000] [--interval-ms 500]';

interface SyncJson {
  syncId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  rowsRead: number;
  rowsRejected: number;
  profilesMatched: number;
  profilesCreated: number;
  eventsEmitted: number;
  rejections: { row: number; reason: string }[];
  error: string | null;
  durationMs: number | null;
}

interface Progress {
  update(s: SyncJson): void;
  stop(): void;
}

function progressOf(io: CliIo): Progress {
  const line = (s: SyncJson): string =>
    `${s.status}: ${s.rowsRead} rows read, ${s.profilesMatched} matched, ${s.profilesCreated} created, ${s.rowsRejected} rejected`;
  if (!io.interactive) {
    let last = '';
    return {
      update: (s) => {
        const l = line(s);
        if (l !== last) io.stderr.write(`${l}\n`);
        last = l;
      },
      stop: () => undefined,
    };
  }
  // The total is not known before the query is read: the bar shows the rows read so far against the
  // last page's reach, growing with them.
  const bar = new SingleBar({
    stream: io.stderr,
    format: 'sync {status} [{bar}] {value} rows | {matched} matched | {created} created | {rejected} rejected',
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 200,
  });
  let started = false;
  return {
    update: (s) => {
      const payload = { status: s.status, matched: s.profilesMatched, created: s.profilesCreated, rejected: s.rowsRejected };
      const total = s.status === 'succeeded' || s.status === 'failed' ? Math.max(1, s.rowsRead) : Math.max(1, s.rowsRead * 2);
      if (!started) {
        bar.start(total, s.rowsRead, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(s.rowsRead, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export const syncCommand: CliCommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { 'api-key': { type: 'string' }, url: { type: 'string' }, 'interval-ms': { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const [connectionId, ...extra] = parsed.positionals;
  if (connectionId === undefined || extra.length > 0 || !/^[A-Za-z0-9_-]{1,100}$/.test(connectionId))
    throw new CliUsageError(`give one connection id\n${USAGE}`);
  const apiKey = parsed.values['api-key']?.trim();
  if (apiKey === undefined || apiKey === '') throw new CliUsageError(`--api-key is required (the tenant's API key)\n${USAGE}`);
  const base = (parsed.values.url ?? 'http://localhost:3000').replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(base)) throw new CliUsageError(`--url must be the service's http(s) URL\n${USAGE}`);
  const interval = Number(parsed.values['interval-ms'] ?? '500');
  if (!Number.isInteger(interval) || interval < 10 || interval > 60_000)
    throw new CliUsageError(`--interval-ms must be an integer from 10 to 60000\n${USAGE}`);

  const call = async <T>(method: 'GET' | 'POST', path: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${apiKey}`, 'x-baton-client': 'cli' } });
    } catch (err) {
      throw new Error(`cannot reach the service at ${base} (${err instanceof Error ? err.message : String(err)}); is it running? (--url)`, {
        cause: err,
      });
    }
    const body = (await res.json().catch(() => ({}))) as T & { error?: { message?: string } };
    if (!res.ok) throw new Error(`the service answered ${res.status}: ${body.error?.message ?? res.statusText}`);
    return body;
  };

  const started = await call<{ syncId: string; alreadyRunning: boolean }>('POST', `/connections/${connectionId}/sync`);
  if (started.alreadyRunning) io.stderr.write(`a sync of this connection is already running (${started.syncId}); following it\n`);
  const progress = progressOf(io);
  let sync: SyncJson;
  try {
    for (;;) {
      sync = await call<SyncJson>('GET', `/connections/${connectionId}/syncs/${started.syncId}`);
      progress.update(sync);
      if (sync.status === 'succeeded' || sync.status === 'failed') break;
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    progress.stop();
  }
  io.stdout.write(`${JSON.stringify(sync)}\n`);
  if (sync.status === 'failed') {
    io.stderr.write(`baton: the sync failed: ${sync.error ?? 'no reason given'}\n`);
    return 1;
  }
  return 0;
};
