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

  /**
   * @param choose The action for a profile and context (null: no action).
   * @param explain Optional reason / explanation to return with each decision.
   */
  constructor(
    private readonly choose: (profileId: string, context: JsonObject) => DecidedAction | null,
    private readonly explain?: (
      profileId: string,
      context: JsonObject,
      action: DecidedAction | null,
    ) => Pick<DecideResult, 'reason' | 'explanation'>,
  ) {}

  async decide(profileId: string, context: JsonObject, meta: DecideMeta): Promise<DecideResult> {
    this.calls.push({ profileId, context: structuredClone(context), meta });
    const k = `${meta.tenantId}\u0000${meta.idempotencyKey}`;
    const logged = this.byKey.get(k);
    if (logged !== undefined) return logged;
    this.counter += 1;
    const action = this.choose(profileId, context);
    const result: DecideResult = { decisionId: `decision_${this.counter}`, action, ...this.explain?.(profileId, context, action) };
    this.byKey.set(k, result);
    return result;
  }

  /** Distinct decisions made (repeats for the same key are not counted). */
  get decisionsMade(): number {
    return this.byKey.size;
  }
}
