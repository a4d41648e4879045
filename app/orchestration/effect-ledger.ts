/**
 * The effect ledger: the one record of what Baton did, or began to do, at a vendor on behalf of a run
 * step, at most one entry per (tenant, idempotency key) whatever the vendor. Action ports use it to keep
 * the ActionPort contract (at most one effect per key) when the vendor cannot deduplicate by itself:
 *
 * 1. `reserve` the key before calling the vendor. A fresh reservation means nobody used the key (or,
 *    with `onConflict: 'reclaim-failed'`, only attempts the vendor refused); otherwise the stored entry
 *    says what happened: `done` (answer from its output, do not act again), `pending` or `unknown` (an
 *    earlier attempt may have acted and its answer was lost: reconcile with the vendor, or refuse to
 *    act twice), `failed` (the vendor refused; nothing happened).
 * 2. After the call, `settle` the entry: done with the vendor's output and reference, failed (refused,
 *    nothing happened) or unknown (no answer); or `release` a pending reservation when the vendor's
 *    refusal proves nothing happened; or `rearm` it when reconciliation showed the earlier attempt left
 *    no effect.
 *
 * The server implements it over one table (effect_ledger); MemoryEffectLedger (./memory) is the same in
 * memory for tests.
 */
import type { JsonValue } from './json';

/** pending: reserved, the vendor call in flight or its answer lost; unknown: the call ended without an answer. */
export type EffectState = 'pending' | 'unknown' | 'done' | 'failed';

export interface EffectReservation {
  readonly tenantId: string;
  readonly idempotencyKey: string;
  /** Who performs the effect: hubspot, salesforce, twilio, whatsapp, zendesk, … */
  readonly vendor: string;
  /** What the effect is for that vendor (task, email, message, ticket, …). */
  readonly kind: string;
  /** The vendor account acting: a HubSpot portal id, a connection id. */
  readonly accountId?: string | null;
  readonly channel?: string | null;
  /** Where the effect goes (a phone or WhatsApp address, a ticket id). */
  readonly recipient?: string | null;
  readonly profileId?: string | null;
  readonly runId?: string | null;
  readonly stepId?: string | null;
  /** What was asked (the parameters worth keeping to reconcile or to show). */
  readonly request?: JsonValue;
}

export interface EffectEntry {
  readonly vendor: string;
  readonly kind: string;
  readonly accountId: string | null;
  readonly state: EffectState;
  readonly output: JsonValue | null;
  readonly providerRef: string | null;
  readonly deliveryStatus: string | null;
  readonly errorCode: string | null;
  readonly channel: string | null;
  readonly recipient: string | null;
  readonly profileId: string | null;
  readonly runId: string | null;
  readonly stepId: string | null;
  readonly request: JsonValue;
  /** Reservations of the key so far (how many is up to `onConflict`). */
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * What `reserve` does with a key already in the ledger:
 * - `keep`: returns the entry as stored;
 * - `count`: counts one more attempt on it and returns it after the count;
 * - `reclaim-failed`: when the vendor refused every attempt (failed), reserves it again (fresh) with
 *   this reservation's details, counting the attempt; any other entry is returned as stored.
 */
export type ReserveConflict = 'keep' | 'count' | 'reclaim-failed';

export interface ReserveOptions {
  readonly onConflict?: ReserveConflict;
  /** The effect is already done (it happens in the same step as the reservation): store it done with this output. */
  readonly doneOutput?: JsonValue;
}

export type Reservation = { readonly fresh: true } | { readonly fresh: false; readonly entry: EffectEntry };

export type EffectOutcome =
  | {
      readonly state: 'done';
      readonly output: JsonValue;
      readonly providerRef?: string | null | undefined;
      readonly deliveryStatus?: string | null | undefined;
    }
  | { readonly state: 'failed' | 'unknown'; readonly errorCode: string };

export interface EffectLedger {
  /** Reserves the key for an attempt (see ReserveConflict for a key already used; default `keep`). */
  reserve(reservation: EffectReservation, options?: ReserveOptions): Promise<Reservation>;
  lookup(tenantId: string, idempotencyKey: string): Promise<EffectEntry | undefined>;
  /** Records the attempt's outcome; a done entry keeps the first delivery status it was given. */
  settle(tenantId: string, idempotencyKey: string, outcome: EffectOutcome): Promise<void>;
  /** Makes an entry pending again for another attempt (reconciliation showed no effect), counting it. */
  rearm(tenantId: string, idempotencyKey: string): Promise<void>;
  /** Deletes a pending reservation: the vendor refused, nothing happened, the key is free again. */
  release(tenantId: string, idempotencyKey: string): Promise<void>;
  /**
   * Applies a vendor's delivery status report to the entry with that vendor reference; never moves it
   * backwards (`rank` orders statuses). Whether an entry matched.
   */
  recordDelivery(
    tenantId: string,
    vendor: string,
    providerRef: string,
    status: string,
    rank: number,
    errorCode: string | null,
  ): Promise<boolean>;
  /** Whether a done entry of this vendor (and account) and kind has `output[field] = value` (recognising Baton's own effects coming back). */
  hasDoneOutput(
    tenantId: string,
    match: { readonly vendor: string; readonly accountId?: string; readonly kind: string; readonly field: string; readonly value: string },
  ): Promise<boolean>;
}
