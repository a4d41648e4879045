import type { Columns } from '../../../app/identity/compare/comparisons';
import { blockOn, candidatePairs } from '../../../app/identity/model/blocking';
import { defaultMatcherConfig } from '../../../app/identity/model/defaults';
import { trainMatcher } from '../../../app/identity/model/matcher';
import { pick, seededRandom } from '../../../app/identity/util/prng';

/** People with a few fields; each person appears twice, the copy with a typo in one field. */
function population(count: number): { columns: Columns; truth: number[] } {
  const random = seededRandom(11);
  const first = ['anna', 'ben', 'carla', 'dmitri', 'elena', 'farid', 'greta', 'hugo', 'ines', 'jonas', 'kira', 'lars'];
  const last = [
    'berg',
    'costa',
    'dahl',
    'eklund',
    'fontaine',
    'garcia',
    'horvat',
    'ivanov',
    'jensen',
    'kowal',
    'lindqvist',
    'moreau',
    'novak',
    'olsen',
  ];
  const cols: Record<string, string[]> = { firstName: [], lastName: [], birthDate: [], city: [] };
  const truth: number[] = [];
  const typo = (s: string): string => (s.length > 3 ? s.slice(0, 1) + s.slice(2) : s);
  for (let p = 0; p < count; p++) {
    const rec = {
      firstName: pick(random, first),
      lastName: pick(random, last),
      birthDate: `19${50 + Math.floor(random.next() * 50)}0${1 + Math.floor(random.next() * 9)}1${Math.floor(random.next() * 9)}`,
      city: pick(random, ['oslo', 'bergen', 'malmo', 'turku', 'aarhus']),
    };
    for (let copy = 0; copy < 2; copy++) {
      const field = copy === 1 ? pick(random, ['firstName', 'lastName', 'city'] as const) : undefined;
      for (const key of Object.keys(cols))
        (cols[key] as string[]).push(field === key ? typo(rec[key as keyof typeof rec]) : rec[key as keyof typeof rec]);
      truth.push(p);
    }
  }
  return { columns: cols, truth };
}

describe('blocking', () => {
  it('yields each pair once, records which rules produced it, and skips oversized blocks', () => {
    const columns: Columns = { a: ['x', 'x', 'x', 'y'], b: ['1', '1', '2', '2'] };
    const pairs = candidatePairs(columns, 4, [blockOn('a'), blockOn('b')], 10);
    const list = Array.from({ length: pairs.count }, (_, p) => `${pairs.left[p]}-${pairs.right[p]}:${pairs.rules[p]}`);
    expect(list.sort()).toEqual(['0-1:3', '0-2:1', '1-2:1', '2-3:2']);
    expect(candidatePairs(columns, 4, [blockOn('a')], 2).count).toBe(0);
  });
});

describe('Fellegi-Sunter training', () => {
  const { columns, truth } = population(300);
  const config = defaultMatcherConfig(['firstName', 'lastName', 'birthDate', 'city']);
  const { model, pairs } = trainMatcher(config, columns, truth.length, seededRandom(2));

  it('learns that exact agreement is evidence for a match and disagreement against, on every field', () => {
    config.comparisons.forEach((comparison, c) => {
      const m = model.params.m[c] as readonly number[];
      const u = model.params.u[c] as readonly number[];
      const last = comparison.levels.length - 1;
      expect((m[0] as number) / (u[0] as number)).toBeGreaterThan(1);
      expect((m[last] as number) / (u[last] as number)).toBeLessThan(1);
    });
    expect(model.params.lambda).toBeGreaterThan(0);
    expect(model.params.lambda).toBeLessThan(0.01);
  });

  it('separates true pairs from others among the candidates', () => {
    let tp = 0;
    let fp = 0;
    let matches = 0;
    for (let p = 0; p < pairs.count; p++) {
      const i = pairs.left[p] as number;
      const j = pairs.right[p] as number;
      const same = truth[i] === truth[j];
      if (same) matches++;
      if (model.score(columns, i, j).probability >= config.linkThreshold) {
        if (same) tp++;
        else fp++;
      }
    }
    expect(fp).toBeLessThanOrEqual(2);
    expect(tp / matches).toBeGreaterThan(0.9);
  });

  it('explains a score as per-field weights summing to the total', () => {
    const explanation = model.explain(columns, 0, 1);
    const total = explanation.prior + explanation.fields.reduce((a, f) => a + f.weight, 0);
    expect(model.score(columns, 0, 1).weight).toBeCloseTo(total, 9);
    expect(explanation.fields.map((f) => f.field)).toEqual(['firstName', 'lastName', 'city', 'birthDate']);
  });
});
