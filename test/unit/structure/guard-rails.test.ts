/**
 * The guard rails stay on (issue #15): every TypeScript folder is linted with the type-aware promise rules, and
 * Prettier formats the code while leaving generated files alone. A config edit that drops a folder fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';

const ROOT = path.resolve(__dirname, '../../..');

/** One real file per tsconfig / folder the lint must cover. */
const SAMPLES = [
  'app/shared/clock.ts',
  'connectors/llm/index.ts',
  'connectors/hubspot/index.ts',
  'server/main.ts',
  'scripts/demo.ts',
  'bench/run.ts',
  'test/unit/structure/guard-rails.test.ts',
  'extensions/console/src/App.tsx',
  'extensions/console/test/dead-letters-page.test.tsx',
  'extensions/hubspot/src/app/cards/lib/api.ts',
];

describe('guard rails', () => {
  const eslint = new ESLint({ cwd: ROOT });

  it.each(SAMPLES)('%s is linted with no-floating-promises and no-misused-promises as errors, with type information', async (file) => {
    const config = (await eslint.calculateConfigForFile(path.join(ROOT, file))) as {
      rules: Record<string, unknown[]>;
      languageOptions: { parserOptions?: { projectService?: unknown } };
    };
    expect(config.rules['@typescript-eslint/no-floating-promises']?.[0]).toBe(2);
    expect(config.rules['@typescript-eslint/no-misused-promises']?.[0]).toBe(2);
    expect(config.languageOptions.parserOptions?.projectService).toBeTruthy();
  });

  it('Prettier formats the code and leaves generated and data files alone', async () => {
    const ignored = async (file: string): Promise<boolean> =>
      (await prettier.getFileInfo(path.join(ROOT, file), { ignorePath: path.join(ROOT, '.prettierignore') })).ignored;
    for (const file of ['server/main.ts', 'extensions/console/src/App.tsx', 'eslint.config.mjs', 'package.json'])
      expect(await ignored(file)).toBe(false);
    for (const file of [
      'package-lock.json',
      'app/signals/model/intent-model.json',
      'extensions/hubspot/src/app/cards/lib/contract/card-view.ts',
      'extensions/hubspot/hsproject.json',
    ]) {
      expect(await ignored(file)).toBe(true);
    }
    const options = await prettier.resolveConfig(path.join(ROOT, 'server/main.ts'));
    expect(options).toMatchObject({ singleQuote: true, semi: true, trailingComma: 'all' });
  });

  it('npm run lint runs ESLint, the Prettier check and dependency-cruiser', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['lint']).toEqual(expect.stringContaining('eslint .'));
    expect(scripts['lint']).toEqual(expect.stringContaining('prettier --check .'));
    expect(scripts['lint']).toEqual(expect.stringContaining('npm run depcheck'));
  });
});
