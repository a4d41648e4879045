/**
 * One small interface over every warehouse engine Baton reads traits and audiences from and writes
 * its decisions back to. Each engine (PostgreSQL, DuckDB, Snowflake, BigQuery) has one adapter; the
 * server only ever talks to `WarehouseClient`.
 */

/** A cell as Baton keeps it: JSON scalars only (dates as ISO strings, big integers as strings). */
export type WarehouseValue = string | number | boolean | null;
export type WarehouseRow = Readonly<Record<string, WarehouseValue>>;

/** A page of the customer's query, in a total order so a resumed sync reads the same rows again. */
export interface PageRequest {
  /** The customer's SELECT; wrapped, never edited. */
  readonly query: string;
  /** Columns giving the total order (the cursor first when there is one). */
  readonly orderBy: readonly string[];
  /** Incremental window on the cursor column: rows with after < cursor <= upTo (either bound optional). */
  readonly cursor?: { readonly column: string; readonly after: WarehouseValue; readonly upTo: WarehouseValue };
  readonly offset: number;
  readonly limit: number;
}

/** A row Baton exports (decision, outcome or run result), keyed by `id`. */
export interface ExportRow {
  readonly id: string;
  readonly kind: string;
  readonly tenantId: string;
  readonly profileId: string | null;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface WarehouseClient {
  readonly engine: WarehouseEngine;
  /** One page of rows of the wrapped query. */
  readPage(request: PageRequest): Promise<WarehouseRow[]>;
  /** The largest value of `column` in the query's result (the upper bound of an incremental window), null when empty. */
  maxOf(query: string, column: string): Promise<WarehouseValue>;
  /** Creates the export table when missing and upserts rows by id (a repeated row replaces itself). */
  writeExport(table: string, rows: readonly ExportRow[]): Promise<void>;
  close(): Promise<void>;
}

export const WAREHOUSE_ENGINES = ['postgres', 'duckdb', 'snowflake', 'bigquery'] as const;
export type WarehouseEngine = (typeof WAREHOUSE_ENGINES)[number];

/** A failure talking to the warehouse, classified: `auth` and `query` need the customer, `transient` is retried. */
export class WarehouseError extends Error {
  constructor(
    readonly category: 'auth' | 'query' | 'transient',
    message: string,
  ) {
    super(message);
    this.name = 'WarehouseError';
  }
}
