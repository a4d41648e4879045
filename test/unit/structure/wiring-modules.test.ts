/**
 * The runtime builds modules in dependency order and refuses to start, naming the module and the
 * service, when a dependency is missing or the dependencies form a cycle (server/module-graph.ts).
 */
import { buildModules, ModuleWiringError } from '../../../server/module-graph';
import { defineModule, provide, type ModuleContext, type ModuleFactory } from '../../../server/module';
import { modules as registry } from '../../../server/modules';
import { serviceKey, ServiceRegistry } from '../../../server/services';

const A = serviceKey<{ a: number }>('test.a');
const B = serviceKey<{ b: string }>('test.b');

function context(): ModuleContext & { services: ServiceRegistry } {
  // Only `services` and `loadedModules` are read by the graph; the modules here touch nothing else.
  return { services: new ServiceRegistry(), loadedModules: () => [] } as unknown as ModuleContext & { services: ServiceRegistry };
}

describe('module wiring', () => {
  it('builds a provider before the module needing it, whatever the registry order, and keeps registry order for the result', () => {
    const built: string[] = [];
    const needsA = defineModule({
      name: 'needs-a',
      needs: { a: A },
      provides: [B],
      build(_ctx, { a }) {
        built.push('needs-a');
        return { module: { name: 'needs-a' }, provided: [provide(B, { b: String(a.a) })] };
      },
    });
    const providesA = defineModule({
      name: 'provides-a',
      provides: [A],
      build() {
        built.push('provides-a');
        return { module: { name: 'provides-a' }, provided: [provide(A, { a: 7 })] };
      },
    });
    const ctx = context();
    const loaded = buildModules([needsA, providesA], ctx);
    expect(built).toEqual(['provides-a', 'needs-a']);
    expect(loaded.map((m) => m.name)).toEqual(['needs-a', 'provides-a']);
    expect(ctx.services.get(B)).toEqual({ b: '7' });
  });

  it('passes a used service when some module provides it, and leaves it out otherwise', () => {
    const seen: unknown[] = [];
    const usesA = defineModule({
      name: 'uses-a',
      uses: { a: A },
      build(_ctx, { a }) {
        seen.push(a);
        return { module: { name: 'uses-a' } };
      },
    });
    const providesA = defineModule({
      name: 'provides-a',
      provides: [A],
      build: () => ({ module: { name: 'provides-a' }, provided: [provide(A, { a: 1 })] }),
    });
    buildModules([usesA], context());
    buildModules([usesA, providesA], context());
    expect(seen).toEqual([undefined, { a: 1 }]);
  });

  it('refuses a need no module provides, naming the module and the service', () => {
    const needsA = defineModule({ name: 'needs-a', needs: { a: A }, build: () => ({ module: { name: 'needs-a' } }) });
    expect(() => buildModules([needsA], context())).toThrow(
      new ModuleWiringError('module "needs-a" needs service "test.a", which no module in the registry provides (server/modules.ts)'),
    );
  });

  it('refuses a cycle, naming what each module waits for', () => {
    const one = defineModule({
      name: 'one',
      needs: { b: B },
      provides: [A],
      build: () => ({ module: { name: 'one' }, provided: [provide(A, { a: 1 })] }),
    });
    const two = defineModule({
      name: 'two',
      needs: { a: A },
      provides: [B],
      build: () => ({ module: { name: 'two' }, provided: [provide(B, { b: '' })] }),
    });
    expect(() => buildModules([one, two], context())).toThrow(
      /cycle: "one" waits for service "test.b" of module "two"; "two" waits for service "test.a" of module "one"/,
    );
  });

  it('refuses a service provided twice, or declared and not provided', () => {
    const a1 = defineModule({ name: 'a1', provides: [A], build: () => ({ module: { name: 'a1' }, provided: [provide(A, { a: 1 })] }) });
    const a2 = defineModule({ name: 'a2', provides: [A], build: () => ({ module: { name: 'a2' }, provided: [provide(A, { a: 2 })] }) });
    expect(() => buildModules([a1, a2], context())).toThrow(/"test.a" is provided by both module "a1" and module "a2"/);
    const liar = defineModule({ name: 'liar', provides: [A], build: () => ({ module: { name: 'liar' } }) });
    expect(() => buildModules([liar], context())).toThrow(/module "liar" declares it provides "test.a" but did not/);
  });

  it('builds a plain-function module after every module listed before it', () => {
    const order: string[] = [];
    const legacy: ModuleFactory = (ctx) => {
      order.push(`legacy saw ${JSON.stringify(ctx.services.get(B))}`);
      return { name: 'legacy' };
    };
    const needsA = defineModule({
      name: 'needs-a',
      needs: { a: A },
      provides: [B],
      build: () => (order.push('needs-a'), { module: { name: 'needs-a' }, provided: [provide(B, { b: 'x' })] }),
    });
    const providesA = defineModule({
      name: 'provides-a',
      provides: [A],
      build: () => (order.push('provides-a'), { module: { name: 'provides-a' }, provided: [provide(A, { a: 1 })] }),
    });
    buildModules([needsA, legacy, providesA], context());
    expect(order).toEqual(['provides-a', 'needs-a', 'legacy saw {"b":"x"}']);
  });

  it('builds a declared module after a plain-function module listed before it (which may provide what it uses)', () => {
    const seen: unknown[] = [];
    const legacyProvidesA: ModuleFactory = (ctx) => {
      ctx.services.provide(A, { a: 3 });
      return { name: 'legacy-a' };
    };
    const needsB = defineModule({ name: 'needs-b', needs: { b: B }, build: () => ({ module: { name: 'needs-b' } }) });
    const providesB = defineModule({
      name: 'provides-b',
      provides: [B],
      build: () => ({ module: { name: 'provides-b' }, provided: [provide(B, { b: '' })] }),
    });
    const usesA = defineModule({ name: 'uses-a', uses: { a: A }, build: (_ctx, { a }) => (seen.push(a), { module: { name: 'uses-a' } }) });
    buildModules([needsB, legacyProvidesA, usesA, providesB], context());
    expect(seen).toEqual([{ a: 3 }]);
  });

  it('every module of the service registry is declared: no lazy lookups in ctx.services', () => {
    expect(registry.filter((m) => typeof m === 'function').map((m) => (m as { name: string }).name)).toEqual([]);
  });

  it('the service registry declares every need of its modules (nothing missing, no cycle)', () => {
    const names = new Set<string>();
    const provided = new Set<string>();
    for (const m of registry) {
      if (typeof m === 'function') continue;
      names.add(m.name);
      for (const k of m.provides ?? []) provided.add(k.name);
    }
    for (const m of registry) {
      if (typeof m === 'function') continue;
      for (const key of Object.values(m.needs ?? {}))
        expect(`${m.name} needs ${key.name}: ${provided.has(key.name)}`).toBe(`${m.name} needs ${key.name}: true`);
    }
    expect([...names]).toEqual(
      expect.arrayContaining(['identity', 'decisioning', 'automation', 'cards', 'runs', 'messaging', 'hubspot', 'salesforce']),
    );
  });
});
