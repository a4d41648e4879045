/**
 * identity_generic_plans() (030, 033) remembers a `true` answer for the rest of the session (issue #16).
 *
 * identity_read and identity_apply each ask it once a call, and each time it read pg_class and the
 * statistics of three tables, planned per call: 0.18 ms a call, two calls per identity batch (the
 * identity bench: 8,822 calls, 1.6 s of execution and planning, ~5% of the database's time for
 * identity). Its answer only turns from false to true as the tables grow and are analyzed; it never
 * turns back while they exist (they only grow between analyses, and an ANALYZE keeps statistics). So
 * once true it is kept in a session setting named after the schema (a session reaching two schemas
 * keeps one answer per schema), and later calls read only that setting. A `false` is not kept: it is
 * computed again at the next call, as before. The setting follows the transaction that set it (a
 * rollback undoes it; it is computed again). Same answers as 033 otherwise.
 */
const GENERIC_FROM_BYTES = 1024 * 1024;
const STATISTICS_FROM_PAGES = 16;

export const sql = `
CREATE OR REPLACE FUNCTION identity_generic_plans() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  -- A custom setting's name: letters, digits and underscores (the schema as an md5).
  remembered constant text := 'baton.identity_generic_plans_' || md5(current_schema());
  answer boolean;
BEGIN
  IF current_setting(remembered, true) = 'on' THEN
    RETURN true;
  END IF;
  SELECT bool_and(
           pg_relation_size(c.oid) >= ${GENERIC_FROM_BYTES}
           OR ((pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL)
               AND c.relpages >= ${STATISTICS_FROM_PAGES}))
    INTO answer
    FROM pg_class c
   WHERE c.oid IN ('identity_nodes'::regclass, 'identity_edges'::regclass, 'identity_blocking_keys'::regclass);
  IF answer THEN
    PERFORM set_config(remembered, 'on', false);
  END IF;
  RETURN coalesce(answer, false);
END
$fn$;
`;
