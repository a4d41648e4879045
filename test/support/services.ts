import { randomBytes } from 'node:crypto';
import type { Database } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { openPglite } from '../../server/db/pglite';
import { dropSchema, openPostgres } from '../../server/db/postgres';
import { requireOrSkip } from './require-or-skip';

export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

type Service = 'postgres' | 'redis';

function available(service: Service): boolean {
  return process.env[service === 'postgres' ? 'BATON_TEST_POSTGRES' : 'BATON_TEST_REDIS'] !== 'down';
}

/**
 * `describe` for suites that need real services. Missing service: under CI the suite fails with a
 * message naming the service; otherwise it is skipped and says so (the rule of ./require-or-skip).
 */
export function describeWith(services: readonly Service[], name: string, fn: () => void): void {
  const missing = services.filter((s) => !available(s));
  requireOrSkip(missing.length === 0, `${missing.join(' and ')} (not reachable at TEST_DATABASE_URL / TEST_REDIS_URL)`).describe(name, fn);
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface TestDb {
  db: Database;
  /** PostgreSQL schema in use (undefined for PGlite). */
  schema: string | undefined;
  cleanup(): Promise<void>;
}

/** A migrated PostgreSQL database in a fresh schema of its own. */
export async function openTestPostgres(schema = uniqueName('t')): Promise<TestDb> {
  const db = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 5 });
  await migrate(db);
  return {
    db,
    schema,
    async cleanup() {
      await db.close();
      await dropSchema(TEST_DATABASE_URL, schema);
    },
  };
}

/** A migrated in-memory PGlite database. */
export async function openTestPglite(): Promise<TestDb> {
  const db = await openPglite({ dataDir: undefined });
  await migrate(db);
  return { db, schema: undefined, cleanup: () => db.close() };
}

export const backends: readonly { name: 'pglite' | 'postgres'; open: () => Promise<TestDb>; needs: readonly Service[] }[] = [
  { name: 'pglite', open: openTestPglite, needs: [] },
  { name: 'postgres', open: () => openTestPostgres(), needs: ['postgres'] },
];

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
