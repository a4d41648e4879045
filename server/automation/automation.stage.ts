/**
 * The automation stage of the event pipeline, after the decisioning stage: takes the event's signals
 * and the decision that stage made (shared through StageShared) and starts the runs the automation
 * policy or a playbook trigger asks for (automation.ts). Nothing to do for an event the decisioning
 * stage passed over (no profile, no valid time), as before the stages were split.
 *
 * A batch stage (issue #16): a micro-batch's events go through it together, after the per-event
 * stages. Each person's events are taken in the order they were recorded, and all the batch's people
 * at once, so their run starts reach the run store together and are written as a few grouped
 * statements (the store's group commit) instead of about one an event. Nothing per-event reads what
 * this stage writes: the runs stage delivers events only to runs that were waiting when the events
 * arrived (app/orchestration/engine/signals.ts), and the CRM write-backs build their cards later, in
 * their own jobs. An event whose automation fails fails alone (its job is retried); the batch goes on.
 */
import type { EventStage, StageInput } from '../events/event-processor';
import type { PipelineAutomation } from './automation';

async function automate(automation: PipelineAutomation, { tenantId, event, profileId, shared }: StageInput): Promise<void> {
  if (profileId === null || shared?.decision === undefined) return;
  await automation.run({
    tenantId,
    event,
    profileId,
    signals: shared.signals ?? null,
    decision: shared.decision,
    ...(shared.aliases === undefined ? {} : { aliases: shared.aliases }),
    ...(shared.state === undefined ? {} : { state: shared.state }),
  });
}

export function automationStage(automation: PipelineAutomation): EventStage {
  return {
    name: 'automation',
    async run(input) {
      await automate(automation, input);
      return {};
    },
    async runBatch(inputs) {
      // One lane per person, each in recorded order (a one-per-profile playbook's second trigger joins
      // the run the first one started); the lanes side by side.
      const lanes = new Map<string, StageInput[]>();
      for (const input of inputs) {
        const key = input.profileId ?? `event:${input.event.id}`;
        const lane = lanes.get(key);
        if (lane === undefined) lanes.set(key, [input]);
        else lane.push(input);
      }
      const failed = new Map<string, unknown>();
      await Promise.all(
        [...lanes.values()].map(async (lane) => {
          for (const input of lane) {
            try {
              await automate(automation, input);
            } catch (err) {
              failed.set(input.event.id, err);
            }
          }
        }),
      );
      return failed;
    },
  };
}
