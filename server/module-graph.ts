/**
 * Builds the registry's modules in dependency order (docs/ARCHITECTURE.md, "Capability modules and the
 * service registry"). A declared module (`defineModule`) is built once every service it needs, and every
 * service it uses that some listed module provides, is there (a use no declared module provides may
 * come from a plain-function factory: it then also waits for those listed before it); a plain-function
 * factory once every entry listed before it is built. Among the modules ready to build, the first in registry order goes first,
 * so the result does not depend on anything but the registry and the declarations. A need no listed
 * module provides, a service provided twice, a cycle, or a module not providing what it declared stops
 * the start-up with a message naming the module and the service.
 */
import type { ModuleContext, ModuleDefinition, ModuleFactory, ServiceKeys, ServiceModule } from './module';
import type { ServiceRegistry } from './services';

export class ModuleWiringError extends Error {
  override readonly name = 'ModuleWiringError';
}

type Entry = { readonly index: number; readonly name: string; readonly factory: ModuleFactory };

const isDeclared = (f: ModuleFactory): f is ModuleDefinition => typeof f !== 'function';
const keysOf = (keys: ServiceKeys | undefined): [string, string][] => Object.entries(keys ?? {}).map(([as, key]) => [as, key.name]);

/** The registry's modules, built; returned in registry order (the order of pipeline stages, handlers and start). */
export function buildModules(
  factories: readonly ModuleFactory[],
  ctx: ModuleContext & { readonly services: ServiceRegistry },
): ServiceModule[] {
  const entries: Entry[] = factories.map((factory, index) => ({
    index,
    factory,
    name: isDeclared(factory) ? factory.name : factory.name || `module #${index + 1}`,
  }));
  const providers = new Map<string, string>();
  for (const e of entries) {
    if (!isDeclared(e.factory)) continue;
    for (const key of e.factory.provides ?? []) {
      const other = providers.get(key.name);
      if (other !== undefined)
        throw new ModuleWiringError(`service "${key.name}" is provided by both module "${other}" and module "${e.name}"`);
      providers.set(key.name, e.name);
    }
  }
  for (const e of entries) {
    if (!isDeclared(e.factory)) continue;
    for (const [, key] of keysOf(e.factory.needs)) {
      if (!providers.has(key))
        throw new ModuleWiringError(
          `module "${e.name}" needs service "${key}", which no module in the registry provides (server/modules.ts)`,
        );
    }
  }

  const built = new Map<number, ServiceModule>();
  const waitingFor = (e: Entry): string[] => {
    const f = e.factory;
    if (!isDeclared(f))
      return entries.filter((o) => o.index < e.index && !built.has(o.index)).map((o) => `module "${o.name}" (listed before it)`);
    const wanted = [...keysOf(f.needs), ...keysOf(f.uses).filter(([, key]) => providers.has(key))];
    const undeclared = keysOf(f.uses).some(([, key]) => !providers.has(key));
    const legacyBefore = undeclared
      ? entries
          .filter((o) => o.index < e.index && !isDeclared(o.factory) && !built.has(o.index))
          .map((o) => `module "${o.name}" (a plain function listed before it)`)
      : [];
    return [
      ...wanted
        .filter(([, key]) => ctx.services.get({ name: key }) === undefined)
        .map(([, key]) => `service "${key}" of module "${providers.get(key) ?? '?'}"`),
      ...legacyBefore,
    ];
  };
  while (built.size < entries.length) {
    const next = entries.find((e) => !built.has(e.index) && waitingFor(e).length === 0);
    if (next === undefined) {
      const stuck = entries.filter((e) => !built.has(e.index)).map((e) => `"${e.name}" waits for ${waitingFor(e).join(', ')}`);
      throw new ModuleWiringError(`the modules' dependencies form a cycle: ${stuck.join('; ')}`);
    }
    built.set(next.index, buildOne(next, ctx));
  }
  return entries.map((e) => built.get(e.index) as ServiceModule);
}

function buildOne(e: Entry, ctx: ModuleContext & { readonly services: ServiceRegistry }): ServiceModule {
  const f = e.factory;
  if (!isDeclared(f)) return f(ctx);
  const deps: Record<string, unknown> = {};
  for (const [as, key] of [...keysOf(f.needs), ...keysOf(f.uses)]) {
    const value = ctx.services.get({ name: key });
    if (value !== undefined) deps[as] = value;
  }
  const { module, provided = [] } = f.build(ctx, deps);
  const declared = new Set((f.provides ?? []).map((k) => k.name));
  for (const p of provided) {
    if (!declared.has(p.key.name))
      throw new ModuleWiringError(`module "${e.name}" provided service "${p.key.name}" without declaring it in provides`);
    ctx.services.provide(p.key, p.value);
    declared.delete(p.key.name);
  }
  const missing = [...declared];
  if (missing.length > 0)
    throw new ModuleWiringError(`module "${e.name}" declares it provides ${missing.map((k) => `"${k}"`).join(', ')} but did not`);
  return module;
}
