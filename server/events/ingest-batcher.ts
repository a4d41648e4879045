import type { CanonicalEvent } from '../../app/events/canonical-event';
import { withStrictDurability, type Database } from '../db/database';
import { Doorbell } from '../dispatch/doorbell';
import type { JobRef } from '../dispatch/outbox.repository';
import type { WorkQueue } from '../dispatch/work-queue';
import { ingestEvent, ingestEvents, type Identify, type IdentifyMany, type IngestResult } from './events.repository';

export interface IngestBatcherOptions {
  /**
   * Events per transaction at most. Default 32 when identity resolves a batch at once (`identifyMany`:
   * one read and one write for the whole batch, its locks taken in one sorted pass), 16 without identity,
   * 1 with only the per-event `identify` (holding one event's identity locks while resolving the next in
   * the same transaction deadlocked concurrent batches: identity-api.test's burst of one person).
   */
  maxBatch?: number;
  /**
   * Transactions in flight at once (default 1 embedded, 2 on PostgreSQL). Few on purpose: requests that
   * arrive while transactions are in flight wait and go together in the next one, so the commits, the
   * identity read/write and the queue's bell are paid per batch. With 32 in flight every request of a
   * 16-connection load went alone (≈ 800 acknowledgements/s without identity on the bench machine; 2 in
   * flight: ≈ 1,600).
   */
  maxInFlight?: number;
  /** Identity for a whole batch (IdentityService.linkMany); without it, `identify` runs per event. */
  identifyMany?: IdentifyMany;
  /**
   * How long committed batches' doorbells wait to be rung together (default 10 ms): one dispatcher call
   * (a BullMQ pipeline, a Redis write) for the batches of the window rather than one per batch; each
   * batch still gets its own message.
   */
  ringWindowMs?: number;
}

interface Waiting {
  tenantId: string;
  /** Acknowledged before identity resolves the event (`Prefer: respond-async`): resolved in the worker. */
  deferIdentity: boolean;
  event: CanonicalEvent;
  idempotencyKey: string | undefined;
  resolve: (r: IngestResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for acknowledged ingest (issue #16): requests that arrive while a transaction is in
 * flight wait for the next one and are appended together (`ingestEvents`: one statement for the events,
 * one for their jobs, one commit), so the durable write costs a few statements per batch rather than per
 * event. A request alone goes at once (no timer). Each caller is answered only after the transaction
 * holding its event committed; when a batch fails, its events are retried one by one, so one bad event
 * fails alone. The queue's doorbells are rung after the callers are answered (the rows are durable;
 * the sweeper rings them if the transport is down or the process dies first), those of the batches
 * committed within a short window, or while a ring was under way, together in one call.
 */
export class IngestBatcher {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly identifyMany: IdentifyMany | undefined;
  private readonly doorbell: Doorbell;

  constructor(
    private readonly db: Database,
    private readonly work: WorkQueue,
    private readonly identify: Identify | undefined,
    options: IngestBatcherOptions = {},
  ) {
    this.identifyMany = identify === undefined ? undefined : options.identifyMany;
    this.maxBatch = Math.max(1, options.maxBatch ?? (identify === undefined ? 16 : this.identifyMany !== undefined ? 32 : 1));
    this.maxInFlight = Math.max(1, options.maxInFlight ?? (db.kind === 'pglite' ? 1 : 2));
    this.doorbell = new Doorbell(work, Math.max(0, options.ringWindowMs ?? 10));
  }

  ingest(
    tenantId: string,
    event: CanonicalEvent,
    idempotencyKey?: string,
    options: { deferIdentity?: boolean } = {},
  ): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ tenantId, deferIdentity: options.deferIdentity === true, event, idempotencyKey, resolve, reject });
      this.pump();
    });
  }

  /** Settles once every doorbell of what was committed so far has been handed to the dispatcher (tests). */
  rung(): Promise<void> {
    return this.doorbell.settled();
  }

  private readonly ring = (refs: readonly JobRef[]): void => this.doorbell.ring(refs);

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      // Acknowledged input commits durably, whoever's call started the flush.
      void withStrictDurability(() => this.flush(batch)).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** One event in its own transaction (a lone request, or one of a failed batch). */
  private async ingestOne(tenantId: string, w: Waiting): Promise<IngestResult> {
    if (!w.deferIdentity) return ingestEvent(this.db, this.work, tenantId, w.event, w.idempotencyKey, this.identify);
    const [result] = await ingestEvents(this.db, this.work, tenantId, [w], this.identify, this.identifyMany, {
      deferIdentity: true,
      ring: this.ring,
    });
    if (result === undefined) throw new Error('no ingest result');
    return result;
  }

  private async flush(batch: readonly Waiting[]): Promise<void> {
    // One transaction per tenant and identity mode (resolved now, or deferred to the worker).
    const byTenant = new Map<string, Waiting[]>();
    for (const w of batch) {
      const key = `${w.tenantId}\u0000${w.deferIdentity ? 'deferred' : 'now'}`;
      const group = byTenant.get(key);
      if (group === undefined) byTenant.set(key, [w]);
      else group.push(w);
    }
    for (const group of byTenant.values()) {
      const tenantId = group[0]?.tenantId ?? '';
      const deferIdentity = group[0]?.deferIdentity === true;
      if (group.length > 1) {
        try {
          const results = await ingestEvents(
            this.db,
            this.work,
            tenantId,
            group.map((w) => ({ event: w.event, idempotencyKey: w.idempotencyKey })),
            this.identify,
            this.identifyMany,
            { deferIdentity, ring: this.ring },
          );
          group.forEach((w, i) => {
            const r = results[i];
            if (r === undefined) w.reject(new Error('no ingest result'));
            else w.resolve(r);
          });
          continue;
        } catch {
          // Nothing of the batch was stored: each event on its own below.
        }
      }
      for (const w of group) {
        try {
          w.resolve(await this.ingestOne(tenantId, w));
        } catch (err) {
          w.reject(err);
        }
      }
    }
  }
}
