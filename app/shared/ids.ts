/**
 * The one IdGenerator port: prefixed identifiers whose prefix says what they name (run_, dec_, adv_…).
 * The server's generator is server/security/ids.ts (`newId`, random); `SequentialIds` is the
 * deterministic one for tests and simulations.
 */
export interface IdGenerator {
  newId(prefix: string): string;
}

/** Deterministic ids: "<prefix>_1", "<prefix>_2", … (one counter per prefix). */
export class SequentialIds implements IdGenerator {
  private readonly counters = new Map<string, number>();

  newId(prefix: string): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}_${next}`;
  }
}
