import { createHash } from 'node:crypto';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { prepared, type Database, type Queryable } from '../db/database';
import { DEFAULT_MAX_ATTEMPTS, insertJobsSql, toRef, type JobRef, type RefRow } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';
import { newId } from '../security/ids';

export const EVENT_PROCESS_JOB = 'event.process';

export interface IngestResult {
  eventId: string;
  profileId: string | null;
  duplicate: boolean;
}

export interface StoredEvent {
  id: string;
  source: string;
  sourceEventId: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  subject: CanonicalEvent['subject'];
  text: string | null;
  properties: Record<string, unknown>;
  profileId: string | null;
  processedAt: string | null;
}

/** Stable JSON (sorted keys) so the same content always hashes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The sender's event id, or a content hash so an identical resubmission is recognised. */
export function sourceEventIdOf(event: CanonicalEvent, idempotencyKey?: string): string {
  if (event.id !== undefined) return event.id;
  if (idempotencyKey !== undefined && idempotencyKey.trim() !== '') return `idem:${idempotencyKey.trim()}`;
  const { id: _id, ...content } = event;
  return `sha256:${createHash('sha256').update(stableJson(content)).digest('hex')}`;
}

/**
 * Appends an event to the log and records its processing job in the same transaction; rings the
 * dispatcher after commit. A duplicate (same tenant, source and source event id) is stored once.
 */
export type Identify = (tx: Queryable, input: { tenantId: string; eventId: string; event: CanonicalEvent }) => Promise<string | null>;

/**
 * `Identify` for several new events of one tenant at once, in order (each sees the ones before it, as
 * one by one would): a profile id or null per event, in input order.
 */
export type IdentifyMany = (
  tx: Queryable,
  input: { tenantId: string; events: readonly { eventId: string; event: CanonicalEvent }[] },
) => Promise<(string | null)[]>;

export async function ingestEvent(
  db: Database,
  work: WorkQueue,
  tenantId: string,
  event: CanonicalEvent,
  idempotencyKey?: string,
  identify?: Identify,
): Promise<IngestResult> {
  const sourceEventId = sourceEventIdOf(event, idempotencyKey);
  let ref: JobRef | undefined;
  const result = await db.transaction(async (tx) => {
    const id = newId('evt');
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text, properties)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, source, source_event_id) DO NOTHING
       RETURNING id`,
      [
        tenantId,
        id,
        event.source,
        sourceEventId,
        event.type,
        event.occurredAt,
        JSON.stringify(event.subject),
        event.text ?? null,
        JSON.stringify(event.properties ?? {}),
      ],
    );
    if (inserted.rows[0] !== undefined) {
      const profileId = identify === undefined ? null : await identify(tx, { tenantId, eventId: id, event });
      if (profileId !== null)
        await tx.query('UPDATE events SET profile_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, profileId]);
      ref = await work.record(tx, { tenantId, kind: EVENT_PROCESS_JOB, payload: { eventId: id }, dedupeKey: `event:${id}` });
      return { eventId: id, profileId, duplicate: false };
    }
    const existing = await tx.query<{ id: string; profile_id: string | null }>(
      'SELECT id, profile_id FROM events WHERE tenant_id = $1 AND source = $2 AND source_event_id = $3',
      [tenantId, event.source, sourceEventId],
    );
    const row = existing.rows[0];
    if (row === undefined) throw new Error('event conflict without a stored row');
    return { eventId: row.id, profileId: row.profile_id, duplicate: true };
  });
  if (ref !== undefined) await work.notify([ref]);
  return result;
}

export interface IngestItem {
  event: CanonicalEvent;
  idempotencyKey?: string | undefined;
}

/**
 * `ingestEvent` for several events of one tenant in ONE transaction (group commit): one statement
 * appends the events (duplicates stored once, also within the batch), identity resolves each new one
 * in order, one statement stores their profiles and one records their jobs (due in the given order);
 * the dispatcher is rung once after commit. When identity does not run here (deferred to the worker,
 * or no identity at all), the events and their jobs are ONE statement committed on its own (no
 * BEGIN/COMMIT round trips). Answers a result per item, in order. Throws when anything fails (nothing
 * is stored then); the caller retries the items one by one to isolate a bad one. With `ring`, the
 * doorbell is handed to it after commit instead of being awaited here (the batcher answers first).
 */
export async function ingestEvents(
  db: Database,
  work: WorkQueue,
  tenantId: string,
  items: readonly IngestItem[],
  identify?: Identify,
  identifyMany?: IdentifyMany,
  options: { deferIdentity?: boolean; ring?: (refs: readonly JobRef[]) => void } = {},
): Promise<IngestResult[]> {
  if (items.length === 0) return [];
  const rows = items.map((item, ord) => ({
    ord,
    id: newId('evt'),
    source: item.event.source,
    source_event_id: sourceEventIdOf(item.event, item.idempotencyKey),
    type: item.event.type,
    occurred_at: item.event.occurredAt,
    subject: item.event.subject,
    text: item.event.text ?? null,
    properties: item.event.properties ?? {},
  }));
  // Deferred (`Prefer: respond-async`): the events' jobs resolve identity in the worker, a batch at a time.
  const defer = options.deferIdentity === true && (identify !== undefined || identifyMany !== undefined);
  const payloadOf = (id: string): Record<string, unknown> => (defer ? { eventId: id, [IDENTIFY_IN_WORKER]: true } : { eventId: id });
  let fresh: Set<string>;
  let refs: JobRef[];
  const profiles = new Map<string, string | null>();
  let existing = new Map<string, { id: string; profile_id: string | null }>();
  if (defer || (identify === undefined && identifyMany === undefined)) {
    // Nothing to resolve here: events and jobs in one statement, committed on its own.
    ({ fresh, refs } = await appendWithJobs(db, tenantId, rows, payloadOf));
    existing = await existingEvents(
      db,
      tenantId,
      rows.filter((row) => !fresh.has(row.id)),
    );
  } else {
    ({ fresh, refs, existing } = await db.transaction(async (tx) => {
      const inserted = await tx.query<{ id: string }>(
        prepared(`INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text, properties)
         SELECT $1, r.id, r.source, r.source_event_id, r.type, r.occurred_at, r.subject, r.text, r.properties
           FROM jsonb_to_recordset($2::jsonb) AS r(id text, source text, source_event_id text, type text, occurred_at timestamptz, subject jsonb, text text, properties jsonb, ord int)
          ORDER BY r.ord
         ON CONFLICT (tenant_id, source, source_event_id) DO NOTHING
         RETURNING id`),
        [tenantId, JSON.stringify(rows)],
      );
      const stored = new Set(inserted.rows.map((r) => r.id));
      const news = rows.flatMap((row, i) => {
        const item = items[i];
        return stored.has(row.id) && item !== undefined ? [{ eventId: row.id, event: item.event }] : [];
      });
      if (identifyMany !== undefined && news.length > 0) {
        // The batch's identity in one read and one write (IdentityService.linkMany), in recorded order.
        const ids = await identifyMany(tx, { tenantId, events: news });
        if (ids.length !== news.length) throw new Error(`identity answered ${ids.length} profiles for ${news.length} events`);
        news.forEach((n, i) => profiles.set(n.eventId, ids[i] ?? null));
      } else {
        for (const n of news) profiles.set(n.eventId, identify === undefined ? null : await identify(tx, { tenantId, ...n }));
      }
      await setEventProfiles(
        tx,
        tenantId,
        [...profiles].flatMap(([id, profileId]) => (profileId === null ? [] : [{ id, profileId }])),
      );
      const jobs = await work.recordMany(
        tx,
        rows
          .filter((row) => stored.has(row.id))
          .map((row) => ({ tenantId, kind: EVENT_PROCESS_JOB, payload: payloadOf(row.id), dedupeKey: `event:${row.id}` })),
      );
      const found = await existingEvents(
        tx,
        tenantId,
        rows.filter((row) => !stored.has(row.id)),
      );
      return { fresh: stored, refs: jobs, existing: found };
    }));
  }
  const results = rows.map((row): IngestResult => {
    if (fresh.has(row.id)) return { eventId: row.id, profileId: profiles.get(row.id) ?? null, duplicate: false };
    const hit = existing.get(`${row.source}\u0000${row.source_event_id}`);
    if (hit === undefined) throw new Error('event conflict without a stored row');
    return { eventId: hit.id, profileId: hit.profile_id, duplicate: true };
  });
  // One doorbell per batch: the first event's delivery claims the others with it (WorkRunner's batch
  // claim takes a tenant's due event jobs, oldest first, up to its batch size; a full batch rings for
  // what it left), so the queue carries a message per batch rather than per event. The sweeper
  // re-dispatches any row left without one.
  if (refs.length > 0) {
    if (options.ring !== undefined) options.ring(refs.slice(0, 1));
    else await work.notify(refs.slice(0, 1));
  }
  return results;
}

interface AppendRow {
  ord: number;
  id: string;
  source: string;
  source_event_id: string;
}

/**
 * Appends events and records their `event.process` jobs in ONE statement (autocommit: durable once
 * it returns, all or nothing). Jobs are due in the given order, a microsecond apart, like
 * `WorkQueue.recordMany`'s; only events actually stored (not duplicates) get one.
 */
async function appendWithJobs(
  db: Queryable,
  tenantId: string,
  rows: readonly (AppendRow & Record<string, unknown>)[],
  payloadOf: (id: string) => Record<string, unknown>,
): Promise<{ fresh: Set<string>; refs: JobRef[] }> {
  const input = rows.map((row) => ({ ...row, job_id: newId('job'), payload: payloadOf(row.id), dedupe_key: `event:${row.id}` }));
  const r = await db.query<{ event_id: string; job: RefRow | null }>(
    prepared(`WITH r AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(id text, source text, source_event_id text, type text, occurred_at timestamptz, subject jsonb, text text, properties jsonb, ord int, job_id text, payload jsonb, dedupe_key text)
     ), ev AS (
       INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text, properties)
       SELECT $1, r.id, r.source, r.source_event_id, r.type, r.occurred_at, r.subject, r.text, r.properties FROM r ORDER BY r.ord
       ON CONFLICT (tenant_id, source, source_event_id) DO NOTHING
       RETURNING id
     ), job AS (
       ${insertJobsSql(`SELECT $1, r.job_id, $3, r.payload, r.dedupe_key, now() + r.ord * interval '1 microsecond', $4::int, now()
         FROM r JOIN ev ON ev.id = r.id ORDER BY r.ord`)}
     )
     SELECT ev.id AS event_id, CASE WHEN job.id IS NULL THEN NULL ELSE to_jsonb(job) END AS job
       FROM ev JOIN r ON r.id = ev.id LEFT JOIN job ON job.id = r.job_id`),
    [tenantId, JSON.stringify(input), EVENT_PROCESS_JOB, DEFAULT_MAX_ATTEMPTS],
  );
  const byEvent = new Map(r.rows.map((row) => [row.event_id, row]));
  const refs: JobRef[] = [];
  for (const row of input) {
    const hit = byEvent.get(row.id);
    if (hit === undefined) continue;
    // A new event's id is new, so is its dedupe key: its job row was inserted with it.
    if (hit.job === null) throw new Error(`event ${row.id} stored without its job`);
    refs.push(toRef(hit.job));
  }
  return { fresh: new Set(byEvent.keys()), refs };
}

/** The stored events that `dupes` (rows not inserted: same source and source event id) collapsed into. */
async function existingEvents(
  q: Queryable,
  tenantId: string,
  dupes: readonly AppendRow[],
): Promise<Map<string, { id: string; profile_id: string | null }>> {
  const existing = new Map<string, { id: string; profile_id: string | null }>();
  if (dupes.length === 0) return existing;
  const found = await q.query<{ id: string; profile_id: string | null; source: string; source_event_id: string }>(
    `SELECT e.id, e.profile_id, e.source, e.source_event_id FROM events e
      WHERE e.tenant_id = $1 AND (e.source, e.source_event_id) IN (SELECT r.source, r.source_event_id FROM jsonb_to_recordset($2::jsonb) AS r(source text, source_event_id text))`,
    [tenantId, JSON.stringify(dupes.map((d) => ({ source: d.source, source_event_id: d.source_event_id })))],
  );
  for (const f of found.rows) existing.set(`${f.source}\u0000${f.source_event_id}`, f);
  return existing;
}

/** Set on an `event.process` job whose event was acknowledged before identity resolved it (`Prefer: respond-async`). */
export const IDENTIFY_IN_WORKER = 'identify';

/** Stores resolved profile ids of events in one statement. */
export async function setEventProfiles(
  q: Queryable,
  tenantId: string,
  resolved: readonly { id: string; profileId: string }[],
): Promise<void> {
  if (resolved.length === 0) return;
  await q.query(prepared(SET_EVENT_PROFILES_SQL), [tenantId, resolved.map((r) => r.id), resolved.map((r) => r.profileId)]);
}

/**
 * The events of a batch are named by an id array the planner can use (`= ANY`, an index condition on
 * the primary key, planned for a handful of rows even in a generic plan). Joined only to a recordset
 * (which it takes for 100 rows) it hashed the whole events table on every call while the table was a
 * few thousand rows (measured: every processed mark and every profile update of the sustained bench a
 * sequential scan of events, 265 per 3,000 events). Exported for the plan check in
 * test/integration/event-batch-updates.test.ts.
 */
export const SET_EVENT_PROFILES_SQL = `UPDATE events e SET profile_id = r.profile_id
    FROM unnest($2::text[], $3::text[]) AS r(id, profile_id)
   WHERE e.tenant_id = $1 AND e.id = ANY($2::text[]) AND e.id = r.id`;

/** markEventsProcessed's statement (its ids as in SET_EVENT_PROFILES_SQL; a null profile id keeps the stored one). */
export const MARK_EVENTS_PROCESSED_SQL = `UPDATE events e SET processed_at = now(), profile_id = coalesce(r.profile_id, e.profile_id)
    FROM unnest($2::text[], $3::text[]) AS r(id, profile_id)
   WHERE e.tenant_id = $1 AND e.id = ANY($2::text[]) AND e.id = r.id`;

/** A row of `events` as the event readers select it (EVENT_COLUMNS). */
export interface EventRow {
  id: string;
  source: string;
  source_event_id: string;
  type: string;
  occurred_at: Date;
  received_at: Date;
  subject: CanonicalEvent['subject'];
  text: string | null;
  properties: Record<string, unknown>;
  profile_id: string | null;
  processed_at: Date | null;
}

export const toStoredEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  source: row.source,
  sourceEventId: row.source_event_id,
  type: row.type,
  occurredAt: new Date(row.occurred_at).toISOString(),
  receivedAt: new Date(row.received_at).toISOString(),
  subject: row.subject,
  text: row.text,
  properties: row.properties,
  profileId: row.profile_id,
  processedAt: row.processed_at === null ? null : new Date(row.processed_at).toISOString(),
});

const EVENT_COLUMNS = 'id, source, source_event_id, type, occurred_at, received_at, subject, text, properties, profile_id, processed_at';

export async function getEvent(q: Queryable, tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
  const r = await q.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND id = $2`, [tenantId, eventId]);
  const row = r.rows[0];
  return row === undefined ? undefined : toStoredEvent(row);
}

/** Several events of a tenant in one statement, by id (absent ids are missing from the map). */
export async function getEvents(q: Queryable, tenantId: string, eventIds: readonly string[]): Promise<Map<string, StoredEvent>> {
  if (eventIds.length === 0) return new Map();
  const r = await q.query<EventRow>(prepared(`SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND id = ANY($2::text[])`), [
    tenantId,
    [...eventIds],
  ]);
  return new Map(r.rows.map((row) => [row.id, toStoredEvent(row)]));
}

/** Marks events processed (with the profile each was processed for, when it has one), in one statement. */
export async function markEventsProcessed(
  q: Queryable,
  tenantId: string,
  events: readonly { id: string; profileId: string | null }[],
): Promise<void> {
  if (events.length === 0) return;
  await q.query(prepared(MARK_EVENTS_PROCESSED_SQL), [tenantId, events.map((e) => e.id), events.map((e) => e.profileId)]);
}
