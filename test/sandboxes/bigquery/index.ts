/**
 * A local BigQuery for the warehouse connector, answering what `@google-cloud/bigquery` sends to its
 * REST API (BigQuery v2, as documented for jobs.query / jobs.getQueryResults / jobs.insert / jobs.get):
 * `POST /bigquery/v2/projects/{p}/queries` with `{ query, useLegacySql: false, parameterMode: "NAMED",
 * queryParameters: [{ name, parameterType: { type }, parameterValue: { value } }], formatOptions }` →
 * `{ kind: "bigquery#queryResponse", schema: { fields: [{ name, type, mode }] }, jobReference,
 * totalRows, rows: [{ f: [{ v }] }], jobComplete: true }`; `GET …/queries/{jobId}` pages the stored
 * result (`maxResults`, `pageToken`/`startIndex`); jobs.insert/get for clients that take that path.
 * Values are strings (TIMESTAMP as int64 microseconds when formatOptions.useInt64Timestamp, else
 * float seconds). `Authorization: Bearer <token>` must be the sandbox's token (401 otherwise); SQL
 * errors answer 400 `invalidQuery`. The SQL runs on an in-memory DuckDB the test fills (`@name`
 * parameters become DuckDB `$name`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';

export interface BigQuerySandbox {
  readonly url: string;
  readonly projectId: string;
  readonly token: string;
  sql(sql: string): Promise<void>;
  readonly queries: { query: string; params: Record<string, unknown>; types: Record<string, string> }[];
  close(): Promise<void>;
}

interface Field {
  name: string;
  type: string;
  mode: 'NULLABLE';
}
interface Stored {
  fields: Field[];
  rows: unknown[][];
  useInt64Timestamp: boolean;
}

function bqType(duckType: string): string {
  const t = duckType.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER)/.test(t)) return 'INTEGER';
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL)/.test(t)) return 'FLOAT';
  if (t === 'BOOLEAN') return 'BOOLEAN';
  if (t.startsWith('TIMESTAMP')) return 'TIMESTAMP';
  if (t === 'DATE') return 'DATE';
  return 'STRING';
}

function cell(v: unknown, type: string, int64Ts: boolean): { v: string | null } {
  if (v === null || v === undefined) return { v: null };
  if (type === 'TIMESTAMP') {
    const ms = v instanceof Date ? v.getTime() : Date.parse(String(v));
    return { v: int64Ts ? String(BigInt(ms) * 1000n) : String(ms / 1000) };
  }
  if (type === 'DATE') return { v: (v instanceof Date ? v : new Date(String(v))).toISOString().slice(0, 10) };
  return { v: typeof v === 'bigint' ? v.toString() : String(v) };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let raw = Buffer.concat(chunks);
  if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
  return raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
}

export async function startBigQuerySandbox(options: { projectId?: string; token?: string } = {}): Promise<BigQuerySandbox> {
  const projectId = options.projectId ?? 'baton-test-project';
  const token = options.token ?? `ya29.${randomUUID()}`;
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const jobs = new Map<string, Stored>();
  const queries: { query: string; params: Record<string, unknown>; types: Record<string, string> }[] = [];

  const send = (res: ServerResponse, status: number, payload: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(payload));
  };
  const error = (res: ServerResponse, status: number, reason: string, message: string, statusText: string): void =>
    send(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: statusText } });

  const run = async (body: Record<string, unknown>): Promise<{ jobId: string; stored: Stored }> => {
    const query = String(body['query'] ?? '');
    const params: Record<string, unknown> = {};
    const types: Record<string, string> = {};
    for (const p of (body['queryParameters'] ?? []) as {
      name: string;
      parameterType: { type: string };
      parameterValue: { value: unknown };
    }[]) {
      const raw = p.parameterValue.value;
      types[p.name] = p.parameterType.type;
      params[p.name] =
        raw === null || raw === undefined
          ? null
          : ['INT64', 'FLOAT64', 'NUMERIC'].includes(p.parameterType.type)
            ? Number(raw)
            : p.parameterType.type === 'BOOL'
              ? raw === 'true' || raw === true
              : String(raw);
    }
    queries.push({ query, params, types });
    const sql = query.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => `$${name}`).replace(/`/g, '"');
    const reader = await db.runAndReadAll(
      sql,
      Object.keys(params).length === 0 ? undefined : (params as Record<string, string | number | boolean | null>),
    );
    const fields = reader
      .columnNames()
      .map((name, i) => ({ name, type: bqType(reader.columnTypes()[i]?.toString() ?? 'VARCHAR'), mode: 'NULLABLE' as const }));
    const formatOptions = (body['formatOptions'] ?? {}) as { useInt64Timestamp?: boolean };
    const stored = { fields, rows: reader.getRowsJS() as unknown[][], useInt64Timestamp: formatOptions.useInt64Timestamp === true };
    const jobId = `job_${randomUUID().replace(/-/g, '')}`;
    jobs.set(jobId, stored);
    return { jobId, stored };
  };
  const page = (jobId: string, stored: Stored, start: number, max: number): Record<string, unknown> => {
    const slice = stored.rows.slice(start, start + max);
    const next = start + slice.length;
    return {
      kind: 'bigquery#getQueryResultsResponse',
      schema: { fields: stored.fields },
      jobReference: { projectId, jobId, location: 'US' },
      totalRows: String(stored.rows.length),
      rows: slice.map((r) => ({ f: r.map((v, i) => cell(v, stored.fields[i]?.type ?? 'STRING', stored.useInt64Timestamp)) })),
      totalBytesProcessed: '0',
      jobComplete: true,
      cacheHit: false,
      ...(next < stored.rows.length ? { pageToken: String(next) } : {}),
    };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.headers['authorization'] !== `Bearer ${token}`) {
        return error(
          res,
          401,
          'required',
          'Request is missing required authentication credential. Expected OAuth 2 access token.',
          'UNAUTHENTICATED',
        );
      }
      const m = /^\/bigquery\/v2\/projects\/([^/]+)\/(queries|jobs)(?:\/([^/]+))?$/.exec(url.pathname);
      if (m === null) return error(res, 404, 'notFound', `Not found: ${url.pathname}`, 'NOT_FOUND');
      if (m[1] !== projectId) return error(res, 404, 'notFound', `Not found: Project ${m[1] ?? ''}`, 'NOT_FOUND');
      const [, , kind, jobId] = m;
      const body = req.method === 'POST' ? await readBody(req) : {};
      try {
        if (req.method === 'POST' && kind === 'queries' && jobId === undefined) {
          const { jobId: id, stored } = await run(body);
          const max = typeof body['maxResults'] === 'number' ? body['maxResults'] : 10_000;
          return send(res, 200, { ...page(id, stored, 0, max), kind: 'bigquery#queryResponse', queryId: id });
        }
        if (req.method === 'POST' && kind === 'jobs' && jobId === undefined) {
          const config = ((body['configuration'] ?? {}) as { query?: Record<string, unknown> }).query ?? {};
          const { jobId: id } = await run(config);
          return send(res, 200, {
            kind: 'bigquery#job',
            id: `${projectId}:US.${id}`,
            jobReference: { projectId, jobId: id, location: 'US' },
            configuration: body['configuration'],
            status: { state: 'DONE' },
            statistics: { creationTime: String(Date.now()) },
          });
        }
        if (req.method === 'GET' && jobId !== undefined) {
          const stored = jobs.get(jobId);
          if (stored === undefined) return error(res, 404, 'notFound', `Not found: Job ${projectId}:US.${jobId}`, 'NOT_FOUND');
          if (kind === 'jobs')
            return send(res, 200, { kind: 'bigquery#job', jobReference: { projectId, jobId, location: 'US' }, status: { state: 'DONE' } });
          const start = Number(url.searchParams.get('pageToken') ?? url.searchParams.get('startIndex') ?? '0');
          const max = Number(url.searchParams.get('maxResults') ?? '10000');
          return send(res, 200, page(jobId, stored, start, max));
        }
        return error(res, 404, 'notFound', `Not found: ${req.method ?? ''} ${url.pathname}`, 'NOT_FOUND');
      } catch (err) {
        return error(res, 400, 'invalidQuery', `Syntax error: ${err instanceof Error ? err.message : String(err)}`, 'INVALID_ARGUMENT');
      }
    })().catch((err: unknown) => error(res, 500, 'backendError', String(err), 'INTERNAL'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    projectId,
    token,
    queries,
    async sql(sql) {
      await db.run(sql);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.closeSync();
      instance.closeSync();
    },
  };
}
