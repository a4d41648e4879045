/**
 * Every vendor folder follows the shape docs/ADDING_A_CONNECTOR.md describes: one folder under
 * connectors/, an index.ts that is its only door, imports limited to its own folder, connectors/shared,
 * app/ and server/platform (never from client/), tests under test/ that use it, and either a module
 * registered in server/modules.ts or a capability in server/ that uses it through its index.
 * ESLint and dependency-cruiser hold the same boundaries file by file; this test holds the whole shape,
 * and fails when a new folder is added without its registry line, its lint entry or its tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CONNECTORS = path.join(ROOT, 'connectors');
/** Not a vendor: small helpers every vendor may use (constant-time compare, HTTP error classification). */
const NOT_VENDORS = new Set(['shared']);
/** Vendors used as a library by a capability module in server/ rather than plugging in as a module of their own. */
const LIBRARY_VENDORS: Readonly<Record<string, string>> = {
  llm: 'server/decisioning (the signal extractor)',
  warehouse: 'server/warehouse (sync and export jobs)',
};

const rel = (file: string): string => path.relative(ROOT, file).split(path.sep).join('/');
const read = (file: string): string => readFileSync(file, 'utf8');

function filesUnder(dir: string, test: (name: string) => boolean = (n) => n.endsWith('.ts')): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : filesUnder(full, test);
    return test(name) ? [full] : [];
  });
}

/** The module specifiers a TypeScript file imports or re-exports (static and dynamic). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  // Statements at the start of a line (a specifier-like text inside a string is not an import), and dynamic imports.
  const re = /^(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** The repository path a relative specifier points at (without extension), or undefined for a package. */
function target(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return rel(path.resolve(path.dirname(fromFile), spec)).replace(/\.(ts|js)$/, '');
}

const vendors = readdirSync(CONNECTORS)
  .filter((name) => statSync(path.join(CONNECTORS, name)).isDirectory() && !NOT_VENDORS.has(name))
  .sort();
const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const registry = read(path.join(ROOT, 'server/modules.ts'));
const testSources = filesUnder(path.join(ROOT, 'test'), (n) => /\.tsx?$/.test(n)).map((f) => ({ file: rel(f), text: read(f) }));

describe('vendor folders (connectors/<vendor>/)', () => {
  it('are the vendors the lint rules know (eslint.config.mjs, .dependency-cruiser.cjs)', () => {
    for (const config of ['eslint.config.mjs', '.dependency-cruiser.cjs']) {
      const m = /const vendors = \[([^\]]*)\]/.exec(read(path.join(ROOT, config)));
      const listed = (m?.[1] ?? '')
        .split(',')
        .map((s) => s.trim().replace(/^'|'$/g, ''))
        .filter((s) => s !== '')
        .sort();
      expect({ config, vendors: listed }).toEqual({ config, vendors });
    }
  });

  describe.each(vendors)('%s', (vendor) => {
    const dir = path.join(CONNECTORS, vendor);
    const files = filesUnder(dir);

    it('has an index.ts, its only door', () => {
      expect(existsSync(path.join(dir, 'index.ts'))).toBe(true);
    });

    it('imports only its own folder, connectors/shared, app/ and server/platform (its client/ not even that)', () => {
      const bad: string[] = [];
      for (const file of files) {
        const inClient = rel(file).startsWith(`connectors/${vendor}/client/`);
        for (const spec of specifiers(read(file))) {
          const to = target(file, spec);
          if (to === undefined) continue; // a package
          const ok =
            to.startsWith(`connectors/${vendor}/`) ||
            to.startsWith('connectors/shared/') ||
            to.startsWith('app/') ||
            to === 'manifest.json' ||
            (!inClient && (to === 'server/platform' || to === 'server/platform/index'));
          if (!ok) bad.push(`${rel(file)} → ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it('is reached from server/ only through its index.ts', () => {
      const bad: string[] = [];
      for (const file of filesUnder(path.join(ROOT, 'server'))) {
        for (const spec of specifiers(read(file))) {
          const to = target(file, spec);
          if (to?.startsWith(`connectors/${vendor}/`) === true) bad.push(`${rel(file)} → ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it('has tests under test/ that use it', () => {
      const users = testSources.filter((t) => t.text.includes(`connectors/${vendor}'`) || t.text.includes(`connectors/${vendor}/`));
      expect(users.map((t) => t.file)).not.toEqual([]);
    });

    if (LIBRARY_VENDORS[vendor] !== undefined) {
      it(`is used through its index by ${LIBRARY_VENDORS[vendor]}`, () => {
        const users = filesUnder(path.join(ROOT, 'server')).filter((f) =>
          specifiers(read(f)).some((s) => target(f, s) === `connectors/${vendor}`),
        );
        expect(users).not.toEqual([]);
      });
    } else {
      it(`exports its module factory ${camel(vendor)}Module from index.ts, listed once in server/modules.ts`, () => {
        const name = `${camel(vendor)}Module`;
        // Read, not run: the module graph is the runtime's business (test/unit/structure/wiring-*.test.ts).
        expect(read(path.join(dir, 'index.ts'))).toMatch(new RegExp(`^export \\{[^}]*\\b${name}\\b[^}]*\\} from '\\./`, 'm'));
        // One registry line: the import from the vendor's index, and the factory once in the list.
        expect(registry.match(new RegExp(`^import \\{ ${name} \\} from '\\.\\./connectors/${vendor}';$`, 'gm'))).toHaveLength(1);
        const list = /export const modules[^=]*=\s*\[([^\]]*)\]/.exec(registry)?.[1] ?? '';
        expect(list.match(new RegExp(`\\b${name}\\b`, 'g'))).toHaveLength(1);
      });
    }
  });
});
