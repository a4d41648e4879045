/**
 * The automation stage of the event pipeline, right after the decisioning stage: takes the event's
 * signals and the decision that stage made (shared through StageShared) and starts the runs the
 * automation policy or a playbook trigger asks for (automation.ts). Nothing to do for an event the
 * decisioning stage passed over (no profile, no valid time), as before the stages were split.
 */
import type { EventStage } from '../events/event-processor';
import type { PipelineAutomation } from './automation';

export function automationStage(automation: PipelineAutomation): EventStage {
  return {
    name: 'automation',
    async run({ tenantId, event, profileId, shared }) {
      if (profileId === null || shared?.decision === undefined) return {};
      await automation.run({
        tenantId,
        event,
        profileId,
        signals: shared.signals ?? null,
        decision: shared.decision,
        ...(shared.aliases === undefined ? {} : { aliases: shared.aliases }),
        ...(shared.state === undefined ? {} : { state: shared.state }),
      });
      return {};
    },
  };
}
