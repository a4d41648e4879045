import { requireOrSkip, verdictFor, type JestGlobals } from '../../support/require-or-skip';

/** Records what requireOrSkip registers instead of registering it with jest. */
function recorder(): { globals: JestGlobals; registered: { kind: string; name: string; fn: () => unknown }[] } {
  const registered: { kind: string; name: string; fn: () => unknown }[] = [];
  const add = (kind: string) => (name: string, fn: () => unknown) => void registered.push({ kind, name, fn });
  const it = Object.assign(add('it'), { skip: add('it.skip') });
  const describe = Object.assign(
    (name: string, fn: () => void) => {
      registered.push({ kind: 'describe', name, fn });
      fn();
    },
    { skip: add('describe.skip') },
  );
  return { globals: { it, describe }, registered };
}

describe('requireOrSkip: a missing service or tool skips locally and fails under CI=true', () => {
  it('decides run / skip / fail from availability and CI', () => {
    expect(verdictFor(true, 'Chromium', true)).toEqual({ kind: 'run' });
    expect(verdictFor(true, 'Chromium', false)).toEqual({ kind: 'run' });
    expect(verdictFor(false, 'Chromium', false)).toEqual({
      kind: 'skip',
      reason: 'skipped: Chromium is missing (CI=true makes this a failure)',
    });
    expect(verdictFor(false, 'Chromium', true)).toEqual({ kind: 'fail', reason: 'Chromium is missing, and CI=true requires it' });
  });

  it('registers the real test when available', () => {
    const { globals, registered } = recorder();
    const body = (): number => 42;
    requireOrSkip(true, 'the dataset', { ci: true, globals }).it('scores', body);
    expect(registered).toEqual([{ kind: 'it', name: 'scores', fn: body }]);
  });

  it('skips with the reason in the name when missing outside CI', () => {
    const { globals, registered } = recorder();
    requireOrSkip(false, 'the dataset', { ci: false, globals }).it('scores', () => 42);
    requireOrSkip(false, 'Redis', { ci: false, globals }).describe('queues', () => undefined);
    expect(registered.map((r) => [r.kind, r.name])).toEqual([
      ['it.skip', 'scores [skipped: the dataset is missing (CI=true makes this a failure)]'],
      ['describe.skip', 'queues [skipped: Redis is missing (CI=true makes this a failure)]'],
    ]);
  });

  it('registers a failing test instead when missing under CI', () => {
    const { globals, registered } = recorder();
    requireOrSkip(false, 'the dataset', { ci: true, globals }).it('scores', () => 42);
    requireOrSkip(false, 'Redis', { ci: true, globals }).describe('queues', () => undefined);
    expect(registered.map((r) => [r.kind, r.name])).toEqual([
      ['it', 'scores'],
      ['describe', 'queues'],
      ['it', 'needs Redis'],
    ]);
    for (const r of registered.filter((x) => x.kind === 'it')) expect(r.fn).toThrow(/is missing, and CI=true requires it/);
  });

  it('gates a step inside a test: true when available, false outside CI, an error under CI', () => {
    expect(requireOrSkip(true, 'Chromium', { ci: true }).step('the browser part')).toBe(true);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(requireOrSkip(false, 'Chromium', { ci: false }).step('the browser part')).toBe(false);
      expect(write).toHaveBeenCalledWith(expect.stringContaining('the browser part: skipped: Chromium is missing'));
    } finally {
      write.mockRestore();
    }
    expect(() => requireOrSkip(false, 'Chromium', { ci: true }).step('the browser part')).toThrow(
      'the browser part: Chromium is missing, and CI=true requires it',
    );
  });
});
