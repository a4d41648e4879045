/**
 * A fresh embedded database starts from a cached, migrated template instead of PGlite's initdb
 * (server/db/pglite-template.ts): built once per cache, copied for every new data dir, never applied
 * over an existing database.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterDir, seedFromTemplate, templateKey } from '../../server/db/pglite-template';
import { openPglite } from '../../server/db/pglite';
import { migrate } from '../../server/db/migrate';
import type { Migration } from '../../server/db/migrations';
import { createLogger } from '../../server/observability/logger';

const logger = createLogger('silent');
const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'one', sql: 'CREATE TABLE seeded_one (id integer PRIMARY KEY)' },
  { version: 2, name: 'two', sql: "CREATE TABLE seeded_two (name text NOT NULL DEFAULT 'x')" },
];

describe('embedded database template', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-template-test-'));
  const cacheDir = path.join(root, 'cache');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds the template once, seeds fresh data dirs from it, and leaves an existing database alone', async () => {
    // A stale template of another key is pruned when a new one is built.
    mkdirSync(path.join(cacheDir, 'pglite-template-0000000000000000'), { recursive: true });
    const first = path.join(root, 'first');
    expect(await seedFromTemplate(first, { cacheDir, logger, openPglite, migrations: MIGRATIONS })).toBe('built-and-seeded');
    expect(readdirSync(cacheDir)).toEqual([templateKey(MIGRATIONS)]);

    const second = path.join(root, 'second');
    const started = Date.now();
    expect(await seedFromTemplate(second, { cacheDir, logger, openPglite, migrations: MIGRATIONS })).toBe('seeded');
    const seedMs = Date.now() - started;
    expect(seedMs).toBeLessThan(5_000); // a copy, not an initdb

    const db = await openPglite({ dataDir: second });
    try {
      // The schema is already there and the migrations already recorded: start-up's migrate is a no-op.
      const report = await migrate(db, MIGRATIONS);
      expect(report).toEqual({ applied: [], alreadyApplied: [1, 2] });
      await db.query('INSERT INTO seeded_one (id) VALUES (1)');
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM seeded_one')).rows).toEqual([{ n: 1 }]);
      expect((await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers).toBe('32MB');
    } finally {
      await db.close();
    }
    expect(existsSync(path.join(clusterDir(second), 'baton-template.json'))).toBe(false);

    // Seeding again finds the database and does nothing: the row written above is still there.
    expect(await seedFromTemplate(second, { cacheDir, logger, openPglite, migrations: MIGRATIONS })).toBe('existing');
    const again = await openPglite({ dataDir: second });
    try {
      expect((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM seeded_one')).rows).toEqual([{ n: 1 }]);
    } finally {
      await again.close();
    }
  }, 180_000);

  it('never writes into a non-empty folder that is not a database, and does nothing without a cache', async () => {
    const foreign = path.join(root, 'foreign');
    mkdirSync(clusterDir(foreign), { recursive: true });
    writeFileSync(path.join(clusterDir(foreign), 'notes.txt'), 'mine');
    expect(await seedFromTemplate(foreign, { cacheDir, logger, openPglite, migrations: MIGRATIONS })).toBe('existing');
    expect(readdirSync(clusterDir(foreign))).toEqual(['notes.txt']);

    const uncached = path.join(root, 'uncached');
    expect(await seedFromTemplate(uncached, { cacheDir: undefined, logger, openPglite, migrations: MIGRATIONS })).toBe('no-cache');
    expect(existsSync(clusterDir(uncached))).toBe(false);
  });
});
