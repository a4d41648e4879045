import fc from 'fast-check';
import { codeComparison, dateComparison, nameComparison, textComparison, type Columns } from '../../../app/identity/compare/comparisons';
import { editDistance } from '../../../app/identity/compare/edit-distance';
import { jaro, jaroWinkler } from '../../../app/identity/compare/jaro-winkler';

/** Textbook dynamic-programming OSA distance, as an oracle. */
function naiveOsa(a: string, b: string, transpositions = true): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (transpositions && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e'), maxLength: 12 });

describe('Jaro-Winkler', () => {
  it('matches the published reference values', () => {
    expect(jaro('martha', 'marhta')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(0);
  });

  it('is symmetric, bounded, and 1 exactly for equal non-empty strings', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        const s = jaroWinkler(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1 + 1e-12);
        expect(jaroWinkler(b, a)).toBeCloseTo(s, 12);
        if (a.length > 0) expect(jaroWinkler(a, a)).toBe(1);
      }),
    );
  });

  it('works on strings longer than its scratch buffers', () => {
    const long = 'x'.repeat(500) + 'abc';
    expect(jaroWinkler(long, long.replace('abc', 'acb'))).toBeGreaterThan(0.99);
  });
});

describe('edit distance', () => {
  it('equals the textbook OSA and Levenshtein distances', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(editDistance(a, b)).toBe(naiveOsa(a, b));
        expect(editDistance(a, b, Number.MAX_SAFE_INTEGER, false)).toBe(naiveOsa(a, b, false));
      }),
      { numRuns: 500 },
    );
  });

  it('caps at max + 1 when the bound is exceeded, and is exact within it', () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 4 }), (a, b, max) => {
        const exact = naiveOsa(a, b);
        expect(editDistance(a, b, max)).toBe(exact <= max ? exact : max + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('19560409', '19650409')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('comparison levels', () => {
  const columns: Columns = {
    firstName: ['mitchell', 'mitchel', 'green', 'bob', ''],
    lastName: ['green', 'green', 'mitchell', 'smith', 'green'],
    street: ['pridham street', 'pridhamstreet', 'pridham tstreet', 'wallaby place', ''],
    birthDate: ['19560409', '19560904', '19560419', '19650409', ''],
    postcode: ['2119', '2191', '2119', '9999', ''],
  };
  const first = nameComparison('firstName', 'lastName').prepare(columns);
  const street = textComparison('street').prepare(columns);
  const dob = dateComparison('birthDate').prepare(columns);
  const postcode = codeComparison('postcode').prepare(columns);

  it('grades names: exact, fuzzy, swapped, missing', () => {
    expect(first(0, 0)).toBe(1);
    expect(first(0, 1)).toBe(3);
    expect(first(0, 2)).toBe(5);
    expect(first(0, 4)).toBe(0);
    expect(first(0, 3)).toBe(7);
  });

  it('grades text, dates and codes', () => {
    expect(street(0, 1)).toBe(2);
    expect(street(0, 2)).toBe(3);
    expect(street(0, 3)).toBe(5);
    expect(dob(0, 1)).toBe(3);
    expect(dob(0, 2)).toBe(2);
    expect(dob(0, 3)).toBe(2);
    expect(dob(0, 4)).toBe(0);
    expect(postcode(0, 1)).toBe(2);
    expect(postcode(0, 3)).toBe(4);
  });
});
