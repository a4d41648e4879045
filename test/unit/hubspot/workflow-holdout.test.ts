import type { Decider, DecideResult } from '../../../app/orchestration';
import type { StoredDecision } from '../../../server/decisioning/decision.repository';
import { toDecideResult } from '../../../server/decisioning/decider.adapter';
import { decideWithin } from '../../../connectors/hubspot/workflow-actions.routes';

const answering = (result: DecideResult): Decider => ({ decide: async () => result });

// Only the fields toDecideResult reads; a whole DecisionRecord (explanation, factors…) is irrelevant here.
const stored = (holdout: boolean, action: { id: string; label: string; channel: 'email' } | null): StoredDecision =>
  ({ record: { decisionId: 'dec_1', holdout, action, context: {} }, draft: null }) as unknown as StoredDecision;

describe('HubSpot "Next best action" workflow output: In holdout group', () => {
  it('is true for a holdout decision', async () => {
    const out = await decideWithin(answering(toDecideResult(stored(true, null))), 'prof_1', 'ten_1', 'cb-1', undefined);
    expect(out).toEqual({ actionId: '', actionLabel: '', holdout: 'true', decisionId: 'dec_1' });
  });

  it('is false when nothing was eligible (no action, not held out)', async () => {
    const out = await decideWithin(answering(toDecideResult(stored(false, null))), 'prof_1', 'ten_1', 'cb-2', undefined);
    expect(out).toEqual({ actionId: '', actionLabel: '', holdout: 'false', decisionId: 'dec_1' });
  });

  it('is false with an action, and when the decider does not say', async () => {
    const chosen = await decideWithin(
      answering(toDecideResult(stored(false, { id: 'call', label: 'Call', channel: 'email' }))),
      'prof_1',
      'ten_1',
      'cb-3',
      undefined,
    );
    expect(chosen).toMatchObject({ actionId: 'call', holdout: 'false' });
    const silent = await decideWithin(answering({ decisionId: 'dec_2', action: null }), 'prof_1', 'ten_1', 'cb-4', undefined);
    expect(silent).toMatchObject({ holdout: 'false' });
  });
});
