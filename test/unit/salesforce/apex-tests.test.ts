/**
 * The package's Apex tests, checked statically (they can only run in an org): every runtime class has a
 * test class naming it; every test method asserts; every class that calls out has callout-mock tests of its
 * failures (Baton refusing or down, the org not connected); every bulk Flow action has a batch-of-200 test;
 * and every @SuppressWarnings carries a comment saying why. The analysers themselves run in
 * apex-analysis.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const classesDir = path.join(__dirname, '../../../extensions/salesforce/force-app/main/default/classes');

/** Comments and string contents replaced by spaces (same length, same lines): braces and names in them no longer count. */
function blankOut(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i] ?? '';
    const next = code[i + 1] ?? '';
    if (c === '/' && next === '/') {
      while (i < code.length && code[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end < 0 ? code.length : end + 2;
      out += code.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'") {
      out += "'";
      i++;
      while (i < code.length && code[i] !== "'") {
        if (code[i] === '\\') {
          out += ' ';
          i++;
        }
        out += code[i] === '\n' ? '\n' : ' ';
        i++;
      }
      out += "'";
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface TestMethod {
  readonly name: string;
  /** The method's source, comments and strings included. */
  readonly body: string;
  /** The same with comments and strings blanked. */
  readonly code: string;
}

interface ApexFile {
  readonly name: string;
  readonly source: string;
  readonly code: string;
  readonly isTest: boolean;
  readonly testMethods: readonly TestMethod[];
}

function testMethodsOf(source: string, code: string): TestMethod[] {
  const methods: TestMethod[] = [];
  for (const m of code.matchAll(/@IsTest\s+(?:(?:public|private|static)\s+)*void\s+(\w+)\s*\([^)]*\)\s*\{/gi)) {
    let depth = 0;
    const open = (m.index ?? 0) + m[0].length - 1;
    let close = open;
    for (let i = open; i < code.length; i++) {
      if (code[i] === '{') depth++;
      else if (code[i] === '}' && --depth === 0) {
        close = i;
        break;
      }
    }
    methods.push({ name: m[1] ?? '', body: source.slice(open, close + 1), code: code.slice(open, close + 1) });
  }
  return methods;
}

function readApex(name: string, source: string): ApexFile {
  const code = blankOut(source);
  return {
    name,
    source,
    code,
    isTest: /@IsTest(?:\([^)]*\))?\s+(?:(?:public|private|global)\s+)?class\s/i.test(code),
    testMethods: testMethodsOf(source, code),
  };
}

const files = readdirSync(classesDir)
  .filter((f) => f.endsWith('.cls'))
  .sort()
  .map((f) => readApex(f.slice(0, -4), readFileSync(path.join(classesDir, f), 'utf8')));
const tests = files.filter((f) => f.isTest);
const runtime = files.filter((f) => !f.isTest);
const names = (code: string, cls: string): boolean => new RegExp(`\\b${cls}\\b`).test(code);
const ASSERT = /\b(?:System\.assert(?:Equals|NotEquals)?|Assert\.\w+)\s*\(/;
const allTestMethods = tests.flatMap((t) => t.testMethods.map((m) => ({ ...m, cls: t.name })));

/** Runtime classes that reach BatonClient.call (themselves, or through a class that does), to a fixed point. */
function calloutClasses(): string[] {
  const out = new Set(runtime.filter((c) => /\bnew\s+Http\s*\(\s*\)\s*\.send\s*\(/.test(c.code)).map((c) => c.name));
  for (let grew = true; grew;) {
    grew = false;
    for (const c of runtime) {
      if (!out.has(c.name) && [...out].some((o) => names(c.code, o))) {
        out.add(c.name);
        grew = true;
      }
    }
  }
  return [...out].sort();
}

describe('Apex test classes of extensions/salesforce (static)', () => {
  it('finds the classes (control: the scanner reads test methods and blanks strings and comments)', () => {
    expect(runtime.map((c) => c.name)).toEqual(
      expect.arrayContaining(['BatonCardController', 'BatonClient', 'BatonFlow', 'BatonSecretRest', 'BatonSigner']),
    );
    const sample = readApex(
      'X',
      "@IsTest\nprivate class X {\n  // BatonClient {\n  @IsTest\n  static void a() { String s = '}BatonFlow'; Assert.isTrue(true, 'x'); }\n  static void helper() {}\n}\n",
    );
    expect(sample.isTest).toBe(true);
    expect(sample.testMethods.map((m) => m.name)).toEqual(['a']);
    expect(sample.testMethods[0]?.body).toContain("'}BatonFlow'");
    expect(names(sample.code, 'BatonClient') || names(sample.code, 'BatonFlow')).toBe(false);
    expect(ASSERT.test(sample.testMethods[0]?.code ?? '')).toBe(true);
    expect(readApex('Y', 'public with sharing class Y { @IsTest static void notATestClass() {} }').isTest).toBe(false);
  });

  it('has, for every runtime class, a test class with test methods that names it in code', () => {
    for (const c of runtime) {
      const covering = tests.filter((t) => t.testMethods.length > 0 && names(t.code, c.name)).map((t) => t.name);
      expect([c.name, covering.length > 0]).toEqual([c.name, true]);
    }
  });

  it('asserts in every test method (System.assert*/Assert.*), and every test class without test methods is a helper other tests use', () => {
    expect(allTestMethods.length).toBeGreaterThanOrEqual(30);
    for (const m of allTestMethods) expect([`${m.cls}.${m.name}`, ASSERT.test(m.code)]).toEqual([`${m.cls}.${m.name}`, true]);
    for (const t of tests.filter((x) => x.testMethods.length === 0)) {
      expect([t.name, /^\s*public\s+class/m.test(t.code)]).toEqual([t.name, true]);
      expect([t.name, tests.some((o) => o !== t && o.testMethods.length > 0 && names(o.code, t.name))]).toEqual([t.name, true]);
    }
    // A "test" that only expects an exception must fail when none comes.
    for (const m of allTestMethods.filter((x) => /\bcatch\s*\(/.test(x.code)))
      expect([`${m.cls}.${m.name}`, /Assert\.fail\(|System\.assert\(\s*false/.test(m.code)]).toEqual([`${m.cls}.${m.name}`, true]);
  });

  it('tests every class that calls out with an HttpCalloutMock: success, Baton refusing (4xx) or down (5xx, unreachable), and the org not connected', () => {
    const callouts = calloutClasses();
    expect(callouts).toEqual([
      'BatonCardController',
      'BatonClient',
      'BatonFlow',
      'BatonNextBestAction',
      'BatonRecordOutcome',
      'BatonStartPlaybook',
    ]);
    for (const c of callouts) {
      const mine = allTestMethods.filter((m) => names(m.code, c) && /Test\.setMock\(\s*HttpCalloutMock\.class/.test(m.code));
      const ok = mine.some((m) => /new BatonTestMock\(\s*2\d\d\b/.test(m.code) && !/BatonTestMock\.down\(\)/.test(m.code));
      const failing = mine.some((m) => /new BatonTestMock\(\s*[45]\d\d\b/.test(m.code) || /BatonTestMock\.down\(\)/.test(m.code));
      const notConnected = mine.some((m) => !/BatonTestMock\.configure\(\)/.test(m.code) && /mock\.calls/.test(m.code));
      expect({ c, ok, failing, notConnected }).toEqual({ c, ok: true, failing: true, notConnected: true });
    }
  });

  it('runs every bulk Flow action on a batch of 200 in one callout', () => {
    const invocables = runtime.filter((c) => /@InvocableMethod\b/.test(c.code)).map((c) => c.name);
    expect(invocables.length).toBe(3);
    for (const c of invocables) {
      const bulk = allTestMethods.filter(
        (m) => names(m.code, c) && /\bBATCH\b|\b200\b/.test(m.code) && /Assert\.areEqual\(\s*1\s*,\s*mock\.calls/.test(m.code),
      );
      expect([c, bulk.length > 0]).toEqual([c, true]);
    }
    const constant = files.filter((f) => /static final Integer BATCH = 200;/.test(f.code)).map((f) => f.name);
    expect(constant).toEqual(['BatonFlowActionsTest']);
  });

  it('says why, in place, for every @SuppressWarnings', () => {
    let count = 0;
    for (const f of files) {
      const lines = f.source.split('\n');
      lines.forEach((line, i) => {
        if (!/@SuppressWarnings\(/i.test(line)) return;
        count++;
        const why: string[] = [];
        for (let j = i - 1; j >= 0 && /^\s*\/\//.test(lines[j] ?? ''); j--) why.unshift((lines[j] ?? '').replace(/^\s*\/\/\s?/, ''));
        expect([`${f.name}.cls:${i + 1}`, why.join(' ').length >= 60]).toEqual([`${f.name}.cls:${i + 1}`, true]);
        // Named rules only: a bare 'PMD' would silence every rule at once.
        for (const value of line
          .match(/'([^']*)'/)?.[1]
          ?.split(',')
          .map((s) => s.trim()) ?? [])
          expect([`${f.name}.cls:${i + 1}`, value]).toEqual([`${f.name}.cls:${i + 1}`, expect.stringMatching(/^(PMD\.\w+|Unused)$/)]);
      });
    }
    expect(count).toBeGreaterThan(0);
  });
});
