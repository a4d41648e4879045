/**
 * `npm start` (bin/start.js) runs dist/ and never compiles: a missing or stale dist/ is refused with
 * the command to run. Every case works on a temporary copy of the layout (BATON_ROOT), never on the
 * checkout's own dist/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LAUNCHER = path.join(__dirname, '../../../bin/start.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require(LAUNCHER) as { staleReason: (root: string) => string | undefined };

const OLD = new Date('2026-01-01T00:00:00Z');
const NEW = new Date('2026-01-02T00:00:00Z');

function write(root: string, rel: string, content: string, at: Date): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  utimesSync(file, at, at);
}

/** A built checkout: sources at OLD, outputs at NEW; dist/server/main.js prints a line and exits. */
function builtCheckout(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-start-'));
  write(root, 'server/main.ts', 'export {};', OLD);
  write(root, 'app/x/y.ts', 'export {};', OLD);
  write(root, 'app/x/types.d.ts', 'export {};', NEW);
  write(root, 'app/x/model.json', '{}', OLD);
  write(root, 'app/x/README.md', 'notes', NEW);
  write(root, 'connectors/c/z.ts', 'export {};', OLD);
  write(root, 'manifest.json', '{}', OLD);
  write(root, 'extensions/console/src/App.tsx', '', OLD);
  write(root, 'dist/server/main.js', "process.stdout.write('service main ran\\n');", NEW);
  write(root, 'dist/app/x/y.js', '', NEW);
  write(root, 'dist/app/x/model.json', '{}', NEW);
  write(root, 'dist/connectors/c/z.js', '', NEW);
  write(root, 'dist/manifest.json', '{}', NEW);
  write(root, 'dist/console/index.html', '', NEW);
  return root;
}

const launch = (root: string) =>
  spawnSync(process.execPath, [LAUNCHER], {
    env: { PATH: process.env['PATH'] ?? '', BATON_ROOT: root },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('npm start launcher (bin/start.js)', () => {
  const roots: string[] = [];
  const checkout = (): string => {
    const root = builtCheckout();
    roots.push(root);
    return root;
  };
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('runs dist/server/main.js when dist/ is current (a declaration file or a README does not count)', () => {
    const root = checkout();
    expect(staleReason(root)).toBeUndefined();
    const r = launch(root);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('service main ran\n');
  });

  it('refuses a source newer than its output, naming the file and the command to run', () => {
    const root = checkout();
    const later = new Date('2026-01-03T00:00:00Z');
    utimesSync(path.join(root, 'server/main.ts'), later, later);
    const r = launch(root);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('dist/ is older than the sources (server/main.ts changed)');
    expect(r.stderr).toContain('run `npm run build`');
  });

  it('refuses a new source file that has no output yet', () => {
    const root = checkout();
    write(root, 'connectors/c/added.ts', 'export {};', OLD);
    expect(staleReason(root)).toBe('dist/ has no connectors/c/added.js for connectors/c/added.ts');
    expect(launch(root).status).toBe(1);
  });

  it('refuses an imported JSON file changed after the build', () => {
    const root = checkout();
    write(root, 'app/x/model.json', '{"v":2}', new Date('2026-01-03T00:00:00Z'));
    expect(staleReason(root)).toBe('dist/ is older than the sources (app/x/model.json changed)');
  });

  it('refuses a console source newer than the built console', () => {
    const root = checkout();
    write(root, 'extensions/console/src/App.tsx', 'changed', new Date('2026-01-03T00:00:00Z'));
    expect(staleReason(root)).toBe('dist/console is older than the sources (extensions/console/src/App.tsx changed)');
    expect(launch(root).status).toBe(1);
  });

  it('refuses a checkout that was never built', () => {
    const root = checkout();
    rmSync(path.join(root, 'dist'), { recursive: true });
    const r = launch(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('dist/ is missing');
    expect(r.stderr).toContain('run `npm run build`');
  });
});
