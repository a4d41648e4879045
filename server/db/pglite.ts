import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Database, type Queryable, type QueryResult } from './database';

export interface PgliteOptions {
  /** Directory for the database files, or undefined for an in-memory database (tests). */
  dataDir: string | undefined;
}

type PgliteQueryable = Pick<PGlite, 'query' | 'exec'>;

/**
 * PGlite executes each statement synchronously (WASM) and resolves in a microtask, so a chain of
 * statements never lets the event loop reach its I/O phase: while jobs work, HTTP requests (a webhook
 * waiting for its 200) are not even read. Each statement first yields one macrotask turn.
 */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function wrap(q: PgliteQueryable): Queryable & { exec(sql: string): Promise<void> } {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      await yieldToIo();
      const r = await q.query<Row>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL. It is single-process: the caller must hold the data-dir lock
 * (server/db/data-dir-lock.ts) before opening a file-backed database.
 */
export async function openPglite(options: PgliteOptions): Promise<Database> {
  let dir: string | undefined;
  if (options.dataDir !== undefined) {
    dir = path.resolve(options.dataDir, 'pg');
    mkdirSync(dir, { recursive: true });
  }
  const db = await PGlite.create(dir === undefined ? undefined : dir, {
    parsers: { [pgliteTypes.INT8]: (v: string) => Number(v) },
  });
  const wrapped = wrap(db);
  // PGlite has one connection: a statement sent to the database (not to the transaction's queryable)
  // from inside a transaction waits for that transaction, which waits for it: a silent hang. Such a
  // call is refused at once instead, naming the mistake (PostgreSQL would run it on a second
  // connection, outside the transaction, which is just as wrong).
  const inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  const outside = (what: string): void => {
    if (inTransaction.getStore()?.open === true) {
      throw new Error(
        `${what} on the database inside one of its transactions would deadlock on PGlite's single connection: use the transaction's queryable`,
      );
    }
  };
  const base: Queryable & { exec(sql: string): Promise<void> } = {
    query: async (sql, params) => (outside('a query'), wrapped.query(sql, params)),
    exec: async (sql) => (outside('exec'), wrapped.exec(sql)),
  };
  // PGlite runs one statement at a time; session advisory locks would be held by the whole instance,
  // so a JavaScript mutex gives the same guarantee inside this (the only) process.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    kind: 'pglite',
    description: dir === undefined ? 'embedded PostgreSQL (PGlite, in memory)' : `embedded PostgreSQL (PGlite) at ${dir}`,
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      outside('a nested transaction');
      const state = { open: true };
      try {
        return await inTransaction.run(state, () => db.transaction(async (tx) => fn(wrap(tx))));
      } finally {
        // Work the transaction started but did not await (timers, fire-and-forget) may use the database later.
        state.open = false;
      }
    },
    async withAdvisoryLock<T>(_key: number, fn: (conn: Queryable & { exec(sql: string): Promise<void> }) => Promise<T>): Promise<T> {
      const run = chain.then(() => fn(base));
      chain = run.catch(() => undefined);
      return run;
    },
    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
    async close(): Promise<void> {
      if (!db.closed) await db.close();
    },
  };
}
