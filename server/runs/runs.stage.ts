import {
  deliverEvent,
  deliverEventToRuns,
  isRunActive,
  toJson,
  isJsonObject,
  type JsonObject,
  type RunEvent,
} from '../../app/orchestration';
import type { Database } from '../db/database';
import type { EventStage } from '../events/event-processor';
import { activeRunsOf } from './run.repository';
import type { RunsService } from './runs.service';

/**
 * Event-pipeline stage: hands every event about a known profile to that profile's active runs —
 * exit criteria end them, a matching wait-for-event resumes them. Idempotent: the engine remembers
 * consumed event ids, so a redelivered event changes nothing. Events without a profile are skipped.
 *
 * In a micro-batch, the active runs of all the batch's people (with their steps) are read once, in
 * one statement, and each event is delivered on them (deliverEventToRuns): a person with none is
 * passed over, and an event the runs ignore costs no statement. Each delivery's snapshots (of the
 * runs still active) replace the person's for their next event in the batch (a person's events go
 * through the stages in order); a run changed elsewhere meanwhile is caught by the commit's version
 * check and read afresh. Every event of the batch was stored before that read, and a wait only sees
 * events that arrive while it is waiting (app/orchestration/engine/signals.ts): a run started, or a
 * wait begun, after the read (by this batch's automation stage or anyone else) has nothing to
 * receive from it.
 */
export function runsStage(service: RunsService, db?: Database): EventStage {
  return {
    name: 'runs',
    async run({ tenantId, event, profileId, batch }) {
      if (profileId === null) return {};
      const properties = toJson(event.properties);
      const runEvent: RunEvent = {
        id: event.id,
        type: event.type,
        occurredAt: Date.parse(event.occurredAt),
        profileId,
        ...(isJsonObject(properties) ? { properties: properties as JsonObject } : {}),
      };
      if (db !== undefined && batch?.profileIds.includes(profileId) === true) {
        const active = await batch.memo('runs.active', () => activeRunsOf(db, tenantId, batch.profileIds));
        const runs = active.get(profileId);
        if (runs === undefined) return {};
        const delivered = await deliverEventToRuns(service.deps, tenantId, runEvent, runs);
        active.set(
          profileId,
          delivered.runs.filter((s) => isRunActive(s.run.status)),
        );
        return {};
      }
      await deliverEvent(service.deps, tenantId, runEvent);
      return {};
    },
  };
}
