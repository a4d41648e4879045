/**
 * File suffixes say what a backend file is (issue #15, guard rails), so the next change lands in the right place:
 * - `*.routes.ts`: the file exports an Express Router (or a function returning one); every such file has it.
 * - `*.repository.ts`: the file issues SQL through the Database/Queryable of server/db; outside server/db no other
 *   file does, except the short, explained ALLOWED_SQL list below (shrink it; never grow it without a reason).
 * - `*.port.ts`: a port implementation (a class implementing a port interface), nothing else.
 * "Issues SQL" is decided by the type checker (a `.query(...)` call that resolves to server/db's Queryable), so
 * SOQL and the customer-warehouse clients (connectors/warehouse) do not count. Scope: app/, connectors/, server/.
 */
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');
const DB_DIR = 'server/db/';

/**
 * Files allowed to issue SQL outside a repository, each with what that SQL is and why. Empty: every statement lives
 * in a `*.repository.ts` (or under server/db). Add an entry only with a reason; a file that stops issuing SQL must leave it.
 */
const ALLOWED_SQL: ReadonlyMap<string, string> = new Map<string, string>([]);

interface Scan {
  /** Backend files (relative, forward slashes) → number of SQL calls through server/db's Queryable. */
  readonly sql: ReadonlyMap<string, number>;
  /** Backend files exporting an Express Router or a function returning one. */
  readonly routers: ReadonlySet<string>;
  /** Backend files declaring a class with an `implements` clause. */
  readonly implementers: ReadonlySet<string>;
  /** Backend files naming server/db's Database or Queryable (data access handed a connection or transaction). */
  readonly databaseUsers: ReadonlySet<string>;
  readonly files: readonly string[];
}

function isExpressRouter(type: ts.Type): boolean {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  if (symbol === undefined || symbol.getName() !== 'Router') return false;
  return (symbol.declarations ?? []).some((d) => /[\\/]@types[\\/]express(-serve-static-core)?[\\/]/.test(d.getSourceFile().fileName));
}

const relative = (file: string): string => path.relative(ROOT, file).split(path.sep).join('/');

function scan(): Scan {
  const configPath = path.join(ROOT, 'tsconfig.build.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true, sourceMap: false } });
  const checker = program.getTypeChecker();
  const sql = new Map<string, number>();
  const routers = new Set<string>();
  const implementers = new Set<string>();
  const databaseUsers = new Set<string>();
  const declaredInDb = (symbol: ts.Symbol | undefined): boolean => {
    const target = symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return (target?.declarations ?? []).some((d) => relative(d.getSourceFile().fileName).startsWith(DB_DIR));
  };
  const files: string[] = [];
  for (const sf of program.getSourceFiles()) {
    const rel = relative(sf.fileName);
    if (!/^(app|connectors|server)\//.test(rel) || rel.includes('node_modules/')) continue;
    files.push(rel);
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    for (const exported of moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol)) {
      if ((exported.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Alias)) === 0) continue;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if ((symbol.flags & ts.SymbolFlags.Value) === 0) continue;
      const type = checker.getTypeOfSymbolAtLocation(symbol, sf);
      const declaredHere = (symbol.declarations ?? []).some((d) => d.getSourceFile() === sf);
      if (declaredHere && (isExpressRouter(type) || type.getCallSignatures().some((s) => isExpressRouter(s.getReturnType()))))
        routers.add(rel);
    }
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'query') {
        if (declaredInDb(checker.getSymbolAtLocation(node.expression.name))) sql.set(rel, (sql.get(rel) ?? 0) + 1);
      }
      if (ts.isTypeReferenceNode(node) && declaredInDb(checker.getSymbolAtLocation(node.typeName))) databaseUsers.add(rel);
      if (ts.isClassDeclaration(node) && (node.heritageClauses ?? []).some((h) => h.token === ts.SyntaxKind.ImplementsKeyword))
        implementers.add(rel);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { sql, routers, implementers, databaseUsers, files: files.sort() };
}

describe('file suffixes tell what a file is', () => {
  let found: Scan;
  beforeAll(() => {
    found = scan();
  }, 180_000);

  it('scans the backend', () => {
    expect(found.files.length).toBeGreaterThan(200);
    expect(found.files).toContain('server/db/database.ts');
  });

  it('a file exporting an Express Router is *.routes.ts', () => {
    expect([...found.routers].filter((f) => !f.endsWith('.routes.ts'))).toEqual([]);
  });

  it('every *.routes.ts exports an Express Router', () => {
    expect(found.files.filter((f) => f.endsWith('.routes.ts') && !found.routers.has(f))).toEqual([]);
  });

  it('only repositories (and server/db) issue SQL, apart from the explained allow-list', () => {
    const offenders = [...found.sql.keys()].filter((f) => !f.endsWith('.repository.ts') && !f.startsWith(DB_DIR) && !ALLOWED_SQL.has(f));
    expect(offenders.sort()).toEqual([]);
  });

  it('the allow-list names only files that still issue SQL outside a repository', () => {
    expect([...ALLOWED_SQL.keys()].filter((f) => !found.sql.has(f) || f.endsWith('.repository.ts'))).toEqual([]);
  });

  it('every *.repository.ts is data access: it issues SQL, or works over a Database/Queryable it is handed', () => {
    expect(found.files.filter((f) => f.endsWith('.repository.ts') && !found.sql.has(f) && !found.databaseUsers.has(f))).toEqual([]);
  });

  it('every *.port.ts is a port implementation (declares a class implementing a port)', () => {
    expect(found.files.filter((f) => f.endsWith('.port.ts') && !found.implementers.has(f))).toEqual([]);
  });
});
