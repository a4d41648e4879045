import type { Signals } from '../../app/signals';
import { withRelaxedDurability, type Database } from '../db/database';
import type { BatchJobHandler, JobContext, JobHandler } from '../dispatch/work-runner';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import {
  getEvent,
  getEvents,
  IDENTIFY_IN_WORKER,
  markEventProcessed,
  setEventProfiles,
  type IdentifyMany,
  type StoredEvent,
} from './events.repository';

export interface StageInput {
  tenantId: string;
  event: StoredEvent;
  profileId: string | null;
  /**
   * True on the event's first processing ever (its job's first claim): nothing of it was stored by an
   * earlier try, so a stage may skip its "already done?" reads. Absent (a direct call) means "maybe".
   */
  firstClaim?: boolean;
  /**
   * What one stage learned about this event for the later ones, so they need not read it back: the
   * event's stored signals (null: none) and the person's profile ids (live first, then merged ones).
   * Absent or unset: read it.
   */
  shared?: StageShared;
}

export interface StageShared {
  signals?: Signals | null;
  aliases?: readonly string[];
}

export interface StageOutput {
  profileId?: string | null;
}

/**
 * One stage of the pipeline run for every stored event (identity → signals → journey → decide → runs,
 * as those capabilities land). A stage must be idempotent: the job runs at least once.
 */
export interface EventStage {
  readonly name: string;
  run(input: StageInput): Promise<StageOutput>;
}

/** The single-event handler (one job, one event). */
export function eventProcessor(db: Database, stages: readonly EventStage[]): JobHandler {
  return async (job) => {
    const eventId = job.payload['eventId'];
    if (typeof eventId !== 'string') throw new Error('event.process job without an eventId');
    const event = await getEvent(db, job.tenantId, eventId);
    if (event === undefined) return; // erased by a privacy deletion since it was queued
    if (event.processedAt !== null) return; // a redelivery of finished work
    // Derived work: relaxed commits (server/db/database.ts); the job's completion after it is durable.
    await withRelaxedDurability(async () => {
      let profileId = event.profileId;
      const shared: StageShared = {};
      for (const stage of stages) {
        if (job.signal.aborted) throw new Error(`aborted before stage ${stage.name}`);
        const out = await stage.run({
          tenantId: job.tenantId,
          event,
          profileId,
          shared,
          ...(job.firstClaim === true ? { firstClaim: true } : {}),
        });
        if (out.profileId !== undefined) profileId = out.profileId;
      }
      await markEventProcessed(db, job.tenantId, eventId, profileId);
    });
  };
}

export interface BatchProcessorOptions {
  /**
   * How many people's events run at once within a batch (default 4 on PostgreSQL, 1 embedded, whose one
   * connection serves a statement at a time). Ingest rings one doorbell per group-commit batch, so a
   * delivered event claims many people's events and few batches run side by side: the batch's people
   * go through the stages a few at a time, each person's events in order.
   */
  concurrency?: number;
  /**
   * Identity for events acknowledged before it ran (`Prefer: respond-async`: their jobs carry
   * IDENTIFY_IN_WORKER): the batch's such events are resolved together, in recorded order, in one
   * transaction (one read and one write), before their stages run.
   */
  identifyMany?: IdentifyMany;
}

/** The canonical event a stored one was ingested as (what identity resolves). */
function canonicalOf(e: StoredEvent): CanonicalEvent {
  return {
    source: e.source,
    type: e.type,
    occurredAt: e.occurredAt,
    subject: e.subject,
    ...(e.text === null ? {} : { text: e.text }),
    properties: e.properties,
  };
}

interface Item {
  job: JobContext;
  event: StoredEvent;
}

/**
 * The micro-batch handler of `event.process` (issue #16). One statement loads the batch's events; the
 * events are grouped by person, groups run a few at a time, and within a group each event goes through
 * every stage in the order the events were recorded, then is marked processed at once, as a single job
 * would be (so a crash between an event's stages and its mark re-runs that event only, never a whole
 * batch). An event whose stage fails leaves the batch: its job is retried alone; the others go on.
 */
export function eventBatchProcessor(db: Database, stages: readonly EventStage[], options: BatchProcessorOptions = {}): BatchJobHandler {
  const concurrency = Math.max(1, options.concurrency ?? (db.kind === 'pglite' ? 1 : 4));
  return async (jobs) => {
    const failures = new Map<string, unknown>();
    const tenantId = jobs[0]?.tenantId;
    if (tenantId === undefined) return failures;
    const wanted: { job: JobContext; eventId: string }[] = [];
    for (const job of jobs) {
      const eventId = job.payload['eventId'];
      if (typeof eventId !== 'string' || job.tenantId !== tenantId) failures.set(job.id, new Error('event.process job without an eventId'));
      else wanted.push({ job, eventId });
    }
    const events = await getEvents(
      db,
      tenantId,
      wanted.map((w) => w.eventId),
    );
    // Events acknowledged before identity ran: resolved now, together (durably: not derived work).
    const unresolved = wanted.flatMap(({ job, eventId }) => {
      const event = events.get(eventId);
      return job.payload[IDENTIFY_IN_WORKER] === true && event !== undefined && event.processedAt === null && event.profileId === null
        ? [{ job, event }]
        : [];
    });
    if (unresolved.length > 0 && options.identifyMany !== undefined) {
      const identifyMany = options.identifyMany;
      try {
        const profiles = await db.transaction(async (tx) => {
          const ids = await identifyMany(tx, {
            tenantId,
            events: unresolved.map((u) => ({ eventId: u.event.id, event: canonicalOf(u.event) })),
          });
          await setEventProfiles(
            tx,
            tenantId,
            unresolved.flatMap((u, i) => {
              const profileId = ids[i];
              return profileId === null || profileId === undefined ? [] : [{ id: u.event.id, profileId }];
            }),
          );
          return ids;
        });
        unresolved.forEach((u, i) => {
          const profileId = profiles[i];
          if (profileId !== null && profileId !== undefined) events.set(u.event.id, { ...u.event, profileId });
        });
      } catch (err) {
        // Retried alone (a retried row never joins a batch), as any failed event.
        for (const u of unresolved) {
          failures.set(u.job.id, err);
          events.delete(u.event.id);
        }
      }
    }
    // One lane per person (events without a profile each alone), in the order the jobs were recorded.
    const lanes = new Map<string, Item[]>();
    for (const { job, eventId } of wanted) {
      const event = events.get(eventId);
      // Erased by a privacy deletion since it was queued, or a redelivery of finished work: done.
      if (event === undefined || event.processedAt !== null) continue;
      const key = event.profileId ?? `event:${event.id}`;
      const lane = lanes.get(key);
      if (lane === undefined) lanes.set(key, [{ job, event }]);
      else lane.push({ job, event });
    }
    const queue = [...lanes.values()];
    const worker = async (): Promise<void> => {
      for (let lane = queue.shift(); lane !== undefined; lane = queue.shift()) {
        for (const { job, event } of lane) {
          try {
            let profileId = event.profileId;
            const shared: StageShared = {};
            for (const stage of stages) {
              if (job.signal.aborted) throw new Error(`aborted before stage ${stage.name}`);
              const out = await stage.run({ tenantId, event, profileId, shared, ...(job.firstClaim === true ? { firstClaim: true } : {}) });
              if (out.profileId !== undefined) profileId = out.profileId;
            }
            await markEventProcessed(db, tenantId, event.id, profileId);
          } catch (err) {
            failures.set(job.id, err);
          }
        }
      }
    };
    // Derived work: relaxed commits (server/db/database.ts); the jobs' completion after it is durable.
    await withRelaxedDurability(() => Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker)));
    return failures;
  };
}
