import { systemClock, type Clock } from '../../app/shared/clock';
import type { Dispatcher } from './dispatcher';
import type { JobRef } from './outbox.repository';

export interface InProcessOptions {
  concurrency: number;
  /** Timers further out than this are not held in memory; the sweeper hands them back when they come close. */
  maxTimerMs?: number;
  /** Due times are measured against it (default the system clock). */
  clock?: Clock;
}

/** Delivers work inside this process: a timer per due time and a concurrency limit. Embedded mode. */
export class InProcessDispatcher implements Dispatcher {
  readonly name = 'in-process' as const;
  private deliver: ((ref: JobRef) => Promise<void>) | undefined;
  /** Refs announced and not yet delivered, by `tenant/id/attempt`: a repeated notify is ignored. */
  private readonly reserved = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ready: JobRef[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly maxTimerMs: number;

  constructor(private readonly options: InProcessOptions) {
    this.maxTimerMs = options.maxTimerMs ?? 5 * 60_000;
  }

  async start(deliver: (ref: JobRef) => Promise<void>): Promise<void> {
    this.deliver = deliver;
    this.stopped = false;
    this.pump();
  }

  async notify(refs: readonly JobRef[]): Promise<void> {
    if (this.stopped) return;
    const now = (this.options.clock ?? systemClock).now();
    for (const ref of refs) {
      const key = `${ref.tenantId}/${ref.id}/${ref.attempt}`;
      if (this.reserved.has(key)) continue;
      const delay = ref.dueAt.getTime() - now;
      if (delay > this.maxTimerMs) continue;
      this.reserved.add(key);
      if (delay <= 0) {
        this.makeReady(ref);
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(key);
        this.makeReady(ref);
      }, delay);
      timer.unref();
      this.timers.set(key, timer);
    }
  }

  private makeReady(ref: JobRef): void {
    this.ready.push(ref);
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    if (this.deliver === undefined || this.stopped) return;
    while (this.inFlight.size < this.options.concurrency && this.ready.length > 0) {
      const ref = this.ready.shift();
      if (ref === undefined) break;
      const key = `${ref.tenantId}/${ref.id}/${ref.attempt}`;
      const p = this.deliver(ref)
        .catch(() => undefined)
        .finally(() => {
          this.reserved.delete(key);
          this.inFlight.delete(p);
          this.pump();
        });
      this.inFlight.add(p);
    }
  }

  async ping(): Promise<void> {
    if (this.stopped) throw new Error('in-process dispatcher is stopped');
  }

  async depth(): Promise<number> {
    return this.reserved.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    this.reserved.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}
