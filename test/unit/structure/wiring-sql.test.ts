/**
 * SQL lives in repositories: an HTTP route file (`*.routes.ts`) or an event-pipeline stage file
 * (`*.stage.ts`, or any file defining a stage: a function returning an EventStage) never issues a
 * statement itself; it calls a `*.repository.ts` function (issue #15).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SQL_CALL = /\.query\s*(?:<[^()]*?>)?\s*\(|\bsql`/;
const DEFINES_STAGE = /\)\s*:\s*EventStage\s*\{/;

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(rel, keep));
    else if (keep(entry.name)) out.push(rel);
  }
  return out;
}

describe('SQL only in repositories', () => {
  const files = ['server', 'connectors']
    .flatMap((dir) => filesUnder(dir, (name) => name.endsWith('.ts')))
    .filter(
      (file) =>
        file.endsWith('.routes.ts') || file.endsWith('.stage.ts') || DEFINES_STAGE.test(readFileSync(path.join(ROOT, file), 'utf8')),
    );

  it('finds the route and stage files', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toEqual(
      expect.arrayContaining([
        'server/decisioning/pipeline.stage.ts',
        'server/identity/identity.routes.ts',
        'connectors/hubspot/writeback.ts',
      ]),
    );
  });

  it('no route or stage file issues a statement', () => {
    const offenders = files.flatMap((file) =>
      readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          SQL_CALL.test(line) && !line.trimStart().startsWith('//') && !line.trimStart().startsWith('*')
            ? [`${file}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(offenders).toEqual([]);
  });
});
