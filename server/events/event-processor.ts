import type { Signals } from '../../app/signals';
import { withRelaxedDurability, type Database } from '../db/database';
import type { BatchJobHandler, JobContext } from '../dispatch/work-runner';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import {
  getEvents,
  IDENTIFY_IN_WORKER,
  markEventsProcessed,
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
  /**
   * The micro-batch this event is processed in (absent for a direct call): the people it holds, and a
   * memo a stage uses to read something for all of them at once instead of once an event.
   */
  batch?: BatchScope;
}

/**
 * What the events of one micro-batch share. `memo(key, load)` runs `load` once per batch and key and
 * hands every caller the same answer; a stage that reads ahead must only read what its own later
 * writes in the batch cannot change (or account for them).
 */
export interface BatchScope {
  /** Every profile the batch's events resolved to (live ids), each once. */
  readonly profileIds: readonly string[];
  /** The ids of the batch's events that go through the stages. */
  readonly eventIds: readonly string[];
  /** When the batch's earliest event occurred (epoch ms; 0 when none has a valid time). */
  readonly earliestAt: number;
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/** The earliest of these times (epoch ms), 0 when none is valid. */
function earliest(times: readonly number[]): number {
  const valid = times.filter(Number.isFinite);
  return valid.length === 0 ? 0 : Math.min(...valid);
}

function batchScope(profileIds: readonly string[], eventIds: readonly string[], earliestAt: number): BatchScope {
  const memos = new Map<string, Promise<unknown>>();
  return {
    profileIds,
    eventIds,
    earliestAt,
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = memos.get(key) as Promise<T> | undefined;
      if (p === undefined) {
        p = load();
        memos.set(key, p);
        // A failed read is not kept: the next caller tries again.
        p.catch(() => memos.delete(key));
      }
      return p;
    },
  };
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
  /**
   * A stage whose work for many events is one statement: the batch handler calls this instead of
   * `run`, once per micro-batch, after every per-event stage, with the events that went through them
   * (in the order they were recorded, each with what the per-event stages shared), wherever the stage
   * sits in the list — so nothing a per-event stage does may depend on it. Must be idempotent. If it
   * throws, every one of those events' jobs is retried (alone); if it answers failures (event id →
   * error), only those events' jobs are, and the others go on to the next batch stage.
   */
  runBatch?(inputs: readonly StageInput[]): Promise<void | ReadonlyMap<string, unknown>>;
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
 * every stage in the order the events were recorded; the events that went through every stage are
 * marked processed together, in one statement, when the batch is done (a crash before that re-runs
 * them on redelivery: every stage is idempotent). An event whose stage fails leaves the batch unmarked:
 * its job is retried alone; the others go on.
 */
export function eventBatchProcessor(db: Database, allStages: readonly EventStage[], options: BatchProcessorOptions = {}): BatchJobHandler {
  const stages = allStages.filter((s) => s.runBatch === undefined);
  const batchStages = allStages.filter((s) => s.runBatch !== undefined);
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
    const batch = batchScope(
      [...new Set(queue.flatMap((lane) => lane.flatMap((i) => (i.event.profileId === null ? [] : [i.event.profileId]))))],
      queue.flatMap((lane) => lane.map((i) => i.event.id)),
      earliest(queue.flatMap((lane) => lane.map((i) => Date.parse(i.event.occurredAt)))),
    );
    let processed: { job: JobContext; event: StoredEvent; id: string; profileId: string | null; shared: StageShared }[] = [];
    const worker = async (): Promise<void> => {
      for (let lane = queue.shift(); lane !== undefined; lane = queue.shift()) {
        for (const { job, event } of lane) {
          try {
            let profileId = event.profileId;
            const shared: StageShared = {};
            for (const stage of stages) {
              if (job.signal.aborted) throw new Error(`aborted before stage ${stage.name}`);
              const out = await stage.run({
                tenantId,
                event,
                profileId,
                shared,
                batch,
                ...(job.firstClaim === true ? { firstClaim: true } : {}),
              });
              if (out.profileId !== undefined) profileId = out.profileId;
            }
            processed.push({ job, event, id: event.id, profileId, shared });
          } catch (err) {
            failures.set(job.id, err);
          }
        }
      }
    };
    // Derived work: relaxed commits (server/db/database.ts); the jobs' completion after it is durable.
    await withRelaxedDurability(async () => {
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
      // The batch stages, in recorded order (`wanted`'s), for the events every per-event stage finished.
      const order = new Map(wanted.map((w, i) => [w.eventId, i]));
      processed.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      for (const stage of batchStages) {
        // A job whose claim was lost (aborted) goes no further, as between per-event stages.
        for (const p of processed) if (p.job.signal.aborted) failures.set(p.job.id, new Error(`aborted before stage ${stage.name}`));
        processed = processed.filter((p) => !p.job.signal.aborted);
        if (processed.length === 0) break;
        try {
          const failed = await stage.runBatch?.(
            processed.map((p) => ({
              tenantId,
              event: p.event,
              profileId: p.profileId,
              shared: p.shared,
              batch,
              ...(p.job.firstClaim === true ? { firstClaim: true } : {}),
            })),
          );
          if (failed !== undefined && failed.size > 0) {
            for (const p of processed) if (failed.has(p.id)) failures.set(p.job.id, failed.get(p.id));
            processed = processed.filter((p) => !failed.has(p.id));
          }
        } catch (err) {
          for (const p of processed) failures.set(p.job.id, err);
          processed = [];
        }
      }
      // The batch's processed marks in one statement. A crash before it re-runs the batch's events on
      // redelivery (every stage is idempotent), as a crash before the jobs' completion always did.
      try {
        await markEventsProcessed(db, tenantId, processed);
      } catch (err) {
        for (const p of processed) failures.set(p.job.id, err);
      }
    });
    return failures;
  };
}
