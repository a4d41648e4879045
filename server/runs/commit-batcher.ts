import { currentDurability, withRelaxedDurability, withStrictDurability, type Durability } from '../db/database';

/**
 * Group commit for run state: commits submitted while earlier ones are still being written are
 * sent together, as ONE statement, when a writing slot frees up. Nothing waits for a timer: a commit
 * submitted to an idle batcher is written at once, alone; batches form only under load, where they
 * save a round trip (and a WAL flush) per run step. Each item keeps its own compare-and-set and
 * gets its own answer. At most one item per key (run) goes into a batch: a second commit for the
 * same run (two racing invocations) waits for the next batch, where the version check decides.
 * An item may have several keys (a run create: its concurrency key and its start key); it shares a
 * batch with no item that has any of them.
 */
export interface BatchOptions {
  /** Batches being written at once (statements in flight). */
  readonly maxInFlight: number;
  /** Items per statement. */
  readonly maxBatch: number;
  /**
   * Whether a batch takes at most one item per key (writes: two commits of one run must not share a
   * statement). Reads set it false: every caller waiting for the same thing shares the next statement.
   */
  readonly distinctKeys?: boolean;
}

interface Pending<I, R> {
  /** The keys it may share a batch with no other item of (distinctKeys). */
  readonly keys: readonly string[];
  /** The durability its caller runs under (server/db/database.ts): a batch is relaxed only if every item is. */
  readonly durability: Durability;
  readonly item: I;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * `write` answers one result per item, in order. If it throws, each item of that batch is written
 * again alone, so one bad item fails only its own caller.
 */
export class CommitBatcher<I, R> {
  private queue: Pending<I, R>[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: readonly I[]) => Promise<R[]>,
    private readonly options: BatchOptions,
  ) {}

  /** `key`: what at most one item of a batch may have (a run; or several things, e.g. a run's concurrency key and its start key). */
  submit(key: string | readonly string[], item: I): Promise<R> {
    const keys = typeof key === 'string' ? [key] : key;
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ keys, item, durability: currentDurability(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch: Pending<I, R>[] = [];
      const keys = new Set<string>();
      const rest: Pending<I, R>[] = [];
      for (const pending of this.queue) {
        if (batch.length < this.options.maxBatch && (this.options.distinctKeys === false || !pending.keys.some((k) => keys.has(k)))) {
          batch.push(pending);
          for (const k of pending.keys) keys.add(k);
        } else {
          rest.push(pending);
        }
      }
      this.queue = rest;
      this.inFlight += 1;
      // A strict caller's commit (an API's) never rides in a relaxed batch (the event pipeline's).
      const durably = batch.every((p) => p.durability === 'relaxed') ? withRelaxedDurability : withStrictDurability;
      void durably(() => this.flush(batch)).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: readonly Pending<I, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.write(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} commits answered ${results.length} results`);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Settle each on its own: one failing item must not fail the others.
      await Promise.all(
        batch.map(async (p) => {
          try {
            const [result] = await this.write([p.item]);
            if (result === undefined) throw new Error('a commit answered no result');
            p.resolve(result);
          } catch (alone) {
            p.reject(alone);
          }
        }),
      );
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as R));
  }
}
