/** Decisioning's parts of GET /api/v1/profiles/:id: journey, hotness, signals, the current decision (and runs). */
import type { Queryable } from '../db/database';
import type { ProfileSection } from '../identity/identity.routes';
import { profileAliases } from '../identity/profiles.repository';
import type { DecisioningFacade } from './decisioning.service';
import { hotnessView, loadSignals, loadState, loadTransitions } from './profile-state.repository';
import { iso } from './sql-stores';
import { decisionResponse } from './views';

export function decisioningSections(facade: DecisioningFacade): ProfileSection[] {
  const aliasesOf = (q: Queryable, tenantId: string, profileId: string) => profileAliases(q, tenantId, profileId);
  return [
    {
      name: 'journey',
      async load(q, tenantId, profileId) {
        const state = await loadState(q, tenantId, await aliasesOf(q, tenantId, profileId));
        if (state === null) return null;
        const history = await loadTransitions(q, tenantId, state.profileId, 50);
        return {
          stage: state.stage,
          enteredAt: iso(state.enteredAt),
          timeInStageMs: Math.max(0, facade.now() - state.enteredAt),
          history: history.map((t) => ({ from: t.from, to: t.to, at: iso(t.at), rule: t.ruleId, reason: t.reason, eventId: t.eventId })),
        };
      },
    },
    {
      name: 'hotness',
      async load(q, tenantId, profileId) {
        const state = await loadState(q, tenantId, await aliasesOf(q, tenantId, profileId));
        return state === null ? null : hotnessView(state, facade.now());
      },
    },
    {
      name: 'signals',
      async load(q, tenantId, profileId) {
        const signals = await loadSignals(q, tenantId, await aliasesOf(q, tenantId, profileId), 20);
        return signals.map((s) => ({ ...s, at: iso(s.at) }));
      },
    },
    {
      name: 'decision',
      async load(q, tenantId, profileId) {
        const current = await facade.current(q, tenantId, await aliasesOf(q, tenantId, profileId));
        return current === undefined ? null : { ...decisionResponse(current), decidedAt: iso(current.record.decidedAt), mode: current.record.mode };
      },
    },
  ];
}

/**
 * The profile's runs (newest first), for when the runs module does not serve its own section. Reads
 * through the section's transaction (`q`): embedded PGlite has one connection, so a query outside
 * the open transaction would wait for it forever.
 */
export const runsSection: ProfileSection = {
  name: 'runs',
  async load(q, tenantId, profileId) {
    const aliases = await profileAliases(q, tenantId, profileId);
    const r = await q.query<{ id: string; playbook_id: string; playbook_version: number; status: string; cursor: string | null; error: unknown; created_at: Date | string; updated_at: Date | string }>(
      `SELECT id, playbook_id, playbook_version, status, cursor, error, created_at, updated_at FROM runs
        WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY created_at DESC LIMIT 20`,
      [tenantId, aliases],
    );
    return r.rows.map((row) => ({
      id: row.id,
      playbookId: row.playbook_id,
      playbookVersion: row.playbook_version,
      status: row.status,
      currentStep: row.cursor,
      error: row.error,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    }));
  },
};
