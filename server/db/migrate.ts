import { createHash } from 'node:crypto';
import type { Database } from './database';
import { migrations as allMigrations, type Migration } from './migrations';

const MIGRATION_LOCK = 727_001;

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
}

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory lock so that
 * two processes starting at once apply each one exactly once. Safe to run any number of times.
 * A shipped migration whose text changed is refused loudly (its checksum no longer matches).
 */
export async function migrate(db: Database, migrations: readonly Migration[] = allMigrations): Promise<MigrationReport> {
  return db.withAdvisoryLock(MIGRATION_LOCK, async (conn) => {
    await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await conn.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      const sum = checksum(m.sql);
      const existing = done.get(m.version);
      if (existing !== undefined) {
        if (existing !== sum) {
          throw new Error(`migration ${m.version} (${m.name}) changed after it was applied; add a new migration instead of editing it`);
        }
        report.alreadyApplied.push(m.version);
        continue;
      }
      await conn.exec('BEGIN');
      try {
        await conn.exec(m.sql);
        await conn.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, sum]);
        await conn.exec('COMMIT');
      } catch (err) {
        await conn.exec('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      report.applied.push(m.version);
    }
    return report;
  });
}
