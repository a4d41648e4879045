import type { EffectEntry, EffectLedger, EffectOutcome, EffectReservation, Reservation, ReserveOptions } from '../effect-ledger';

/** The EffectLedger in memory (tests, simulations), with the same semantics as the SQL one. */
export class MemoryEffectLedger implements EffectLedger {
  readonly entries = new Map<string, EffectEntry>();
  /** Delivery rank of each entry (statuses never move backwards). */
  private readonly ranks = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  private static id(tenantId: string, key: string): string {
    return `${tenantId}\u0000${key}`;
  }

  private update(tenantId: string, key: string, change: (e: EffectEntry) => Partial<EffectEntry> | undefined): void {
    const id = MemoryEffectLedger.id(tenantId, key);
    const e = this.entries.get(id);
    if (e === undefined) return;
    const patch = change(e);
    if (patch !== undefined) this.entries.set(id, { ...e, ...patch, updatedAt: this.now() });
  }

  async reserve(r: EffectReservation, options: ReserveOptions = {}): Promise<Reservation> {
    const id = MemoryEffectLedger.id(r.tenantId, r.idempotencyKey);
    const stored = this.entries.get(id);
    const at = this.now();
    if (stored === undefined) {
      const done = options.doneOutput !== undefined;
      this.entries.set(id, {
        vendor: r.vendor,
        kind: r.kind,
        accountId: r.accountId ?? null,
        state: done ? 'done' : 'pending',
        output: done ? (options.doneOutput ?? null) : null,
        providerRef: null,
        deliveryStatus: null,
        errorCode: null,
        channel: r.channel ?? null,
        recipient: r.recipient ?? null,
        profileId: r.profileId ?? null,
        runId: r.runId ?? null,
        stepId: r.stepId ?? null,
        request: r.request ?? {},
        attempts: 1,
        createdAt: at,
        updatedAt: at,
      });
      return { fresh: true };
    }
    const mode = options.onConflict ?? 'keep';
    if (mode === 'count') {
      const counted = { ...stored, attempts: stored.attempts + 1, updatedAt: at };
      this.entries.set(id, counted);
      return { fresh: false, entry: counted };
    }
    if (mode === 'reclaim-failed' && stored.state === 'failed') {
      this.entries.set(id, {
        ...stored,
        state: 'pending',
        attempts: stored.attempts + 1,
        vendor: r.vendor,
        accountId: r.accountId ?? null,
        channel: r.channel ?? null,
        recipient: r.recipient ?? null,
        request: r.request ?? {},
        errorCode: null,
        updatedAt: at,
      });
      return { fresh: true };
    }
    return { fresh: false, entry: stored };
  }

  async lookup(tenantId: string, idempotencyKey: string): Promise<EffectEntry | undefined> {
    return this.entries.get(MemoryEffectLedger.id(tenantId, idempotencyKey));
  }

  async settle(tenantId: string, idempotencyKey: string, outcome: EffectOutcome): Promise<void> {
    this.update(tenantId, idempotencyKey, (e) =>
      outcome.state === 'done'
        ? {
            state: 'done',
            output: outcome.output,
            providerRef: outcome.providerRef ?? e.providerRef,
            deliveryStatus: e.deliveryStatus ?? outcome.deliveryStatus ?? null,
          }
        : { state: outcome.state, errorCode: outcome.errorCode },
    );
  }

  async rearm(tenantId: string, idempotencyKey: string): Promise<void> {
    this.update(tenantId, idempotencyKey, (e) => ({ state: 'pending', attempts: e.attempts + 1 }));
  }

  async release(tenantId: string, idempotencyKey: string): Promise<void> {
    const id = MemoryEffectLedger.id(tenantId, idempotencyKey);
    if (this.entries.get(id)?.state === 'pending') this.entries.delete(id);
  }

  async recordDelivery(
    tenantId: string,
    vendor: string,
    providerRef: string,
    status: string,
    rank: number,
    errorCode: string | null,
  ): Promise<boolean> {
    let matched = false;
    for (const [id, e] of this.entries) {
      if (!id.startsWith(`${tenantId}\u0000`) || e.vendor !== vendor || e.providerRef !== providerRef) continue;
      const stored = this.ranks.get(id) ?? 0;
      if (stored > rank) continue;
      this.ranks.set(id, rank);
      this.entries.set(id, { ...e, deliveryStatus: status, errorCode: errorCode ?? e.errorCode, updatedAt: this.now() });
      matched = true;
    }
    return matched;
  }

  async hasDoneOutput(
    tenantId: string,
    m: { readonly vendor: string; readonly accountId?: string; readonly kind: string; readonly field: string; readonly value: string },
  ): Promise<boolean> {
    for (const [id, e] of this.entries) {
      if (!id.startsWith(`${tenantId}\u0000`) || e.vendor !== m.vendor || e.kind !== m.kind || e.state !== 'done') continue;
      if (m.accountId !== undefined && e.accountId !== m.accountId) continue;
      const out = e.output;
      if (
        typeof out === 'object' &&
        out !== null &&
        !Array.isArray(out) &&
        out[m.field] !== undefined &&
        out[m.field] !== null &&
        String(out[m.field]) === m.value
      )
        return true;
    }
    return false;
  }
}
