/**
 * The one rule for tests that need something outside this repository (a service, a tool, a dataset):
 * when it is there, the test runs; when it is missing, a developer's `npm test` skips the test and
 * names what is missing, but under `CI=true` the test FAILS, naming what is missing. Nothing else may
 * skip a test: a step that cannot run because of the data or the server under test is a failure.
 */

export type Verdict =
  { readonly kind: 'run' } | { readonly kind: 'skip'; readonly reason: string } | { readonly kind: 'fail'; readonly reason: string };

const isCi = (): boolean => process.env['CI'] === 'true';

/** What to do with a test that needs `what`: run it, skip it (not CI), or fail it (CI). */
export function verdictFor(available: boolean, what: string, ci: boolean = isCi()): Verdict {
  if (available) return { kind: 'run' };
  return ci
    ? { kind: 'fail', reason: `${what} is missing, and CI=true requires it` }
    : { kind: 'skip', reason: `skipped: ${what} is missing (CI=true makes this a failure)` };
}

type TestFn = (name: string, fn: () => unknown, timeout?: number) => void;
type SuiteFn = (name: string, fn: () => void) => void;

export interface JestGlobals {
  readonly it: TestFn & { skip: TestFn };
  readonly describe: SuiteFn & { skip: SuiteFn };
}

export interface Requirement {
  readonly verdict: Verdict;
  /** `describe` that runs, is skipped with the reason in its name, or holds one failing test. */
  describe(name: string, fn: () => void): void;
  /** `it` that runs, is skipped with the reason in its name, or fails with the reason. */
  it(name: string, fn: () => unknown, timeout?: number): void;
  /**
   * For a part of a running test: true when it can run; otherwise throws under CI, or writes the
   * reason to stderr and returns false.
   */
  step(name: string): boolean;
}

/**
 * `requireOrSkip(existsSync(file), 'the FEBRL datasets (../shared)').it('…', …)`. `globals` and `ci`
 * are for this helper's own test.
 */
export function requireOrSkip(available: boolean, what: string, options: { ci?: boolean; globals?: JestGlobals } = {}): Requirement {
  const verdict = verdictFor(available, what, options.ci ?? isCi());
  const g: JestGlobals = options.globals ?? {
    it: it as unknown as JestGlobals['it'],
    describe: describe as unknown as JestGlobals['describe'],
  };
  const failure = (): never => {
    throw new Error(verdict.kind === 'run' ? 'unreachable' : verdict.reason);
  };
  return {
    verdict,
    describe(name, fn) {
      if (verdict.kind === 'run') g.describe(name, fn);
      else if (verdict.kind === 'skip') g.describe.skip(`${name} [${verdict.reason}]`, fn);
      else g.describe(name, () => g.it(`needs ${what}`, failure));
    },
    it(name, fn, timeout) {
      if (verdict.kind === 'run') g.it(name, fn, timeout);
      else if (verdict.kind === 'skip') g.it.skip(`${name} [${verdict.reason}]`, fn, timeout);
      else g.it(name, failure);
    },
    step(name) {
      if (verdict.kind === 'run') return true;
      if (verdict.kind === 'fail') throw new Error(`${name}: ${verdict.reason}`);
      process.stderr.write(`[baton tests] ${name}: ${verdict.reason}\n`);
      return false;
    },
  };
}
