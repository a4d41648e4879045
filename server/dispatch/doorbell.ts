import type { JobRef } from './outbox.repository';

/**
 * Rings the dispatcher for jobs already committed, coalesced: the refs handed over within `windowMs`
 * (and any handed over while a call is running) go in one `notify` call, so a burst of group-commit
 * batches costs one dispatcher round trip (one Redis pipeline) instead of one each. A failed call is
 * not retried here: the rows are durable and the sweeper rings them, as it does when the process dies
 * before the window ends (the timer does not keep the process alive).
 */
export class Doorbell {
  private waiting: JobRef[] = [];
  private ringing: Promise<void> | undefined;

  constructor(
    private readonly target: { notify(refs: readonly JobRef[]): Promise<void> },
    private readonly windowMs = 10,
  ) {}

  ring(refs: readonly JobRef[]): void {
    this.waiting.push(...refs);
    if (this.waiting.length > 0) this.ringing ??= this.ringAll();
  }

  /** Whether refs are waiting for their call or a call is running. */
  get busy(): boolean {
    return this.ringing !== undefined;
  }

  /** Settles once every ref handed over so far has been handed to the dispatcher. */
  async settled(): Promise<void> {
    while (this.ringing !== undefined) await this.ringing;
  }

  private async ringAll(): Promise<void> {
    // Entered with refs waiting, so it awaits before `ringing` is cleared (never before it is set), and
    // refs handed over while a call ran are rung by this loop, not left to the sweeper.
    if (this.windowMs > 0) await new Promise((r) => void setTimeout(r, this.windowMs).unref());
    while (this.waiting.length > 0) {
      const refs = this.waiting;
      this.waiting = [];
      await this.target.notify(refs).catch(() => undefined);
    }
    this.ringing = undefined;
  }
}
