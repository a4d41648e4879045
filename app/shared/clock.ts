/**
 * The one Clock port: the domain never reads the system clock itself. Wall-clock time is epoch
 * milliseconds. `systemClock` is the real one (composition roots pass it in); `ManualClock` only moves
 * when told to (tests, simulations).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, and never backwards. */
export class ManualClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  set(instant: number): void {
    if (instant < this.current) throw new Error(`ManualClock cannot go back in time (${instant} < ${this.current})`);
    this.current = instant;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }
}
