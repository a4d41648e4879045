import type { Clock } from '../ports';

/** A clock that only moves when told to (tests, simulations). */
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
