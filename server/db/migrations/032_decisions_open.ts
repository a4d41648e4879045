/**
 * Whether a person has a decision an outcome at `at` could settle (issue #16): unsettled, with an action
 * or in the holdout, decided at or before `at`, its attribution window still open at `at` — the same
 * rows as DecisionStore.openFor (server/decisioning/stores.repository.ts, openDecisionsSql), asked only
 * whether there is one. The journey's one-statement apply of an outcome (applyEventOptimistic) writes
 * only while there is none; with the check as a subquery the whole statement had to be planned per
 * call (a generic plan, made on an empty decisions table, walked the tenant's decisions), some 0.3–0.5
 * ms per event. As a function its query is planned per call on its own (plan_cache_mode
 * force_custom_plan: cheap, a few conditions on one table) while the statement that calls it keeps one
 * plan per connection. PL/pgSQL, so it is never inlined into the caller's plan.
 */
export const sql = `
CREATE FUNCTION decisions_open_exists(p_tenant text, p_profiles text[], p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM decisions d
     WHERE d.tenant_id = p_tenant AND d.profile_id = ANY(p_profiles) AND d.decided_at <= p_at AND d.attribution_ends_at >= p_at
       AND (d.action_id IS NOT NULL OR d.holdout)
       AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id));
END
$fn$;
`;
