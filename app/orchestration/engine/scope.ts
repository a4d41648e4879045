import { toJson, type JsonObject } from '../json';
import type { RunSnapshot } from '../runs/run.types';

/** An incoming event, as delivered to runs (canonical event, reduced to what matching needs). */
export interface RunEvent {
  readonly id: string;
  readonly type: string;
  /** Epoch ms. */
  readonly occurredAt: number;
  readonly profileId: string;
  readonly properties?: JsonObject;
}

/** The data expressions read (see playbook/scope.ts for the contract). */
export function buildScope(snapshot: RunSnapshot, event?: RunEvent): JsonObject {
  const { run } = snapshot;
  const steps: JsonObject = {};
  for (const exec of snapshot.steps) steps[exec.stepId] = { status: exec.status, output: exec.output };
  const scope: JsonObject = {
    context: run.context,
    steps,
    run: {
      id: run.id,
      profileId: run.profileId,
      playbookId: run.playbookId,
      playbookVersion: run.playbookVersion,
      startedAt: run.startedAt,
    },
  };
  if (event !== undefined) scope['event'] = toJson(event);
  return scope;
}
