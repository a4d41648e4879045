/**
 * The shortcuts that make batch resolution fast must not change any answer: bounded string
 * comparisons agree with the exact ones, blocking without a set of seen pairs yields exactly the
 * naive candidate pairs, and the in-memory batch graph keeps explainable evidence.
 */
import fc from 'fast-check';
import { editDistance } from '../../../app/identity/compare/edit-distance';
import { jaroWinkler, jaroWinklerAtLeast, jaroWinklerUpperBound } from '../../../app/identity/compare/jaro-winkler';
import { resolveBatch } from '../../../app/identity/batch/resolve-batch';
import { explainLink } from '../../../app/identity/graph/explain';
import { InMemoryGraphStore } from '../../../app/identity/graph/memory-store';
import { recordKey } from '../../../app/identity/graph/model';
import { blockOn, candidatePairs, type BlockingRule } from '../../../app/identity/model/blocking';
import { collectPatterns, expectationMaximisation } from '../../../app/identity/model/estimation';
import { codeComparison, exactComparison } from '../../../app/identity/compare/comparisons';
import { generateCrmPopulation } from '../../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../../app/identity/util/prng';

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'é', ' '), maxLength: 12 });

describe('bounded comparisons', () => {
  it('the Jaro-Winkler upper bound is never below the exact value', () => {
    fc.assert(
      fc.property(word, word, (a, b) => jaroWinklerUpperBound(a, b) >= jaroWinkler(a, b) - 1e-12),
      { numRuns: 3000 },
    );
  });

  it('jaroWinklerAtLeast gives the exact value whenever it reaches the threshold, and a value below it otherwise', () => {
    fc.assert(
      fc.property(word, word, fc.constantFrom(0.7, 0.8, 0.9), (a, b, min) => {
        const exact = jaroWinkler(a, b);
        const fast = jaroWinklerAtLeast(a, b, min);
        return exact >= min ? fast === exact : fast < min;
      }),
      { numRuns: 3000 },
    );
    expect(jaroWinklerAtLeast('martha', 'zzzzzz', 0.7)).toBeLessThan(0.7);
  });

  it('the bounded edit distance answers like the unbounded one up to the bound', () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
        const full = editDistance(a, b);
        return editDistance(a, b, max) === (full <= max ? full : max + 1);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Every pair (i < j) with equal non-empty keys under some rule, in blocks of 2..max records. */
function naivePairs(columns: Record<string, string[]>, n: number, rules: readonly BlockingRule[], max: number): Map<string, number> {
  const out = new Map<string, number>();
  rules.forEach((rule, r) => {
    const blocks = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = rule.key(columns, i);
      if (key !== undefined) blocks.set(key, [...(blocks.get(key) ?? []), i]);
    }
    for (const block of blocks.values()) {
      if (block.length < 2 || block.length > max) continue;
      for (let x = 0; x < block.length; x++)
        for (let y = x + 1; y < block.length; y++) {
          const id = `${block[x]}-${block[y]}`;
          out.set(id, (out.get(id) ?? 0) | (1 << r));
        }
    }
  });
  return out;
}

describe('blocking', () => {
  it('yields exactly the naive candidate pairs, each once, with the rules that produced it', () => {
    const value = fc.constantFrom('', 'ann', 'anna', 'bob', 'bo', 'cy');
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value, value), { minLength: 0, maxLength: 40 }), fc.integer({ min: 2, max: 6 }), (rows, max) => {
        const columns = { first: rows.map((r) => r[0]), last: rows.map((r) => r[1]), city: rows.map((r) => r[2]) };
        const rules = [blockOn('first', 'last'), blockOn(['first', 2], 'city'), blockOn('last')];
        const pairs = candidatePairs(columns, rows.length, rules, max);
        const got = new Map<string, number>();
        for (let p = 0; p < pairs.count; p++) {
          const id = `${pairs.left[p]}-${pairs.right[p]}`;
          if (got.has(id) || (pairs.left[p] as number) >= (pairs.right[p] as number)) return false;
          got.set(id, pairs.rules[p] as number);
        }
        expect(got).toEqual(naivePairs(columns, rows.length, rules, max));
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('EM on comparison patterns', () => {
  it('separates matches from non-matches on a planted mixture', () => {
    // 200 pairs agreeing on both fields (matches), 2000 disagreeing on both, some mixed.
    const comparisons = [codeComparison('id'), exactComparison('region')];
    const levels: number[] = [];
    for (let k = 0; k < 200; k++) levels.push(1, 1);
    for (let k = 0; k < 2000; k++) levels.push(4, 2);
    for (let k = 0; k < 100; k++) levels.push(4, 1);
    const patterns = collectPatterns(Uint8Array.from(levels), 2300, 2, { radix: [5, 3] });
    expect(patterns.size).toBe(3);
    const { params } = expectationMaximisation(
      patterns,
      comparisons,
      [
        [0.001, 0.01, 0.01, 0.979],
        [0.1, 0.9],
      ],
      { maxIterations: 100, tolerance: 1e-9, initialLambda: 0.1 },
    );
    expect(params.lambda).toBeGreaterThan(0.08);
    expect(params.lambda).toBeLessThan(0.1);
    expect((params.m[0] as number[])[0]).toBeGreaterThan(0.95);
  });

  it('ignores blocked comparisons when grouping a session', () => {
    const patterns = collectPatterns(Uint8Array.from([1, 2, 3, 2, 1, 1]), 3, 2, { ignore: [true, false], rows: Int32Array.from([0, 1]) });
    expect(patterns.size).toBe(1);
    expect([...patterns.levels]).toEqual([0, 2]);
    expect([...patterns.counts]).toEqual([2]);
  });
});

describe('batch graph', () => {
  it('keeps every probabilistic link with its per-field weights, explainable like an online link', async () => {
    const records = generateCrmPopulation(seededRandom(21), 400);
    const store = new InMemoryGraphStore();
    const result = await resolveBatch(records, {
      random: seededRandom(22),
      at: '2026-01-01T00:00:00.000Z',
      normalizer: { defaultRegion: 'US' },
      graphStore: store,
    });
    expect(result.stats.probabilisticLinks).toBeGreaterThan(0);
    const keys = records.map((r) => recordKey(r.source, r.recordId));
    const edges = await store.unitOfWork([], (tx) => tx.edgesOf(keys));
    const links = edges.filter((e) => e.kind === 'probabilistic' && e.status === 'active');
    expect(links).toHaveLength(result.stats.probabilisticLinks);
    const link = links[0];
    if (link === undefined) return;
    const i = keys.indexOf(link.a);
    const j = keys.indexOf(link.b);
    expect(result.profileIds[i]).toBe(result.profileIds[j]);
    const explanation = await store.unitOfWork([], (tx) => explainLink(tx, link.a, link.b));
    expect(explanation).toMatchObject({ sameProfile: true, profileId: result.profileIds[i] });
    if (!explanation.sameProfile) return;
    const step = explanation.chain.find((s) => s.edge.kind === 'probabilistic');
    expect(step?.edge.detail?.probability).toBeGreaterThanOrEqual(0.99);
    expect(step?.edge.detail?.fields.length).toBeGreaterThan(3);
    expect(store.stats().profiles).toBe(new Set(result.profileIds).size);
  });
});
