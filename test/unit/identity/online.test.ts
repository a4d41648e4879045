import { pairwiseScores } from '../../../app/identity/batch/evaluate';
import { resolveBatch } from '../../../app/identity/batch/resolve-batch';
import { OnlineMatcher, matchVectorOf } from '../../../app/identity/model/online';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import { normalizeTraits } from '../../../app/identity/normalize/traits';
import { generateCrmPopulation } from '../../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../../app/identity/util/prng';

const normalizer = new IdentifierNormalizer({ defaultRegion: 'US' });
const vector = (traits: Record<string, string>, ids: { type: string; value: string }[] = []) =>
  matchVectorOf(normalizer.normalize(ids).identifiers, normalizeTraits(traits));

describe('online matcher', () => {
  const matcher = new OnlineMatcher();
  const base = { firstName: 'Katherine', lastName: 'Oyelaran', birthDate: '17/03/1984', postcode: '94110', city: 'San Francisco' };

  it('builds blocking keys only from the fields a record has', () => {
    const keys = matcher.blockingKeys(vector(base, [{ type: 'email', value: 'K@x.io' }]));
    expect(keys).toEqual(
      expect.arrayContaining(['birthDate=19840317\u0001', 'email=k@x.io\u0001', 'firstName+lastName=katherine\u0001oyelaran\u0001']),
    );
    expect(keys.some((k) => k.startsWith('phone='))).toBe(false);
    expect(matcher.blockingKeys({})).toEqual([]);
  });

  it('links strong agreement, reviews partial agreement, ignores name-only agreement, with per-field weights', () => {
    const a = vector(base);
    const strong = matcher.score(a, vector({ ...base, firstName: 'Kathrine' }));
    expect(strong.probability).toBeGreaterThanOrEqual(0.99);
    expect(strong.fields.reduce((s, f) => s + f.weight, 0)).toBeCloseTo(strong.weight + 18, 5);
    const partial = matcher.score(a, vector({ firstName: 'Katherine', lastName: 'Oyelaran', city: 'San Francisco' }));
    expect(partial.probability).toBeGreaterThanOrEqual(0.5);
    expect(partial.probability).toBeLessThan(0.99);
    expect(matcher.score(a, vector({ firstName: 'Katherine', lastName: 'Oyelaran' })).probability).toBeLessThan(0.5);
    expect(matcher.score(a, vector({ ...base, birthDate: '1991-07-02', postcode: '10001' })).probability).toBeLessThan(0.5);
  });

  it('never auto-links incompatible given names (family members at one address)', () => {
    const john = vector({ firstName: 'John', lastName: 'Smith', street: '1 Main St', postcode: '94110' }, [
      { type: 'phone', value: '+14155550134' },
    ]);
    const mary = vector({ firstName: 'Mary', lastName: 'Smith', street: '1 Main St', postcode: '94110' }, [
      { type: 'phone', value: '+14155550134' },
    ]);
    expect(matcher.namesAllowLink(john, mary)).toBe(false);
    expect(matcher.namesAllowLink(john, vector({ firstName: 'Johnny' }))).toBe(true);
  });
});

describe('bulk deterministic phase', () => {
  it('agrees with resolving records one by one, at the same precision', async () => {
    const records = generateCrmPopulation(seededRandom(11), 600);
    const truth = records.map((r) => String(r.person));
    const options = { random: seededRandom(12), at: '2026-01-01T00:00:00.000Z', normalizer: { defaultRegion: 'US' as const } };
    const bulk = await resolveBatch(records, options);
    const oneByOne = await resolveBatch(records, { ...options, random: seededRandom(12), deterministic: 'one-by-one' });
    expect(pairwiseScores(bulk.profileIds, oneByOne.profileIds).f1).toBeGreaterThanOrEqual(0.98);
    expect(pairwiseScores(bulk.profileIds, truth).precision).toBeGreaterThanOrEqual(
      pairwiseScores(oneByOne.profileIds, truth).precision - 0.002,
    );
    expect(pairwiseScores(bulk.profileIds, truth).recall).toBeGreaterThanOrEqual(0.95);
  });
});
