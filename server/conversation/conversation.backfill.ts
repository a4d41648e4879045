/**
 * Fills the conversation store from the event log that existed before it (and heals any message the
 * live stage missed): a durable job per tenant walks the processed events with a profile in `seq`
 * order, 500 at a time, and stores every message among them (the same classifier and signals as the
 * live stage; duplicates collapse on the source id). History never raises `sentiment.dropped`: a fall
 * that happened long ago is not news to act on. Each batch records the next one (deduplicated by its
 * starting position), so a crash resumes where it stopped. The first batch is enqueued once per
 * tenant (dedupe key `conversation.backfill`) when the module starts.
 */
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import type { JobHandler } from '../dispatch/work-runner';
import { toStoredEvent } from '../events/events.repository';
import { tenantIds } from '../tenants/tenants.repository';
import { backfillEventRows, recordMessage, type MessageSignals } from './conversation.repository';
import { messageOf, messageRow } from './conversation.stage';

export const CONVERSATION_BACKFILL_JOB = 'conversation.backfill';
export const BACKFILL_BATCH = 500;

/** Stores the messages among one batch of events after `afterSeq`; answers the last seq read, or null at the end. */
export async function backfillBatch(
  db: Database,
  tenantId: string,
  afterSeq: number,
  limit = BACKFILL_BATCH,
): Promise<{ stored: number; lastSeq: number | null }> {
  const rows = await backfillEventRows(db, tenantId, afterSeq, limit);
  let stored = 0;
  for (const row of rows) {
    const event = toStoredEvent(row);
    const message = messageOf(event);
    if (message === null) continue;
    const signals: MessageSignals | null =
      message.speaker !== 'customer' ||
      message.text === null ||
      row.intent === null ||
      row.sentiment === null ||
      row.sentiment_label === null ||
      row.urgency === null
        ? null
        : {
            intent: row.intent,
            intentConfidence: Number(row.intent_confidence ?? 0),
            sentiment: Number(row.sentiment),
            sentimentLabel: row.sentiment_label,
            urgency: row.urgency,
            language: row.language,
          };
    const result = await recordMessage(db, messageRow(tenantId, row.profile_id, event, message, signals));
    if (result.created) stored += 1;
  }
  const last = rows[rows.length - 1];
  return { stored, lastSeq: rows.length === limit && last !== undefined ? Number(last.seq) : null };
}

export function backfillHandler(db: Database, work: WorkQueue): JobHandler {
  return async (job) => {
    const after = typeof job.payload['afterSeq'] === 'number' ? job.payload['afterSeq'] : 0;
    const { lastSeq } = await backfillBatch(db, job.tenantId, after);
    if (lastSeq !== null)
      await work.enqueue({
        tenantId: job.tenantId,
        kind: CONVERSATION_BACKFILL_JOB,
        payload: { afterSeq: lastSeq },
        dedupeKey: `${CONVERSATION_BACKFILL_JOB}:${lastSeq}`,
      });
  };
}

/** Enqueues the first batch for every tenant (once per tenant: the dedupe key outlives the job). */
export async function enqueueBackfills(db: Database, work: WorkQueue): Promise<number> {
  const tenants = await tenantIds(db);
  for (const tenantId of tenants)
    await work.enqueue({ tenantId, kind: CONVERSATION_BACKFILL_JOB, payload: { afterSeq: 0 }, dedupeKey: CONVERSATION_BACKFILL_JOB });
  return tenants.length;
}
