import { loadConfig } from '../config';
import { acquireDataDirLock } from '../db/data-dir-lock';
import type { Database } from '../db/database';
import { migrate } from '../db/migrate';
import { openPglite } from '../db/pglite';
import { openPostgres } from '../db/postgres';

/**
 * Runs `fn` against the configured database (migrated first): PostgreSQL when DATABASE_URL is set,
 * else the embedded one, opened under its data-directory lock (so never beside a running service;
 * commands ask that service over loopback instead).
 */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (config.databaseUrl !== undefined) {
    const db = await openPostgres({ connectionString: config.databaseUrl, max: 2, applicationName: 'baton-cli' });
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.close();
    }
  }
  const lock = acquireDataDirLock(config.dataDir);
  try {
    const db = await openPglite({ dataDir: config.dataDir });
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.close();
    }
  } finally {
    lock.release();
  }
}
