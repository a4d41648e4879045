import type { DecideMeta, Decider, DecideResult, JsonObject } from '../../app/orchestration';

/**
 * Placeholder until the decisioning module provides the real Decider (through the DECIDER service
 * key). It never invents an action: it answers "no action" with the reason, and the run records that
 * on the decide step (output `{ decisionId: "none:decisioning-not-installed", action: null,
 * reason: "…", executed: false }`) and continues at the step's `onNoAction` branch.
 */
export class NoDecisioningDecider implements Decider {
  async decide(_profileId: string, _context: JsonObject, _meta: DecideMeta): Promise<DecideResult> {
    return {
      decisionId: 'none:decisioning-not-installed',
      action: null,
      reason: 'decisioning is not installed for this service, so no action was proposed',
    };
  }
}
