import { AsyncLocalStorage } from 'node:async_hooks';

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

const PREPARED = '/* prepared */ ';

/**
 * Marks a statement to keep prepared on each PostgreSQL connection (issue #16): it is parsed and
 * analysed once per connection rather than on every call, and PostgreSQL's plan cache (the default
 * `plan_cache_mode = auto`) plans it per call for its first five executions and then keeps one generic
 * plan if that plan is estimated no dearer. For statements run per event only, and only when both hold:
 * - the text is a constant (or one of a few variants): each distinct text stays prepared on every
 *   connection for the connection's life;
 * - a plan that does not know the parameters' values is as good as one that does: equality on key
 *   columns, multi-row input from `jsonb_to_recordset`. Not for catch-all filters (`$2 IS NULL OR
 *   col = $2`), ranges or `= ANY(array)` reads whose best index depends on the values: a generic plan
 *   of those can read a whole tenant.
 * Embedded mode (PGlite) runs the text as it is; the marker is a comment.
 */
export function prepared(sql: string): string {
  return PREPARED + sql;
}

const GENERIC = '/* prepared, generic plan */ ';

/**
 * `prepared`, and on PostgreSQL always executed with one generic plan per connection (`plan_cache_mode =
 * force_generic_plan`), also where the plan cache would keep planning it per call because its generic
 * plan is costed dearer than the plans made for the values (issue #16: the grouped run start, whose
 * `unnest` and `jsonb_to_recordset` inputs a generic plan guesses at 100 rows, was planned on every call,
 * 3.6 ms of planning a call for about 3 ms of execution). Only for statements whose every read is an
 * equality on a key, so that the best plan does not depend on the values: lookups through the keys'
 * indexes once the tables are large (on small analyzed tables a scan may be cheaper, and is kept only
 * until the table's next analysis). Outside a
 * transaction it runs on connections of their own whose sessions force generic plans (no extra
 * statement); inside one, on the transaction's connection, as `prepared`. A generic plan is made again
 * when a table it reads is analyzed (server/db/planner-statistics.ts, then autovacuum), so it follows
 * the tables' sizes. Embedded mode (PGlite) runs the text as it is.
 */
export function preparedGeneric(sql: string): string {
  return GENERIC + sql;
}

/** Whether a statement was marked by `prepared` or `preparedGeneric`. */
export function isPrepared(sql: string): boolean {
  return sql.startsWith(PREPARED) || sql.startsWith(GENERIC);
}

/** Whether a statement was marked by `preparedGeneric`. */
export function isGeneric(sql: string): boolean {
  return sql.startsWith(GENERIC);
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

/**
 * Durability of commits. Acknowledged input, effects and everything an API answers commit durably: the
 * commit returns once its WAL is flushed. Derived work — what the event pipeline computes from stored
 * events (signals, journey, decisions, conversation, run starts, the processed mark) — can be recomputed
 * from the event log, so it may commit without waiting for the flush (PostgreSQL's `synchronous_commit =
 * off`): a PostgreSQL crash can lose its last commits (≈ 3 × wal_writer_delay), and since the WAL is one
 * ordered log, it then also loses every commit after them, durable or not — never a later durable commit's
 * predecessors, because a durable commit flushes the log up to itself. The event's job is completed by a
 * durable commit after its stages, so a lost pipeline result leaves the job pending and it runs again. A
 * process crash loses nothing (the commit is done in PostgreSQL). Embedded mode ignores the scope.
 */
export type Durability = 'relaxed' | 'strict';
const durability = new AsyncLocalStorage<Durability>();

/** Runs `fn` (and everything it calls) with relaxed commits: for derived, recomputable work only. */
export function withRelaxedDurability<T>(fn: () => Promise<T>): Promise<T> {
  return durability.run('relaxed', fn);
}

/** Runs `fn` with durable commits even inside a relaxed scope (effects recorded in the ledger). */
export function withStrictDurability<T>(fn: () => Promise<T>): Promise<T> {
  return durability.getStore() === 'relaxed' ? durability.run('strict', fn) : fn();
}

/** The durability asked for here (strict unless inside withRelaxedDurability). */
export function currentDurability(): Durability {
  return durability.getStore() ?? 'strict';
}
