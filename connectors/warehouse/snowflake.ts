/**
 * Snowflake as a warehouse, through `snowflake-sdk` (user + password login; `accessUrl` points it at a
 * private link or a local stand-in). Pages use `?` binds; column names come back as the query names
 * them (Snowflake upper-cases unquoted ones: configure columns as they come back). No export: Baton
 * writes back to PostgreSQL or DuckDB.
 */
import type snowflake from 'snowflake-sdk';
import { maxSql, pageSql, question, toWarehouseValue } from './sql';
import { WarehouseError, type ExportRow, type PageRequest, type WarehouseClient, type WarehouseRow, type WarehouseValue } from './types';

export interface SnowflakeWarehouseOptions {
  /** Account identifier, e.g. "myorg-myaccount". */
  readonly account: string;
  readonly username: string;
  readonly password: string;
  readonly warehouse?: string | undefined;
  readonly database?: string | undefined;
  readonly schema?: string | undefined;
  readonly role?: string | undefined;
  /** Base URL instead of https://<account>.snowflakecomputing.com (private link, a stand-in). */
  readonly accessUrl?: string | undefined;
  readonly timeoutMs?: number;
}

type Sdk = typeof snowflake;
let loaded: Promise<Sdk> | undefined;
/**
 * The SDK is loaded on first use: importing it starts a cloud-platform probe (instance metadata
 * endpoints), which a service without Snowflake connections should never make.
 */
function sdk(): Promise<Sdk> {
  loaded ??= import('snowflake-sdk').then((m) => {
    const s = ((m as { default?: Sdk }).default ?? m) as Sdk;
    // The SDK logs to a file and stdout by default; Baton's own logs say what failed.
    s.configure({ logLevel: 'OFF' });
    return s;
  });
  return loaded;
}

/** Snowflake error codes: 390100 (bad credentials), 390144/390104 (token, session) are auth; SQL errors are the query's. */
export function classifySnowflakeError(err: unknown): WarehouseError {
  const e = err as { code?: unknown; message?: unknown; sqlState?: unknown };
  const code = e.code === undefined || e.code === null ? '' : String(e.code);
  const message = `snowflake: ${typeof e.message === 'string' ? e.message : String(err)}`;
  if (/^390\d{3}$/.test(code) || /username or password|authenticat/i.test(message)) return new WarehouseError('auth', message);
  if (e.sqlState !== undefined || /^0\d{5}$/.test(code) || /SQL compilation/i.test(message)) return new WarehouseError('query', message);
  return new WarehouseError('transient', message);
}

export class SnowflakeWarehouse implements WarehouseClient {
  readonly engine = 'snowflake' as const;
  private connection: Promise<snowflake.Connection> | undefined;

  constructor(private readonly options: SnowflakeWarehouseOptions) {}

  private connect(): Promise<snowflake.Connection> {
    this.connection ??= sdk().then((s) => this.open(s));
    return this.connection;
  }

  private open(s: Sdk): Promise<snowflake.Connection> {
    const o = this.options;
    const connection = s.createConnection({
      account: o.account,
      username: o.username,
      password: o.password,
      ...(o.warehouse === undefined ? {} : { warehouse: o.warehouse }),
      ...(o.database === undefined ? {} : { database: o.database }),
      ...(o.schema === undefined ? {} : { schema: o.schema }),
      ...(o.role === undefined ? {} : { role: o.role }),
      ...(o.accessUrl === undefined ? {} : { accessUrl: o.accessUrl }),
      timeout: o.timeoutMs ?? 60_000,
      // Retries belong to Baton's work runner (a failed page is retried from its checkpoint).
      sfRetryMaxLoginRetries: 1,
      retryTimeout: 0,
    });
    // connect(callback): connectAsync() resolves even when the login was refused.
    return new Promise<snowflake.Connection>((resolve, reject) => {
      connection.connect((err, conn) => {
        if (err) {
          this.connection = undefined;
          reject(classifySnowflakeError(err));
        } else resolve(conn);
      });
    });
  }

  private async rows(sqlText: string, binds: readonly WarehouseValue[]): Promise<Record<string, unknown>[]> {
    const connection = await this.connect();
    return new Promise((resolve, reject) => {
      connection.execute({
        sqlText,
        binds: binds.map((b) => (typeof b === 'boolean' ? String(b) : b)) as snowflake.Binds,
        complete: (err, _stmt, rows) => {
          if (err) reject(classifySnowflakeError(err));
          else resolve((rows ?? []) as Record<string, unknown>[]);
        },
      });
    });
  }

  async readPage(request: PageRequest): Promise<WarehouseRow[]> {
    const { sql, params } = pageSql(request, question);
    const rows = await this.rows(sql, params);
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toWarehouseValue(v)])));
  }

  async maxOf(query: string, column: string): Promise<WarehouseValue> {
    const rows = await this.rows(maxSql(query, column), []);
    const first = rows[0];
    return toWarehouseValue(first === undefined ? null : (first['baton_max'] ?? first['BATON_MAX']));
  }

  writeExport(_table: string, _rows: readonly ExportRow[]): Promise<void> {
    return Promise.reject(new WarehouseError('query', 'export writes to a PostgreSQL or DuckDB warehouse; this connection is Snowflake'));
  }

  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    const connection = await pending?.catch(() => undefined);
    if (connection === undefined) return;
    await new Promise<void>((resolve) => {
      connection.destroy(() => resolve());
    });
  }
}
