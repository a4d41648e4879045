/**
 * Offline checks of the package's Apex (it cannot be compiled or deployed here): every class parses with
 * the ANTLR Apex grammar of @apexdevtools/apex-parser, and the parse trees hold the structure issue 7
 * asks for — a `with sharing` controller that reads in user mode, bulk callout-enabled invocable
 * actions, HttpCalloutMock tests for every class that calls out, and a test class for every class.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApexErrorListener,
  ApexParserFactory,
  ClassBodyDeclarationContext,
  IdContext,
  MethodDeclarationContext,
  type AnnotationContext,
  type TypeDeclarationContext,
} from '@apexdevtools/apex-parser';

const classesDir = path.join(__dirname, '../../../extensions/salesforce/force-app/main/default/classes');

interface ParseTreeNode {
  children: ParseTreeNode[] | null;
  getText(): string;
}

interface Annotation {
  readonly name: string;
  /** Element-value pairs, keys and values lower-cased as Apex compares them. */
  readonly pairs: ReadonlyMap<string, string>;
}

interface ApexMethod {
  readonly name: string;
  readonly modifiers: readonly string[];
  readonly annotations: readonly Annotation[];
  readonly returnType: string;
  readonly params: readonly string[];
  /** Lower-cased text of the body without whitespace (the parser drops it). */
  readonly body: string;
  readonly ids: ReadonlySet<string>;
}

interface ApexClass {
  readonly file: string;
  readonly name: string;
  readonly modifiers: readonly string[];
  readonly annotations: readonly Annotation[];
  readonly implementsTypes: readonly string[];
  readonly methods: readonly ApexMethod[];
  readonly text: string;
  readonly ids: ReadonlySet<string>;
  readonly errors: readonly string[];
  readonly isTest: boolean;
}

class Collect extends ApexErrorListener {
  readonly errors: string[] = [];
  apexSyntaxError(line: number, column: number, msg: string): void {
    this.errors.push(`${line}:${column} ${msg}`);
  }
}

const lower = (s: string): string => s.toLowerCase();

function walk(node: ParseTreeNode, visit: (n: ParseTreeNode) => void): void {
  visit(node);
  for (const c of node.children ?? []) walk(c, visit);
}

function idsOf(node: ParseTreeNode): Set<string> {
  const ids = new Set<string>();
  walk(node, (n) => {
    if (n instanceof IdContext) ids.add(lower(n.getText()));
  });
  return ids;
}

function annotationsOf(mods: readonly { annotation(): AnnotationContext | null }[]): Annotation[] {
  return mods.flatMap((m) => {
    const a = m.annotation();
    if (a === null) return [];
    const pairs = new Map<string, string>();
    for (const p of a.elementValuePairs()?.elementValuePair_list() ?? [])
      pairs.set(lower(p.id().getText()), lower(p.elementValue().getText()));
    return [{ name: lower(a.id().getText()), pairs }];
  });
}

function parseApex(file: string, source: string): ApexClass {
  const listener = new Collect();
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  const unit = parser.compilationUnit();
  const type = unit.typeDeclaration() as TypeDeclarationContext | null;
  const decl = type?.classDeclaration() ?? null;
  const methods: ApexMethod[] = [];
  if (decl !== null) {
    walk(decl as unknown as ParseTreeNode, (n) => {
      if (!(n instanceof MethodDeclarationContext)) return;
      // method → memberDeclaration → classBodyDeclaration (which carries the modifiers and annotations)
      const holder = n.parentCtx?.parentCtx;
      const mods = holder instanceof ClassBodyDeclarationContext ? holder.modifier_list() : [];
      methods.push({
        name: lower(n.id().getText()),
        modifiers: mods.filter((m) => m.annotation() === null).map((m) => lower(m.getText())),
        annotations: annotationsOf(mods),
        returnType: lower(n.typeRef()?.getText() ?? 'void'),
        params: (n.formalParameters().formalParameterList()?.formalParameter_list() ?? []).map((p) => lower(p.typeRef().getText())),
        body: lower(n.block()?.getText() ?? ''),
        ids: idsOf(n as unknown as ParseTreeNode),
      });
    });
  }
  const mods = type?.modifier_list() ?? [];
  const annotations = annotationsOf(mods);
  return {
    file,
    name: decl === null ? '' : decl.id().getText(),
    modifiers: mods.filter((m) => m.annotation() === null).map((m) => lower(m.getText())),
    annotations,
    implementsTypes: (decl?.typeList()?.typeRef_list() ?? []).map((t) => lower(t.getText())),
    methods,
    text: lower(unit.getText()),
    ids: idsOf(unit as unknown as ParseTreeNode),
    errors: listener.errors,
    isTest: annotations.some((a) => a.name === 'istest'),
  };
}

const classes = readdirSync(classesDir)
  .filter((f) => f.endsWith('.cls'))
  .sort()
  .map((f) => parseApex(f, readFileSync(path.join(classesDir, f), 'utf8')));
const byName = new Map(classes.map((c) => [lower(c.name), c]));
const tests = classes.filter((c) => c.isTest);
const production = classes.filter((c) => !c.isTest);

/** Classes that call out: `new Http()…send(` themselves, or call a class that does (to a fixed point). */
function calloutClasses(): Set<string> {
  const out = new Set(production.filter((c) => c.text.includes('newhttp()') && c.text.includes('.send(')).map((c) => lower(c.name)));
  for (let grew = true; grew;) {
    grew = false;
    for (const c of production) {
      const n = lower(c.name);
      if (!out.has(n) && [...out].some((o) => c.ids.has(o))) {
        out.add(n);
        grew = true;
      }
    }
  }
  return out;
}

const setsMock = (m: ApexMethod): boolean => m.body.includes('test.setmock(httpcalloutmock.class,');
const isTestMethod = (m: ApexMethod): boolean => m.annotations.some((a) => a.name === 'istest') || m.modifiers.includes('testmethod');

describe('Apex of extensions/salesforce, parsed offline (@apexdevtools/apex-parser)', () => {
  it('parses every class without a syntax error, one outer class named after its file', () => {
    expect(classes.length).toBeGreaterThanOrEqual(12);
    for (const c of classes)
      expect({ file: c.file, errors: c.errors, name: c.name }).toEqual({ file: c.file, errors: [], name: path.basename(c.file, '.cls') });
  });

  it('reports a syntax error (control: the check is not vacuous)', () => {
    const broken = parseApex('Broken.cls', 'public with sharing class Broken { public static void f( { return; } }');
    expect(broken.errors.length).toBeGreaterThan(0);
    const lexical = parseApex('Broken2.cls', "public class Broken2 { String s = 'unterminated; }");
    expect(lexical.errors.length).toBeGreaterThan(0);
  });

  it('declares sharing on every class and never runs without sharing', () => {
    for (const c of production) {
      expect([c.name, c.modifiers.some((m) => m === 'withsharing' || m === 'inheritedsharing')]).toEqual([c.name, true]);
      expect([c.name, c.text.includes('withoutsharing')]).toEqual([c.name, false]);
    }
  });

  it('has a with-sharing card controller whose Aura methods are static and read the record in user mode', () => {
    const ctl = byName.get('batoncardcontroller');
    expect(ctl?.modifiers).toContain('withsharing');
    const aura = ctl?.methods.filter((m) => m.annotations.some((a) => a.name === 'auraenabled')) ?? [];
    expect(aura.map((m) => m.name).sort()).toEqual(['act', 'getcard']);
    for (const m of aura) {
      expect([m.name, m.modifiers.includes('static'), m.modifiers.includes('public') || m.modifiers.includes('global')]).toEqual([
        m.name,
        true,
        true,
      ]);
      // The access check runs before the callout in every Aura method.
      expect([
        m.name,
        m.body.indexOf('requireaccess(recordid)') >= 0 && m.body.indexOf('requireaccess(recordid)') < m.body.indexOf('batonclient.call('),
      ]).toEqual([m.name, true]);
    }
    const access = ctl?.methods.find((m) => m.name === 'requireaccess');
    expect(access?.body).toContain('accesslevel.user_mode');
    expect(ctl?.text).not.toContain('system_mode');
  });

  it('makes every invocable action bulk: static, one List parameter, a List result, callout=true, one per outer class', () => {
    const invocables = production.filter((c) => c.methods.some((m) => m.annotations.some((a) => a.name === 'invocablemethod')));
    expect(invocables.map((c) => c.name).sort()).toEqual(['BatonNextBestAction', 'BatonRecordOutcome', 'BatonStartPlaybook']);
    for (const c of invocables) {
      const ms = c.methods.filter((m) => m.annotations.some((a) => a.name === 'invocablemethod'));
      expect([c.name, ms.length]).toEqual([c.name, 1]);
      const m = ms[0] as ApexMethod;
      const a = m.annotations.find((x) => x.name === 'invocablemethod');
      expect({ c: c.name, callout: a?.pairs.get('callout'), label: (a?.pairs.get('label') ?? '').length > 2 }).toEqual({
        c: c.name,
        callout: 'true',
        label: true,
      });
      expect({ c: c.name, static: m.modifiers.includes('static'), params: m.params.length }).toEqual({
        c: c.name,
        static: true,
        params: 1,
      });
      expect([c.name, m.params[0]]).toEqual([c.name, expect.stringMatching(/^list<\w+>$/)]);
      expect([c.name, m.returnType]).toEqual([c.name, expect.stringMatching(/^list<\w+>$/)]);
      // Same count out as in: the results are built in a loop over what the backend answered for the whole list.
      expect([c.name, m.body.includes(`.size())`)]).toEqual([c.name, true]);
    }
  });

  it('tests every class that calls out with an HttpCalloutMock, and every class with a test class naming it', () => {
    const mocks = tests.filter((t) => t.implementsTypes.includes('httpcalloutmock'));
    expect(mocks.map((m) => m.name)).toEqual(['BatonTestMock']);
    const callouts = calloutClasses();
    expect([...callouts].sort()).toEqual([
      'batoncardcontroller',
      'batonclient',
      'batonflow',
      'batonnextbestaction',
      'batonrecordoutcome',
      'batonstartplaybook',
    ]);
    const testMethods = tests.flatMap((t) => t.methods.filter(isTestMethod));
    for (const c of callouts) {
      expect([c, testMethods.some((m) => m.ids.has(c) && setsMock(m))]).toEqual([c, true]);
    }
    for (const c of production) {
      expect([c.name, tests.some((t) => t.ids.has(lower(c.name)))]).toEqual([c.name, true]);
    }
  });
});
