import type { IdGenerator } from '../ports';

/** Deterministic ids: "<prefix>_1", "<prefix>_2", … (one counter per prefix). */
export class SequentialIds implements IdGenerator {
  private readonly counters = new Map<string, number>();

  newId(prefix: string): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}_${next}`;
  }
}
