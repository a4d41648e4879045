/**
 * DuckDB as a warehouse, through `@duckdb/node-api`: a database file whose directory may also hold
 * Parquet/CSV files the query reads (`read_parquet('…')`). File access is locked to that directory
 * (DuckDB's `allowed_directories` + `enable_external_access = false`), so a query cannot read other
 * files of the host. One instance per file per process, closed when its last client closes, so the
 * file is free for analysts between syncs and exports.
 */
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { dollar, EXPORT_COLUMNS, maxSql, pageSql, quoteIdent, toWarehouseValue } from './sql';
import { WarehouseError, type ExportRow, type PageRequest, type WarehouseClient, type WarehouseRow, type WarehouseValue } from './types';

export interface DuckDbWarehouseOptions {
  /** Absolute path of the database file (created when missing). */
  readonly path: string;
}

const instances = new Map<string, { instance: Promise<DuckDBInstance>; users: number }>();

async function openInstance(file: string): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(file);
  const setup = await instance.connect();
  try {
    const dir = path.dirname(file).replace(/'/g, "''");
    await setup.run(`SET allowed_directories = ['${dir}']`);
    await setup.run('SET enable_external_access = false');
  } finally {
    setup.closeSync();
  }
  return instance;
}

export function classifyDuckDbError(err: unknown): WarehouseError {
  const message = `duckdb: ${err instanceof Error ? err.message : String(err)}`;
  if (/Permission Error/i.test(message)) return new WarehouseError('auth', message);
  if (/IO Error|lock/i.test(message)) return new WarehouseError('transient', message);
  return new WarehouseError('query', message);
}

export class DuckDbWarehouse implements WarehouseClient {
  readonly engine = 'duckdb' as const;
  private readonly file: string;
  private connection: Promise<DuckDBConnection> | undefined;

  constructor(options: DuckDbWarehouseOptions) {
    if (!path.isAbsolute(options.path)) throw new WarehouseError('query', 'duckdb: path must be absolute');
    this.file = path.normalize(options.path);
  }

  private connect(): Promise<DuckDBConnection> {
    if (this.connection === undefined) {
      let entry = instances.get(this.file);
      if (entry === undefined) {
        entry = { instance: openInstance(this.file), users: 0 };
        instances.set(this.file, entry);
      }
      entry.users += 1;
      const opened = entry.instance;
      this.connection = opened
        .then((i) => i.connect())
        .catch((err: unknown) => {
          instances.delete(this.file);
          throw classifyDuckDbError(err);
        });
    }
    return this.connection;
  }

  private async rows(sql: string, params: readonly WarehouseValue[] = []): Promise<Record<string, unknown>[]> {
    const c = await this.connect();
    try {
      const reader = await c.runAndReadAll(sql, params.length === 0 ? undefined : [...params]);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } catch (err) {
      throw classifyDuckDbError(err);
    }
  }

  async readPage(request: PageRequest): Promise<WarehouseRow[]> {
    const { sql, params } = pageSql(request, dollar);
    const rows = await this.rows(sql, params);
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toWarehouseValue(v)])));
  }

  async maxOf(query: string, column: string): Promise<WarehouseValue> {
    const rows = await this.rows(maxSql(query, column));
    return toWarehouseValue(rows[0]?.['baton_max']);
  }

  async writeExport(table: string, rows: readonly ExportRow[]): Promise<void> {
    const t = quoteIdent(table);
    const c = await this.connect();
    try {
      await c.run(
        `CREATE TABLE IF NOT EXISTS ${t} (id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, tenant_id VARCHAR NOT NULL, profile_id VARCHAR,
          occurred_at TIMESTAMPTZ NOT NULL, data JSON NOT NULL, exported_at TIMESTAMPTZ NOT NULL)`,
      );
      await c.run('BEGIN TRANSACTION');
      try {
        for (const r of rows) {
          await c.run(
            `INSERT OR REPLACE INTO ${t} (${EXPORT_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMPTZ), $6, current_timestamp)`,
            [r.id, r.kind, r.tenantId, r.profileId, r.occurredAt, JSON.stringify(r.data)],
          );
        }
        await c.run('COMMIT');
      } catch (err) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } catch (err) {
      throw err instanceof WarehouseError ? err : classifyDuckDbError(err);
    }
  }

  async close(): Promise<void> {
    if (this.connection === undefined) return;
    const pending = this.connection;
    this.connection = undefined;
    (await pending.catch(() => undefined))?.closeSync();
    const entry = instances.get(this.file);
    if (entry === undefined) return;
    entry.users -= 1;
    if (entry.users <= 0) {
      instances.delete(this.file);
      (await entry.instance.catch(() => undefined))?.closeSync();
    }
  }
}
