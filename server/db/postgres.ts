import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type QueryConfig, types } from 'pg';
import { currentDurability, isGeneric, isPrepared, lockKey, type Database, type Queryable, type QueryResult } from './database';

// int8 (COUNT(*), BIGINT) as JavaScript numbers: Baton's counters stay far below 2^53.
types.setTypeParser(20, (v) => Number(v));

export interface PostgresOptions {
  connectionString: string;
  /** Schema to create and use (tests isolate each file in its own schema). Defaults to `public`. */
  schema?: string;
  max?: number;
  applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Tells the database's functions that this session's tables get planner statistics as they grow (the
 * service's statistics pass, server/db/planner-statistics.ts, then autovacuum), so a function may keep
 * one generic plan for a key lookup (migration 035). Not set on PGlite, which has no autovacuum.
 */
const GENERIC_PLANS = '-c baton.generic_plans=on';

/** Names of the statements marked `prepared` (database.ts), by text: a hash, so every connection agrees. */
const statementNames = new Map<string, string>();

/**
 * The driver's query for a statement: a marked one is named, so node-postgres parses it once per
 * connection (the server keeps it prepared) and afterwards only binds and executes it.
 */
function queryOf(sql: string, params: readonly unknown[] | undefined): QueryConfig {
  const values = params as unknown[] | undefined;
  if (!isPrepared(sql)) return values === undefined ? { text: sql } : { text: sql, values };
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `baton_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return values === undefined ? { name, text: sql } : { name, text: sql, values };
}

function clientQueryable(client: PoolClient): Queryable & { exec(sql: string): Promise<void> } {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const r = await client.query(queryOf(sql, params));
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/**
 * A pooled client checked out for a transaction or a lock. pg-pool listens for errors on idle clients
 * only: a connection terminated while checked out between two statements (pg_terminate_backend, a
 * failover, a proxy restart) would emit 'error' with no listener and crash the process. The listener
 * keeps the error; the next statement fails with it, and the client is released as broken so the pool
 * discards it.
 */
async function checkOut(pool: Pool): Promise<{ client: PoolClient; release(failed: unknown): void }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  return {
    client,
    release(failed) {
      client.off('error', onError);
      client.release(broken ?? (failed instanceof Error && isConnectionError(failed) ? failed : undefined));
    },
  };
}

/** Errors after which the connection cannot be trusted (terminated, dropped, not queryable). */
function isConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    (typeof code === 'string' && (code.startsWith('57P') || code.startsWith('08'))) ||
    /Connection terminated|not queryable|ECONNRESET|EPIPE/.test(err.message)
  );
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'baton',
    connectionTimeoutMillis: 5000,
    // search_path is set per connection so the same unqualified SQL works in every schema.
    options: `-c search_path=${schema} ${GENERIC_PLANS}`,
  });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Relaxed durability (database.ts): sessions that commit without waiting for the WAL flush; statements
  // and transactions inside withRelaxedDurability go there. Statements marked preparedGeneric (outside a
  // transaction) go to sessions that force generic plans. Each extra pool opens on first use.
  const extra = new Map<string, Pool>();
  const poolFor = (generic = false): Pool => {
    const relaxed = currentDurability() !== 'strict';
    if (!relaxed && !generic) return pool;
    const key = `${relaxed ? 'relaxed' : 'strict'}${generic ? '-generic' : ''}`;
    let p = extra.get(key);
    if (p === undefined) {
      p = new Pool({
        connectionString: options.connectionString,
        // A generic-plan statement is one kind of statement (a grouped commit): a few connections suffice.
        max: generic ? Math.min(4, options.max ?? 10) : (options.max ?? 10),
        application_name: `${options.applicationName ?? 'baton'}${relaxed ? '-derived' : ''}${generic ? '-generic' : ''}`,
        connectionTimeoutMillis: 5000,
        options: `-c search_path=${schema} ${GENERIC_PLANS}${relaxed ? ' -c synchronous_commit=off' : ''}${generic ? ' -c plan_cache_mode=force_generic_plan' : ''}`,
      });
      p.on('error', () => undefined);
      extra.set(key, p);
    }
    return p;
  };
  if (schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const url = new URL(options.connectionString);
  const description = `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}${schema === 'public' ? '' : ` (schema ${schema})`}`;

  return {
    kind: 'postgres',
    description,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const r = await poolFor(isGeneric(sql)).query(queryOf(sql, params));
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const { client, release } = await checkOut(poolFor());
      let failed: unknown;
      try {
        await client.query('BEGIN');
        const result = await fn(clientQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        failed = err;
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        release(failed);
      }
    },
    async withAdvisoryLock<T>(key: number, fn: (conn: Queryable & { exec(sql: string): Promise<void> }) => Promise<T>): Promise<T> {
      const { client, release } = await checkOut(pool);
      const k = lockKey(`${schema}:${key}`);
      let failed: unknown;
      try {
        await client.query('SELECT pg_advisory_lock($1)', [k]);
        try {
          return await fn(clientQueryable(client));
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [k]);
        }
      } catch (err) {
        failed = err;
        throw err;
      } finally {
        release(failed);
      }
    },
    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },
    async close(): Promise<void> {
      await Promise.all([pool.end(), ...[...extra.values()].map((p) => p.end())]);
    },
  };
}

/** Drops a test schema (used by test teardown). */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema) || schema === 'public') throw new Error(`refusing to drop schema "${schema}"`);
  const pool = new Pool({ connectionString, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pool.end();
  }
}
