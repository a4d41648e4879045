import {
  generateTrapPopulation,
  HELD_OUT_PEOPLE,
  HELD_OUT_SEED,
  scorePairs,
  TRAP_CATEGORIES,
} from '../../fixtures/identity-traps/generator';
import { resolveTrapsBatch, resolveTrapsLive } from './trap-harness';

/**
 * The independent trap population's held-out draw (never tuned on): the acceptance
 * thresholds, for the batch path (`baton resolve`) and the live path (events one at a time).
 * `npm run bench` reports the same draw per category.
 */
describe('identity on the held-out cross-channel trap draw', () => {
  const { records } = generateTrapPopulation({ seed: HELD_OUT_SEED, people: HELD_OUT_PEOPLE });

  for (const path of ['batch', 'live'] as const) {
    it(`${path}: precision ≥ 0.995 and recall ≥ 0.95 overall, no false merges of role mailboxes, households or same-name strangers`, async () => {
      const run = path === 'batch' ? await resolveTrapsBatch(records) : await resolveTrapsLive(records);
      const score = scorePairs(run.clusterOf, records);
      expect(score.precision).toBeGreaterThanOrEqual(0.995);
      expect(score.recall).toBeGreaterThanOrEqual(0.95);
      const shortfalls = TRAP_CATEGORIES.flatMap((category) => {
        const c = score.categories[category];
        return [
          ...(c.shouldMatch > 0 && (c.recall ?? 0) < 0.9 ? [`${category}: recall ${c.recall ?? 'n/a'}`] : []),
          ...(c.mustNotMatch > 0 && (c.falseMergeRate ?? 1) > 0.01 ? [`${category}: false-merge rate ${c.falseMergeRate ?? 'n/a'}`] : []),
        ];
      });
      expect(shortfalls).toEqual([]);
    });
  }
});
