/**
 * identity_generic_plans() (030) also holds once each identity table has planner statistics gathered
 * at 16 pages or more, not only from 1 MB on (issue #16).
 *
 * 030 kept identity_read and identity_apply's checks planned per call until the tables reached 1 MB,
 * because a generic plan made on tables without statistics cannot tell a key's own index from another
 * index on the tenant, and is kept for the session. With statistics the planner picks the key's index
 * (030's measurement: "with statistics always"); from about 8 pages a key lookup through an index is
 * also costed below a sequential scan. The service now analyzes a table when it first holds 16 pages,
 * and again as it doubles while small (server/db/planner-statistics.ts), so on PostgreSQL the tables
 * have such statistics within seconds of holding a few hundred rows; before that, and in embedded mode
 * until 1 MB, the statements stay planned per call. The sustained bench's identity tables (1,500 people) stay under 1 MB: each read was planned
 * per call, some 5.5 ms a read for a micro-batch of about ten events.
 *
 * relpages is the table's size at its last ANALYZE or VACUUM, so "analyzed and relpages >= 16" means
 * statistics of at least 16 pages (a VACUUM alone leaves no column statistics: the analyze times say
 * whether there are any).
 */
const GENERIC_FROM_BYTES = 1024 * 1024;
const STATISTICS_FROM_PAGES = 16;

export const sql = `
CREATE OR REPLACE FUNCTION identity_generic_plans() RETURNS boolean LANGUAGE sql STABLE AS $fn$
  SELECT bool_and(
           pg_relation_size(c.oid) >= ${GENERIC_FROM_BYTES}
           OR ((pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL)
               AND c.relpages >= ${STATISTICS_FROM_PAGES}))
    FROM pg_class c
   WHERE c.oid IN ('identity_nodes'::regclass, 'identity_edges'::regclass, 'identity_blocking_keys'::regclass)
$fn$;
`;
