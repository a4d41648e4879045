/**
 * BigQuery as a warehouse, through `@google-cloud/bigquery` (jobs.query with named `@pN` parameters).
 * Credentials: a service-account key (JSON) or an OAuth access token; `apiEndpoint` points the SDK at
 * a regional endpoint or a local stand-in. ISO date-time cursor values are bound as TIMESTAMP
 * parameters (BigQuery does not compare a TIMESTAMP column with a STRING). No export: Baton writes back
 * to PostgreSQL or DuckDB.
 */
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { at, maxSql, pageSql, toWarehouseValue } from './sql';
import { WarehouseError, type ExportRow, type PageRequest, type WarehouseClient, type WarehouseRow, type WarehouseValue } from './types';

export interface BigQueryWarehouseOptions {
  readonly projectId: string;
  /** Service-account key file contents (JSON with client_email and private_key). */
  readonly serviceAccountKey?: string | undefined;
  /** An OAuth 2 access token instead (short-lived; for tokens minted elsewhere). */
  readonly accessToken?: string | undefined;
  readonly location?: string | undefined;
  readonly apiEndpoint?: string | undefined;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function classifyBigQueryError(err: unknown): WarehouseError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'number' ? e.code : Number(e.code);
  const message = `bigquery: ${typeof e.message === 'string' ? e.message : String(err)}`;
  if (code === 401 || code === 403) return new WarehouseError('auth', message);
  if (code === 400 || code === 404) return new WarehouseError('query', message);
  return new WarehouseError('transient', message);
}

/** A BigQuery cell (BigQueryTimestamp/Date/Datetime carry `.value`; NUMERIC is a Big) as a JSON scalar. */
function cellOf(v: unknown): WarehouseValue {
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
    const value = (v as { value?: unknown }).value;
    if (typeof value === 'string') return value;
    const n = Number(String(v));
    return Number.isFinite(n) ? n : String(v);
  }
  return toWarehouseValue(v);
}

export class BigQueryWarehouse implements WarehouseClient {
  readonly engine = 'bigquery' as const;
  private readonly client: BigQuery;

  constructor(private readonly options: BigQueryWarehouseOptions) {
    const config: BigQueryOptions = {
      projectId: options.projectId,
      autoRetry: false,
      maxRetries: 0,
      ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
      ...(options.location === undefined ? {} : { location: options.location }),
    };
    if (options.serviceAccountKey !== undefined) {
      config.credentials = JSON.parse(options.serviceAccountKey) as NonNullable<BigQueryOptions['credentials']>;
    } else if (options.accessToken !== undefined) {
      const token = options.accessToken;
      // A fixed bearer token: the SDK asks its auth client for request headers and nothing else.
      config.authClient = { getRequestHeaders: async () => new Headers({ authorization: `Bearer ${token}` }) } as unknown as NonNullable<
        BigQueryOptions['authClient']
      >;
    }
    this.client = new BigQuery(config);
  }

  private async rows(query: string, params: readonly WarehouseValue[]): Promise<Record<string, unknown>[]> {
    const named: Record<string, unknown> = {};
    params.forEach((p, i) => {
      named[`p${i + 1}`] = typeof p === 'string' && ISO_DATETIME.test(p) ? BigQuery.timestamp(p) : p;
    });
    try {
      const [rows] = await this.client.query({
        query,
        useLegacySql: false,
        ...(params.length === 0 ? {} : { params: named }),
        ...(this.options.location === undefined ? {} : { location: this.options.location }),
      });
      return rows as Record<string, unknown>[];
    } catch (err) {
      throw classifyBigQueryError(err);
    }
  }

  async readPage(request: PageRequest): Promise<WarehouseRow[]> {
    const { sql, params } = pageSql(request, at, '`');
    const rows = await this.rows(sql, params);
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cellOf(v)])));
  }

  async maxOf(query: string, column: string): Promise<WarehouseValue> {
    const rows = await this.rows(maxSql(query, column, '`'), []);
    return cellOf(rows[0]?.['baton_max'] ?? null);
  }

  writeExport(_table: string, _rows: readonly ExportRow[]): Promise<void> {
    return Promise.reject(new WarehouseError('query', 'export writes to a PostgreSQL or DuckDB warehouse; this connection is BigQuery'));
  }

  async close(): Promise<void> {
    // Stateless HTTP client: nothing held open.
  }
}
