/**
 * decisions_open() (034) and decisions_open_exists() (032) read with one generic plan per session on
 * PostgreSQL (issue #16). Planned per call, each cost about 0.3 ms of planning for 0.03 ms of execution
 * (pg_stat_statements over the sustained bench: 920 ms of planning, 110 ms of execution per 3,000
 * events). Their read is a key lookup whatever the values (the person's decisions through
 * decisions_profile_idx, each one's outcome by its key), so a plan made without the values is the same
 * plan — once the planner has statistics of `decisions`: a generic plan made on an unanalyzed table is
 * kept until the table is analyzed. PostgreSQL sessions opened by the service say they have statistics
 * kept (server/db/postgres.ts sets `baton.generic_plans = on`: server/db/planner-statistics.ts analyzes
 * new tables as they grow, then autovacuum; each ANALYZE makes the kept plans again). Embedded (PGlite,
 * no autovacuum, no keeper) and any other session keep planning per call, as before. Same rows and
 * order as 032 and 034 (openDecisionsSql in server/decisioning/stores.repository.ts).
 */
const SWITCH = `IF current_setting('baton.generic_plans', true) = 'on' THEN
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
  END IF;`;

export const sql = `
CREATE OR REPLACE FUNCTION decisions_open_exists(p_tenant text, p_profiles text[], p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
BEGIN
  ${SWITCH}
  RETURN EXISTS (
    SELECT 1 FROM decisions d
     WHERE d.tenant_id = p_tenant AND d.profile_id = ANY(p_profiles) AND d.decided_at <= p_at AND d.attribution_ends_at >= p_at
       AND (d.action_id IS NOT NULL OR d.holdout)
       AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id));
END
$fn$;

CREATE OR REPLACE FUNCTION decisions_open(p_tenant text, p_profiles text[], p_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
BEGIN
  ${SWITCH}
  RETURN (
    SELECT coalesce(jsonb_agg(o.record ORDER BY o.decided_at DESC), '[]'::jsonb) FROM (
      SELECT d.record, d.decided_at FROM decisions d
       WHERE d.tenant_id = p_tenant AND d.profile_id = ANY(p_profiles) AND d.decided_at <= p_at AND d.attribution_ends_at >= p_at
         AND (d.action_id IS NOT NULL OR d.holdout)
         AND NOT EXISTS (SELECT 1 FROM decision_outcomes x WHERE x.tenant_id = d.tenant_id AND x.decision_id = d.id)
       ORDER BY d.decided_at DESC LIMIT 50) o);
END
$fn$;
`;
