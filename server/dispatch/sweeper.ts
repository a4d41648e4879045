import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { Dispatcher } from './dispatcher';
import { outbox } from './outbox.repository';
import { startPeriodic, type Periodic } from './periodic';

export interface SweeperOptions {
  intervalMs: number;
  /** Rows due within this window are handed to the dispatcher (it holds the timer). */
  horizonMs: number;
  /** A row dispatched longer ago than this and still pending and unleased is dispatched again. */
  redispatchAfterMs: number;
  batchSize: number;
  logger: Logger;
}

/**
 * The safety net that makes the queue disposable: periodically re-dispatches due work whose queue
 * message was lost (Redis restart, killed process, crash between commit and notify) or whose lease expired.
 */
export class Sweeper {
  private periodic: Periodic | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Database,
    private readonly dispatcher: Dispatcher,
    private readonly options: SweeperOptions,
  ) {}

  start(): void {
    if (this.periodic !== undefined) return;
    // sweep() reports its own failures; the first pass runs at once.
    this.periodic = startPeriodic(
      () => this.sweep(),
      this.options.intervalMs,
      () => undefined,
      { initialDelayMs: 0 },
    );
  }

  /** One pass; returns how many rows were dispatched. */
  async sweep(): Promise<number> {
    if (this.running !== undefined) return this.running;
    this.running = (async () => {
      let total = 0;
      try {
        for (;;) {
          const refs = await outbox.takeDue(this.db, this.options.horizonMs, this.options.redispatchAfterMs, this.options.batchSize);
          if (refs.length > 0) await this.dispatcher.notify(refs);
          total += refs.length;
          if (refs.length < this.options.batchSize) break;
        }
      } catch (err) {
        this.options.logger.warn({ err }, 'sweep failed; will try again');
      }
      return total;
    })();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async stop(): Promise<void> {
    const periodic = this.periodic;
    this.periodic = undefined;
    await periodic?.stop();
    if (this.running !== undefined) await this.running;
  }
}
