import type { Database } from '../db/database';
import type { JobHandler } from '../dispatch/work-runner';
import { getEvent, markEventProcessed, type StoredEvent } from './events.repository';

/**
 * One stage of the pipeline run for every stored event (identity → signals → journey → decide → runs,
 * as those capabilities land). A stage must be idempotent: the job runs at least once.
 */
export interface EventStage {
  readonly name: string;
  run(input: { tenantId: string; event: StoredEvent; profileId: string | null }): Promise<{ profileId?: string | null }>;
}

export function eventProcessor(db: Database, stages: readonly EventStage[]): JobHandler {
  return async (job) => {
    const eventId = job.payload['eventId'];
    if (typeof eventId !== 'string') throw new Error('event.process job without an eventId');
    const event = await getEvent(db, job.tenantId, eventId);
    if (event === undefined) return; // erased by a privacy deletion since it was queued
    if (event.processedAt !== null) return; // a redelivery of finished work
    let profileId = event.profileId;
    for (const stage of stages) {
      if (job.signal.aborted) throw new Error(`aborted before stage ${stage.name}`);
      const out = await stage.run({ tenantId: job.tenantId, event, profileId });
      if (out.profileId !== undefined) profileId = out.profileId;
    }
    await markEventProcessed(db, job.tenantId, eventId, profileId);
  };
}
