/**
 * A typed registry through which capability modules offer services to each other (the runs module
 * offers its action registry; decisioning offers a Decider; connectors register action ports) without
 * the composition root knowing every pairing. Keys are typed tokens, so a lookup is as safe as an import.
 */
export interface ServiceKey<T> {
  readonly name: string;
  /** Phantom field carrying the value type; never set. */
  readonly type?: T;
}

export const serviceKey = <T>(name: string): ServiceKey<T> => ({ name });

export class ServiceRegistry {
  private readonly values = new Map<string, unknown>();

  provide<T>(key: ServiceKey<T>, value: T): void {
    if (this.values.has(key.name)) throw new Error(`service "${key.name}" is already provided`);
    this.values.set(key.name, value);
  }

  get<T>(key: ServiceKey<T>): T | undefined {
    return this.values.get(key.name) as T | undefined;
  }

  require<T>(key: ServiceKey<T>): T {
    const value = this.get(key);
    if (value === undefined) throw new Error(`service "${key.name}" is not provided; check the module order in server/modules.ts`);
    return value;
  }
}
