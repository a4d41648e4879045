import type { Logger } from 'pino';
import { startPeriodic, type Periodic } from '../dispatch/periodic';
import type { Database } from './database';

/**
 * Planner statistics for young tables (issue #16), on PostgreSQL.
 *
 * A table PostgreSQL has never analyzed has no column statistics, so the planner cannot tell its
 * indexes on `tenant_id` apart: a lookup by `(tenant_id, id)` costs the same through the primary key
 * as through `(tenant_id, seq)` with `id` as a filter, and the tie can go to the wrong one (it does for
 * `events`: four of its indexes lead with `tenant_id`). A plan made then is kept: foreign-key checks
 * and prepared statements are planned once per connection and keep that plan until the table's
 * statistics change. Measured on a fresh schema: every foreign-key check of `event_signals` and
 * `conversation_messages` walked the tenant's events through `events_seq_idx` (1,100 index entries and
 * 1–4 ms a check after 1,100 events, more with every event) until the table was analyzed, which
 * autovacuum does at its next visit (autovacuum_naptime: a minute by default) — a new installation's
 * first import pays it for every event of that minute.
 *
 * So the service analyzes a table itself once it holds `ANALYZE_FROM_PAGES` pages and has never been
 * analyzed, and again each time it has doubled since, until its statistics were taken at
 * `ANALYZE_UNTIL_PAGES` or more; from there autovacuum's rule (a tenth of the rows changed) keeps them
 * current. Why again: statistics of a small table make a sequential scan the cheapest way to find a
 * handful of ids (`id = ANY($2)` of ten ids: below about 30 pages of `events`, checked with EXPLAIN),
 * and a plan kept from then would scan the table while it grows; analyzed again at twice the size, the
 * kept plans are made anew, so no scan outgrows twice the size it was planned at. One catalog read a
 * pass; a handful of ANALYZEs a table in its life. Processes sharing a database take turns (an advisory
 * lock per schema).
 *
 * Not in embedded mode: PGlite has no autovacuum, but measured on the sustained bench, analyzing its
 * tables (also as they doubled, without a cap) made nothing faster, and each pass's catalog read costs
 * 4–50 ms of its one connection.
 */

/** A table is first analyzed once it holds this many pages (8 kB each; a few hundred rows). */
export const ANALYZE_FROM_PAGES = 16;
/** ... and again at every doubling until its statistics were taken at this many pages (2 MB). */
export const ANALYZE_UNTIL_PAGES = 256;

export interface TableStatistics {
  readonly name: string;
  /** Whether PostgreSQL holds statistics from an ANALYZE (manual or autovacuum's). */
  readonly analyzed: boolean;
  /** Pages at the last ANALYZE or VACUUM (pg_class.relpages). */
  readonly relpages: number;
  /** Pages now. */
  readonly pages: number;
}

/** The tables of the current schema with what their statistics know. */
export async function tableStatistics(db: Database): Promise<TableStatistics[]> {
  const r = await db.query<TableStatistics>(
    `SELECT c.relname AS name,
            (pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL) AS analyzed,
            c.relpages::int AS relpages,
            (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages
       FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
      ORDER BY c.relname`,
  );
  return r.rows;
}

/**
 * Which tables to analyze now: never analyzed and at least `ANALYZE_FROM_PAGES` pages; or analyzed at
 * fewer than `ANALYZE_UNTIL_PAGES` pages and at least twice that size now.
 */
export function dueForAnalyze(tables: readonly TableStatistics[]): string[] {
  return tables
    .filter((t) =>
      t.analyzed
        ? t.relpages < ANALYZE_UNTIL_PAGES && t.pages >= 2 * Math.max(t.relpages, ANALYZE_FROM_PAGES)
        : t.pages >= ANALYZE_FROM_PAGES,
    )
    .map((t) => t.name);
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** The advisory lock of a schema's analyze turn: this and the schema's name, hashed. */
const ANALYZE_TURN = 'baton:planner-statistics:';

/**
 * One pass: analyzes the tables due (dueForAnalyze) and returns their names; none while another
 * process of the same schema holds the turn, and none in embedded mode. `tried`: tables this process
 * analyzed before, with their size then (the pass adds the ones it analyzes); one is left alone until
 * it has doubled again (an ANALYZE the role may not run only warns and leaves relpages as it was).
 */
export async function analyzeDueTables(db: Database, tried: Map<string, number> = new Map()): Promise<string[]> {
  if (db.kind !== 'postgres') return [];
  const tables = await tableStatistics(db);
  const size = new Map(tables.map((t) => [t.name, t.pages]));
  const due = dueForAnalyze(tables).filter((name) => IDENTIFIER.test(name) && (size.get(name) ?? 0) >= 2 * (tried.get(name) ?? 0));
  if (due.length === 0) return [];
  return db.transaction(async (tx) => {
    const turn = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext($1 || current_schema())) AS ok`, [
      ANALYZE_TURN,
    ]);
    if (turn.rows[0]?.ok !== true) return [];
    await tx.query(`ANALYZE ${due.join(', ')}`);
    for (const name of due) tried.set(name, size.get(name) ?? 0);
    return due;
  });
}

/** Runs `analyzeDueTables` every `intervalMs` (its first pass after one interval) until stopped. */
export function startPlannerStatistics(db: Database, logger: Logger, intervalMs: number): Periodic {
  const tried = new Map<string, number>();
  return startPeriodic(
    async () => {
      const analyzed = await analyzeDueTables(db, tried);
      if (analyzed.length > 0) logger.debug({ tables: analyzed }, 'analyzed tables for the planner');
    },
    intervalMs,
    (err: unknown) => logger.warn({ err }, 'analyzing tables for the planner failed; will try again'),
  );
}
