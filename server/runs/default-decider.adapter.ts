import type { DecideMeta, Decider, DecideResult, JsonObject } from '../../app/orchestration';

/**
 * Placeholder until the decisioning module provides the real Decider (it will be passed to
 * `runsModule({ decider })`). It never invents an action: it answers "no action", and the run
 * records that on the decide step (output `{ decisionId: "none:decisioning-not-installed", action: null,
 * executed: false }`) and continues at the step's `onNoAction` branch. The decision id carries the
 * reason because DecideResult has no separate reason field.
 */
export class NoDecisioningDecider implements Decider {
  async decide(_profileId: string, _context: JsonObject, _meta: DecideMeta): Promise<DecideResult> {
    return { decisionId: 'none:decisioning-not-installed', action: null };
  }
}
