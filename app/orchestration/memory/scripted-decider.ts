import type { JsonObject } from '../json';
import type { DecideMeta, DecidedAction, Decider, DecideResult } from '../ports';

/**
 * A Decider fake: answers with a fixed action (or a function of the profile and context), and
 * returns the same decision for a repeated idempotency key, like a decision log would.
 */
export class ScriptedDecider implements Decider {
  readonly calls: { profileId: string; context: JsonObject; meta: DecideMeta }[] = [];
  private readonly byKey = new Map<string, DecideResult>();
  private counter = 0;

  constructor(private readonly choose: (profileId: string, context: JsonObject) => DecidedAction | null) {}

  async decide(profileId: string, context: JsonObject, meta: DecideMeta): Promise<DecideResult> {
    this.calls.push({ profileId, context: structuredClone(context), meta });
    const k = `${meta.tenantId}\u0000${meta.idempotencyKey}`;
    const logged = this.byKey.get(k);
    if (logged !== undefined) return logged;
    this.counter += 1;
    const result: DecideResult = { decisionId: `decision_${this.counter}`, action: this.choose(profileId, context) };
    this.byKey.set(k, result);
    return result;
  }

  /** Distinct decisions made (repeats for the same key are not counted). */
  get decisionsMade(): number {
    return this.byKey.size;
  }
}
