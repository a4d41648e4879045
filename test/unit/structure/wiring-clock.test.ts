/**
 * Time only from the clock: server code (server/ and the vendor folders' server side, connectors/<vendor>/
 * outside client/) reads the current time through a Clock passed in (app/shared/clock.ts; the runtime
 * passes RuntimeOptions.clock ?? systemClock to every module as ctx.clock), never Date.now() or
 * `new Date()` with no argument. The vendor API clients (connectors/<vendor>/client/) are not server code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const READS_SYSTEM_TIME = /\bDate\.now\b|\bnew Date\(\s*\)/;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'client' && entry.name !== 'node_modules') out.push(...tsFiles(rel));
    } else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

function offenders(file: string): string[] {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      const code = line.trimStart();
      if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return [];
      return READS_SYSTEM_TIME.test(line) ? [`${file}:${i + 1}: ${code}`] : [];
    });
}

describe('time only from the clock', () => {
  const files = [...tsFiles('server'), ...tsFiles('connectors')];
  const found = new Map(files.map((f) => [f, offenders(f)] as const));

  it('scans the server and the vendor folders', () => {
    expect(files).toEqual(
      expect.arrayContaining(['server/runtime.ts', 'server/decisioning/decide.use-case.ts', 'connectors/hubspot/oauth.routes.ts']),
    );
  });

  it('no server file reads the system time itself', () => {
    expect([...found.values()].flat()).toEqual([]);
  });
});
