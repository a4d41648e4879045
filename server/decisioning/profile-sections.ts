/** Decisioning's parts of GET /api/v1/profiles/:id: journey, hotness, signals, the current decision. */
import type { Queryable } from '../db/database';
import type { ProfileSection } from '../identity/identity.routes';
import { profileAliases } from '../identity/profiles.repository';
import type { Decisioning } from './decisioning';
import { hotnessView, loadSignals, loadState, loadTransitions } from './profile-state.repository';
import { iso } from './stores.repository';
import { decisionResponse } from './views';

export function decisioningSections(d: Decisioning): ProfileSection[] {
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
          timeInStageMs: Math.max(0, d.clock.now() - state.enteredAt),
          history: history.map((t) => ({ from: t.from, to: t.to, at: iso(t.at), rule: t.ruleId, reason: t.reason, eventId: t.eventId })),
        };
      },
    },
    {
      name: 'hotness',
      async load(q, tenantId, profileId) {
        const state = await loadState(q, tenantId, await aliasesOf(q, tenantId, profileId));
        return state === null ? null : hotnessView(state, d.clock.now());
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
        const current = await d.decisions.current(q, tenantId, await aliasesOf(q, tenantId, profileId));
        return current === undefined
          ? null
          : { ...decisionResponse(current), decidedAt: iso(current.record.decidedAt), mode: current.record.mode };
      },
    },
  ];
}
