import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config';
import { readLock } from '../db/data-dir-lock';
import { deadLetterPage, redriveDeadLetters, REDRIVE_BATCH_LIMIT, type DeadLetterView } from '../http/dead-letters.routes';
import { withDatabase } from './database';
import { CliUsageError, type CliCommand, type CliIo } from './io';

const USAGE = [
  'usage: baton dead-letters list [--tenant T] [--kind K] [--limit N] [--json]',
  `       baton dead-letters redrive <id...> | --all [--tenant T] [--kind K]   (at most ${REDRIVE_BATCH_LIMIT} per call)`,
].join('\n');

type Page = { deadLetters: DeadLetterView[]; nextCursor: string | null };
type Redriven = { redriven: number; ids: string[]; remaining: number };

/** How the command reaches the dead letters: the running embedded service over loopback, or the database. */
interface Backend {
  list(query: { tenant?: string; kind?: string; limit: number }): Promise<Page>;
  redrive(query: { tenant?: string; kind?: string; ids?: readonly string[] }): Promise<Redriven>;
}

/** The database directly: redriven rows are left for the service's sweeper to dispatch. */
const databaseBackend: Backend = {
  list: (q) =>
    withDatabase((db) =>
      deadLetterPage(db, {
        limit: q.limit,
        ...(q.tenant === undefined ? {} : { tenantId: q.tenant }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
      }),
    ),
  redrive: (q) =>
    withDatabase((db) =>
      redriveDeadLetters(db, undefined, {
        ...(q.tenant === undefined ? {} : { tenantId: q.tenant }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
        ...(q.ids === undefined ? {} : { ids: q.ids }),
      }),
    ),
};

/** The running service that holds the embedded database, through its loopback admin routes. */
function serviceBackend(url: string, adminToken: string): Backend {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/internal/admin${path}`, {
      method,
      headers: { 'x-baton-admin-token': adminToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`the running service refused: ${answer.error?.message ?? res.statusText}`);
    return answer;
  };
  return {
    list: (q) => {
      const params = new URLSearchParams({
        limit: String(q.limit),
        ...(q.tenant === undefined ? {} : { tenant: q.tenant }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
      });
      return call<Page>('GET', `/dead-letters?${params.toString()}`);
    },
    redrive: (q) =>
      call<Redriven>('POST', '/dead-letters/redrive', {
        ...(q.tenant === undefined ? {} : { tenant: q.tenant }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
        ...(q.ids === undefined ? { all: true } : { ids: q.ids }),
      }),
  };
}

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>, positionals: boolean) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: positionals });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n${USAGE}`);
  }
}

const nonEmpty = (flag: string, value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  const v = String(value).trim();
  if (v === '' || v.length > 100) throw new CliUsageError(`${flag} must be 1 to 100 characters\n${USAGE}`);
  return v;
};

const oneLine = (s: string | null, max: number): string => {
  const flat = (s ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function printTable(io: CliIo, page: Page): void {
  if (page.deadLetters.length === 0) {
    io.stdout.write('no dead letters\n');
    return;
  }
  const rows = [
    ['ID', 'TENANT', 'KIND', 'ATTEMPTS', 'DIED AT', 'ERROR'],
    ...page.deadLetters.map((d) => [d.id, d.tenantId, d.kind, `${d.attempts}/${d.maxAttempts}`, d.diedAt, oneLine(d.error, 100)]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) io.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`);
  if (page.nextCursor !== null) io.stdout.write('(more dead letters than --limit; raise it or filter with --tenant / --kind)\n');
}

export const deadLettersCommand: CliCommand = async (args, io) => {
  const [sub, ...rest] = args;
  if (sub !== 'list' && sub !== 'redrive')
    throw new CliUsageError(sub === undefined ? USAGE : `unknown dead-letters command "${sub}"\n${USAGE}`);

  let run: (backend: Backend) => Promise<number>;
  if (sub === 'list') {
    const { values } = parse(
      rest,
      { tenant: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      false,
    );
    const tenant = nonEmpty('--tenant', values['tenant']);
    const kind = nonEmpty('--kind', values['kind']);
    const limitText = values['limit'];
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new CliUsageError(`--limit must be a whole number from 1 to 200\n${USAGE}`);
    run = async (backend) => {
      const page = await backend.list({ limit, ...(tenant === undefined ? {} : { tenant }), ...(kind === undefined ? {} : { kind }) });
      if (values['json'] === true) io.stdout.write(`${JSON.stringify(page)}\n`);
      else printTable(io, page);
      return 0;
    };
  } else {
    const { values, positionals } = parse(rest, { all: { type: 'boolean' }, tenant: { type: 'string' }, kind: { type: 'string' } }, true);
    const tenant = nonEmpty('--tenant', values['tenant']);
    const kind = nonEmpty('--kind', values['kind']);
    const all = values['all'] === true;
    if (all === positionals.length > 0) throw new CliUsageError(`name the dead letters to redrive, or pass --all (not both)\n${USAGE}`);
    if (positionals.length > REDRIVE_BATCH_LIMIT) throw new CliUsageError(`at most ${REDRIVE_BATCH_LIMIT} ids per call\n${USAGE}`);
    const ids = all ? undefined : [...new Set(positionals)];
    run = async (backend) => {
      const result = await backend.redrive({
        ...(tenant === undefined ? {} : { tenant }),
        ...(kind === undefined ? {} : { kind }),
        ...(ids === undefined ? {} : { ids }),
      });
      io.stdout.write(`${JSON.stringify(result)}\n`);
      if (result.remaining > 0)
        io.stderr.write(
          `baton: ${result.remaining} dead letters remain; run the command again to redrive the next ${REDRIVE_BATCH_LIMIT}\n`,
        );
      const missed = ids?.filter((id) => !result.ids.includes(id)) ?? [];
      if (missed.length > 0) {
        io.stderr.write(`baton: not redriven (unknown, or not dead): ${missed.join(' ')}\n`);
        return 1;
      }
      return 0;
    };
  }

  const config = loadConfig();
  const holder = config.databaseUrl === undefined ? readLock(config.dataDir) : undefined;
  if (holder === undefined) return run(databaseBackend);
  if (holder.url === undefined || holder.adminToken === undefined) {
    io.stderr.write(`baton: the service (pid ${holder.pid}) holding ${config.dataDir} is still starting; try again in a few seconds.\n`);
    return 1;
  }
  return run(serviceBackend(holder.url, holder.adminToken));
};
