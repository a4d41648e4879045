/** PostgreSQL as a warehouse, through `pg`: pages of the customer's query, and the export table. */
import pg from 'pg';
import { dollar, EXPORT_COLUMNS, maxSql, pageSql, quoteIdent, toWarehouseValue } from './sql';
import { WarehouseError, type ExportRow, type PageRequest, type WarehouseClient, type WarehouseRow, type WarehouseValue } from './types';

export interface PostgresWarehouseOptions {
  /** postgres://user:password@host:port/database (with ?sslmode=… when needed). */
  readonly url: string;
  /** Per-statement limit, so a runaway query cannot hold a sync forever. */
  readonly statementTimeoutMs?: number;
}

/** SQLSTATE classes: 28 = authorization, 08 = connection, 57/53/40 = operator intervention, resources, rollback. */
export function classifyPgError(err: unknown): WarehouseError {
  const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
  const message = `postgres: ${err instanceof Error ? err.message : String(err)}`;
  if (code.startsWith('28') || code === '42501') return new WarehouseError('auth', message);
  if (code === '' || code.startsWith('08') || code.startsWith('57') || code.startsWith('53') || code.startsWith('40'))
    return new WarehouseError('transient', message);
  return new WarehouseError('query', message);
}

/** int8 and numeric as numbers when they fit exactly enough (a trait of 500, not "500"); text otherwise. */
const NUMERIC_OIDS = new Set([20, 1700]);
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (!NUMERIC_OIDS.has(oid) || format === 'binary') return pg.types.getTypeParser(oid, format ?? 'text');
    return (v: string) => {
      const n = Number(v);
      return Number.isFinite(n) && (oid !== 20 || Number.isSafeInteger(n)) ? n : v;
    };
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export class PostgresWarehouse implements WarehouseClient {
  readonly engine = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(options: PostgresWarehouseOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: 2,
      connectionTimeoutMillis: 10_000,
      statement_timeout: options.statementTimeoutMs ?? 120_000,
      types,
    });
    this.pool.on('error', () => undefined); // an idle client dropped by the server; the next query reconnects
  }

  private async run(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    try {
      const r = await this.pool.query(sql, [...params]);
      return r.rows as Record<string, unknown>[];
    } catch (err) {
      throw classifyPgError(err);
    }
  }

  async readPage(request: PageRequest): Promise<WarehouseRow[]> {
    const { sql, params } = pageSql(request, dollar);
    const rows = await this.run(sql, params);
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toWarehouseValue(v)])));
  }

  async maxOf(query: string, column: string): Promise<WarehouseValue> {
    const rows = await this.run(maxSql(query, column));
    return toWarehouseValue(rows[0]?.['baton_max']);
  }

  async writeExport(table: string, rows: readonly ExportRow[]): Promise<void> {
    const t = quoteIdent(table);
    await this.run(
      `CREATE TABLE IF NOT EXISTS ${t} (id text PRIMARY KEY, kind text NOT NULL, tenant_id text NOT NULL, profile_id text,
        occurred_at timestamptz NOT NULL, data jsonb NOT NULL, exported_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      const params: unknown[] = [];
      const values = batch.map((r) => {
        params.push(r.id, r.kind, r.tenantId, r.profileId, r.occurredAt, JSON.stringify(r.data));
        const n = params.length;
        return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::timestamptz, $${n}::jsonb, now())`;
      });
      await this.run(
        `INSERT INTO ${t} (${EXPORT_COLUMNS.join(', ')}) VALUES ${values.join(', ')}
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, profile_id = EXCLUDED.profile_id, occurred_at = EXCLUDED.occurred_at, data = EXCLUDED.data, exported_at = now()`,
        params,
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
