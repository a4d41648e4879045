import type { Scheduler, WakeRequest } from '../ports';

/**
 * Records wake-ups in memory; a test (or the simulation driver) takes the due ones and calls
 * advanceRun for each. Pending wake-ups for the same (tenant, run, at) are coalesced, as the
 * contract allows.
 */
export class MemoryScheduler implements Scheduler {
  private pending: WakeRequest[] = [];
  /** Every request ever made, in order (tests). */
  readonly requested: WakeRequest[] = [];

  async wakeAt(request: WakeRequest): Promise<void> {
    this.requested.push(request);
    const duplicate = this.pending.some((w) => w.tenantId === request.tenantId && w.runId === request.runId && w.at === request.at);
    if (!duplicate) this.pending.push(request);
  }

  /** Removes and returns the wake-ups due at `now`, earliest first. */
  takeDue(now: number): WakeRequest[] {
    const due = this.pending.filter((w) => w.at <= now).sort((a, b) => a.at - b.at);
    this.pending = this.pending.filter((w) => w.at > now);
    return due;
  }

  /** The earliest pending instant, or null. */
  nextAt(): number | null {
    return this.pending.reduce<number | null>((min, w) => (min === null || w.at < min ? w.at : min), null);
  }

  /** Puts a wake-up back (used to simulate redelivery after a crashed invocation). */
  redeliver(request: WakeRequest): void {
    this.pending.push(request);
  }

  pendingFor(runId: string): WakeRequest[] {
    return this.pending.filter((w) => w.runId === runId);
  }
}
