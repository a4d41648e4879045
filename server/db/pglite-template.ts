/**
 * A fresh embedded database starts from a template instead of running initdb. PGlite's initdb (WASM)
 * takes ~10 s; copying an initialised, migrated, cleanly closed cluster (~40 MB) takes a fraction of a
 * second, after which opening it is an ordinary start (~1.5 s). The template is a per-machine cache
 * under node_modules/.cache/baton, keyed by the PGlite version and the checksum of every migration, so
 * a new PGlite or a new migration builds a new one (the first fresh start after that pays initdb
 * once) and stale ones are pruned. Nothing here is needed for correctness: without a usable cache
 * directory a fresh database is initialised in place, as before, and migrations still run at start-up.
 */
import { systemClock } from '../../app/shared/clock';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observability/logger';
import { migrate } from './migrate';
import { migrations as allMigrations, type Migration } from './migrations';
import type { openPglite as OpenPglite } from './pglite';

const MARKER = 'baton-template.json';
/** Bumped whenever how a template is built changes (it is part of the cache key). */
const FORMAT = 'shared_buffers=32MB';
/**
 * PGlite zero-fills PostgreSQL's shared buffers at every start: with initdb's 128MB that alone is
 * ~1 s of each start. 32MB holds the embedded working set (the OS page cache sits behind it).
 */
const CONF = `\n# Baton (server/db/pglite-template.ts): smaller shared buffers, a second less at each start.\nshared_buffers = 32MB\n`;

/** The directory PGlite keeps its cluster in under a data dir (server/db/pglite.ts opens `<dataDir>/pg`). */
export const clusterDir = (dataDir: string): string => path.resolve(dataDir, 'pg');

/** PGlite's installed version and the node_modules folder it lives in. */
function pglitePackage(): { version: string; nodeModules: string } | undefined {
  try {
    let dir = path.dirname(require.resolve('@electric-sql/pglite'));
    for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version !== undefined)
        return { version: pkg.version, nodeModules: path.resolve(dir, '..', '..') };
    }
  } catch {
    // Not resolvable: no template.
  }
  return undefined;
}

/** Where templates are cached by default (undefined when PGlite cannot be located). */
export function defaultTemplateCache(): string | undefined {
  const pkg = pglitePackage();
  return pkg === undefined ? undefined : path.join(pkg.nodeModules, '.cache', 'baton');
}

export function templateKey(migrations: readonly Migration[] = allMigrations): string {
  const hash = createHash('sha256');
  hash.update(`${pglitePackage()?.version ?? 'unknown'}\0${FORMAT}`);
  for (const m of migrations) hash.update(`\0${m.version}\0${m.sql}`);
  return `pglite-template-${hash.digest('hex').slice(0, 16)}`;
}

const isCluster = (dir: string): boolean => existsSync(path.join(dir, 'PG_VERSION'));

/** Builds the template in a staging folder (initdb + migrations, closed cleanly), then renames it into place. */
async function buildTemplate(
  cacheDir: string,
  target: string,
  migrations: readonly Migration[],
  openPglite: typeof OpenPglite,
): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(cacheDir, 'staging-'));
  try {
    const db = await openPglite({ dataDir: staging });
    try {
      await migrate(db, migrations);
    } finally {
      await db.close();
    }
    const built = clusterDir(staging);
    appendFileSync(path.join(built, 'postgresql.conf'), CONF);
    writeFileSync(
      path.join(built, MARKER),
      JSON.stringify({ migrations: migrations.map((m) => m.version), builtAt: new Date(systemClock.now()).toISOString() }),
    );
    try {
      renameSync(built, target);
    } catch (err) {
      // Another process finished the same template first: use theirs.
      if (!isCluster(target)) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // Older templates (another PGlite or migration set) are of no further use.
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith('pglite-template-') && path.join(cacheDir, name) !== target)
      rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

export type SeedOutcome = 'existing' | 'seeded' | 'built-and-seeded' | 'no-cache';

/**
 * Before the embedded database at `dataDir` is opened (the caller holds the data-dir lock): when it
 * has no cluster yet, copy the template into place, building the template first if this machine has
 * none. An existing cluster is never touched.
 */
export async function seedFromTemplate(
  dataDir: string,
  options: { cacheDir: string | undefined; logger: Logger; openPglite: typeof OpenPglite; migrations?: readonly Migration[] },
): Promise<SeedOutcome> {
  const dest = clusterDir(dataDir);
  if (isCluster(dest)) return 'existing';
  if (existsSync(dest) && readdirSync(dest).length > 0) return 'existing'; // not ours to overwrite
  if (options.cacheDir === undefined) return 'no-cache';
  const migrations = options.migrations ?? allMigrations;
  const template = path.join(options.cacheDir, templateKey(migrations));
  let outcome: SeedOutcome = 'seeded';
  try {
    if (!isCluster(template) || !existsSync(path.join(template, MARKER))) {
      options.logger.info({ template }, 'building the embedded database template (once per PGlite version and migration set)');
      await buildTemplate(options.cacheDir, template, migrations, options.openPglite);
      outcome = 'built-and-seeded';
    }
    const partial = `${dest}.seeding`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(template, partial, { recursive: true });
    rmSync(path.join(partial, MARKER), { force: true });
    rmSync(dest, { recursive: true, force: true });
    renameSync(partial, dest);
    return outcome;
  } catch (err) {
    options.logger.warn({ err, template }, 'could not use the embedded database template; initialising the database in place');
    return 'no-cache';
  }
}
