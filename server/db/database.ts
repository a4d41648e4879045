/**
 * One SQL interface over PostgreSQL (`pg`) and embedded PostgreSQL (PGlite), so every repository
 * runs the same SQL in both modes. Parameters use `$1, $2, ...`.
 */
export interface QueryResult<Row> {
  readonly rows: Row[];
  /** Rows inserted, updated or deleted (0 for SELECT on some drivers: use rows.length there). */
  readonly rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Human-readable description for start-up logs (never includes credentials). */
  readonly description: string;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` while holding a session-level advisory lock, on one connection: used by migrations
   * so two processes starting at once apply each migration exactly once.
   */
  withAdvisoryLock<T>(key: number, fn: (conn: Queryable & { exec(sql: string): Promise<void> }) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A stable 31-bit integer from a string, for advisory-lock keys. */
export function lockKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x7fffffff;
}
