/**
 * decisions_open(): a person's open decisions at a time as one jsonb array, newest first (issue #16) —
 * the rows and order of DecisionStore.openFor (server/decisioning/stores.repository.ts,
 * openDecisionsSql: unsettled, with an action or in the holdout, decided at or before `at`, the
 * attribution window still open at `at`, at most 50). The transactional journey apply of an outcome
 * (applyEventToProfile) reads them in its first statement; as a subquery their `= ANY` and time range
 * made the whole statement planned per call (about 0.35 ms of planning an outcome in the sustained
 * bench). As a function its one-table query is planned per call on its own (plan_cache_mode =
 * force_custom_plan, as 032's existence check) and the statement that calls it stays prepared.
 * PL/pgSQL, so it is never inlined into the caller's plan. If openDecisionsSql's rule changes, a new
 * migration must replace this function and 032's.
 */
export const sql = `
CREATE FUNCTION decisions_open(p_tenant text, p_profiles text[], p_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
BEGIN
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
