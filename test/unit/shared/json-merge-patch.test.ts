import { mergePatch as engineMergePatch } from '../../../app/orchestration';
import { mergePatch } from '../../../app/shared/json-merge-patch';

describe('the one JSON Merge Patch (RFC 7386)', () => {
  // RFC 7386 appendix A, every example.
  it.each<[unknown, unknown, unknown]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  it('does not change its inputs, and is what the run engine applies to a run context', () => {
    const target = { deal: { stage: 'open', amount: 10 } };
    const patch = { deal: { stage: 'closedwon' } };
    expect(engineMergePatch(target, patch)).toEqual({ deal: { stage: 'closedwon', amount: 10 } });
    expect(target).toEqual({ deal: { stage: 'open', amount: 10 } });
    expect(engineMergePatch).toBe(mergePatch);
  });

  it('merges nested connection settings (a warehouse identifier mapping) instead of replacing them', () => {
    const stored = { engine: 'duckdb', identifiers: { email: 'email', phone: 'mobile' }, traits: ['plan'] };
    expect(mergePatch(stored, { identifiers: { phone: null, externalId: 'id' }, traits: ['plan', 'seats'] })).toEqual({
      engine: 'duckdb',
      identifiers: { email: 'email', externalId: 'id' },
      traits: ['plan', 'seats'],
    });
  });

  it('keeps a "__proto__" key of a request body a plain key', () => {
    const out = mergePatch({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
  });
});
