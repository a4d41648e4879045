/**
 * A local Snowflake for the warehouse connector, answering what `snowflake-sdk` speaks (its REST
 * protocol, as read from the SDK's source): `POST /session/v1/login-request` with
 * `{ data: { ACCOUNT_NAME, LOGIN_NAME, PASSWORD, … } }` → `{ success, data: { token, masterToken,
 * validityInSeconds, sessionId, parameters }, code, message }` (bad credentials: success false, code
 * 390100); `POST /queries/v1/query-request` with `Authorization: Snowflake Token="…"` and
 * `{ sqlText, bindings: { "1": { type, value } } }` → `{ success, data: { rowtype: [{ name, type,
 * nullable, scale, precision, length }], rowset: [[text…]], total, returned, queryId,
 * queryResultFormat: "json" } }` (SQL errors: success false with code and sqlState); `POST /session`
 * (logout). Request bodies may be gzip-compressed. The SQL runs on an in-memory DuckDB the test fills.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface SnowflakeSandbox {
  readonly url: string;
  readonly port: number;
  readonly account: string;
  readonly username: string;
  readonly password: string;
  /** Runs SQL on the sandbox's database (the test's tables). */
  sql(sql: string): Promise<void>;
  /** Every query the SDK sent: text and bound values. */
  readonly queries: { sqlText: string; binds: unknown[] }[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let raw = Buffer.concat(chunks);
  if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
  return raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as unknown);
}

/** Snowflake's rowtype for a DuckDB column type (the SDK converts rowset text by it). */
function rowtypeOf(name: string, duckType: string): Record<string, unknown> {
  const t = duckType.toUpperCase();
  const base = {
    name,
    database: '',
    schema: '',
    table: '',
    nullable: true,
    byteLength: null,
    length: null,
    scale: null,
    precision: null,
    collation: null,
  };
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER)/.test(t)) return { ...base, type: 'fixed', precision: 38, scale: 0 };
  if (/^DECIMAL\((\d+),(\d+)\)/.test(t)) {
    const m = /^DECIMAL\((\d+),(\d+)\)/.exec(t);
    return { ...base, type: 'fixed', precision: Number(m?.[1]), scale: Number(m?.[2]) };
  }
  if (/^(DOUBLE|FLOAT|REAL)/.test(t)) return { ...base, type: 'real' };
  if (t === 'BOOLEAN') return { ...base, type: 'boolean' };
  if (t.startsWith('TIMESTAMP WITH TIME ZONE')) return { ...base, type: 'timestamp_tz', scale: 9 };
  if (t.startsWith('TIMESTAMP')) return { ...base, type: 'timestamp_ntz', scale: 9 };
  if (t === 'DATE') return { ...base, type: 'date' };
  return { ...base, type: 'text', length: 16_777_216, byteLength: 16_777_216 };
}

/** A cell as Snowflake's JSON result format writes it: text, timestamps as epoch seconds with fraction. */
function cellOf(v: unknown, rowtype: Record<string, unknown>): string | null {
  if (v === null || v === undefined) return null;
  const type = rowtype['type'];
  if (type === 'timestamp_ntz' || type === 'timestamp_tz') {
    const ms = v instanceof Date ? v.getTime() : Date.parse(String(v));
    const secs = (ms / 1000).toFixed(9);
    return type === 'timestamp_tz' ? `${secs} 1440` : secs;
  }
  if (type === 'date') return String(Math.round((v instanceof Date ? v.getTime() : Date.parse(String(v))) / 86_400_000));
  if (type === 'boolean') return v === true ? '1' : '0';
  return typeof v === 'bigint' ? v.toString() : String(v);
}

export async function startSnowflakeSandbox(
  options: { account?: string; username?: string; password?: string } = {},
): Promise<SnowflakeSandbox> {
  const account = options.account ?? 'baton-test';
  const username = options.username ?? 'BATON_SYNC';
  const password = options.password ?? `pw-${randomUUID()}`;
  const instance = await DuckDBInstance.create(':memory:');
  const db: DuckDBConnection = await instance.connect();
  const tokens = new Set<string>();
  const queries: { sqlText: string; binds: unknown[] }[] = [];

  const send = (res: ServerResponse, status: number, payload: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  const failure = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
    success: false,
    code,
    message,
    data: { ...extra },
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const input = (await body(req)) as Record<string, unknown>;
      if (req.method === 'POST' && url.pathname === '/session/v1/login-request') {
        const data = (input['data'] ?? {}) as Record<string, unknown>;
        if (
          String(data['ACCOUNT_NAME'] ?? '').toLowerCase() !== account.toLowerCase() ||
          data['LOGIN_NAME'] !== username ||
          data['PASSWORD'] !== password
        ) {
          return send(
            res,
            200,
            failure('390100', 'Incorrect username or password was specified.', {
              nextAction: 'RETRY_LOGIN',
              authnMethod: 'USERNAME_PASSWORD',
            }),
          );
        }
        const token = `ver:1-hint:1-${randomUUID()}`;
        tokens.add(token);
        return send(res, 200, {
          success: true,
          code: null,
          message: null,
          data: {
            token,
            masterToken: `master-${randomUUID()}`,
            validityInSeconds: 3600,
            masterValidityInSeconds: 14_400,
            displayUserName: username,
            serverVersion: '9.0.0',
            firstLogin: false,
            sessionId: Date.now(),
            parameters: [
              { name: 'TIMEZONE', value: 'UTC' },
              { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
            ],
            sessionInfo: { databaseName: null, schemaName: null, warehouseName: null, roleName: 'PUBLIC' },
          },
        });
      }
      const auth = /^Snowflake Token="(.+)"$/.exec(req.headers['authorization'] ?? '');
      if (url.pathname === '/session' && req.method === 'POST') {
        if (auth?.[1] !== undefined) tokens.delete(auth[1]);
        return send(res, 200, { success: true, code: null, message: null, data: null });
      }
      if (url.pathname === '/telemetry/send') return send(res, 200, { success: true, data: 'Log Received', code: null, message: null });
      if (auth?.[1] === undefined || !tokens.has(auth[1]))
        return send(res, 401, failure('390104', 'Session no longer exists.  New login required to access the service.'));
      if (req.method === 'POST' && url.pathname === '/queries/v1/query-request') {
        const sqlText = String(input['sqlText'] ?? '');
        const bindings = (input['bindings'] ?? {}) as Record<string, { type: string; value: unknown }>;
        const binds = Object.keys(bindings)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => {
            const b = bindings[k];
            if (b === undefined) return null;
            if (b.value === null) return null;
            return b.type === 'FIXED' || b.type === 'REAL'
              ? Number(b.value)
              : b.type === 'BOOLEAN'
                ? b.value === 'true' || b.value === true
                : String(b.value);
          });
        queries.push({ sqlText, binds });
        try {
          const reader = await db.runAndReadAll(sqlText, binds.length === 0 ? undefined : (binds as (string | number | boolean | null)[]));
          const names = reader.columnNames();
          const types = reader.columnTypes().map((t) => t.toString());
          const rowtype = names.map((n, i) => rowtypeOf(n, types[i] ?? 'VARCHAR'));
          const rows = reader.getRowsJS().map((r) => r.map((v, i) => cellOf(v, rowtype[i] ?? {})));
          return send(res, 200, {
            success: true,
            code: null,
            message: null,
            data: {
              parameters: [{ name: 'TIMEZONE', value: 'UTC' }],
              rowtype,
              rowset: rows,
              total: rows.length,
              returned: rows.length,
              queryId: randomUUID(),
              databaseProvider: null,
              finalDatabaseName: 'BATON',
              finalSchemaName: 'PUBLIC',
              finalWarehouseName: 'COMPUTE_WH',
              finalRoleName: 'PUBLIC',
              numberOfBinds: binds.length,
              arrayBindSupported: false,
              statementTypeId: 4096,
              version: 1,
              sendResultTime: Date.now(),
              queryResultFormat: 'json',
            },
          });
        } catch (err) {
          return send(
            res,
            200,
            failure('002003', `SQL compilation error: ${err instanceof Error ? err.message : String(err)}`, {
              sqlState: '42S02',
              queryId: randomUUID(),
              errorCode: '002003',
              internalError: false,
            }),
          );
        }
      }
      send(res, 404, failure('404', `no route ${req.method ?? ''} ${url.pathname}`));
    })().catch((err: unknown) => send(res, 500, failure('500', String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    account,
    username,
    password,
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
