import { clonePlain } from '../../../app/orchestration/engine/snapshot-ops';

describe('clonePlain (the copy every run state change is planned on)', () => {
  it('copies plain data deeply: changing the copy leaves the original as it was', () => {
    const original = {
      run: { id: 'r1', lease: { owner: 'a', expiresAt: 1 }, ids: ['e1'] },
      steps: [{ attempts: [{ n: 1 }], output: null }],
    };
    const copy = clonePlain(original);
    expect(copy).toEqual(original);
    copy.run.lease.owner = 'b';
    copy.run.ids.push('e2');
    copy.steps[0]?.attempts.push({ n: 2 });
    expect(original).toEqual({
      run: { id: 'r1', lease: { owner: 'a', expiresAt: 1 }, ids: ['e1'] },
      steps: [{ attempts: [{ n: 1 }], output: null }],
    });
  });

  it('keeps an own "__proto__" key (as JSON.parse makes it) a key, not the prototype', () => {
    const original = JSON.parse('{"context": {"__proto__": {"polluted": true}, "x": 1}}') as { context: Record<string, unknown> };
    const copy = clonePlain(original);
    expect(Object.getPrototypeOf(copy.context)).toBe(Object.prototype);
    expect(Object.keys(copy.context)).toEqual(['__proto__', 'x']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('hands anything that is not plain data to structuredClone', () => {
    const at = new Date(5);
    const copy = clonePlain({ at });
    expect(Object.prototype.toString.call(copy.at)).toBe('[object Date]');
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(5);
  });
});
