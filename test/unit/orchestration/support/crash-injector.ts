/** Thrown by a wrapped port to simulate the process dying at that point. */
export class SimulatedCrash extends Error {
  constructor(
    readonly call: number,
    readonly where: string,
    readonly when: 'before' | 'after',
  ) {
    super(`simulated crash ${when} call #${call} (${where})`);
    this.name = 'SimulatedCrash';
  }
}

/**
 * Counts every call made through wrapped ports and throws SimulatedCrash at the chosen call
 * numbers — before the call reaches the port (nothing happened) or after it (the effect or write
 * happened but the caller never learns it).
 */
export class CrashPlan {
  calls = 0;
  crashes = 0;
  readonly log: string[] = [];

  constructor(
    private readonly crashAt: ReadonlySet<number> = new Set(),
    private readonly when: 'before' | 'after' = 'before',
  ) {}

  wrap<T extends object>(name: string, target: T): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        return async (...args: unknown[]) => {
          this.calls += 1;
          const call = this.calls;
          const where = `${name}.${String(property)}`;
          this.log.push(where);
          const crash = this.crashAt.has(call);
          if (crash && this.when === 'before') {
            this.crashes += 1;
            throw new SimulatedCrash(call, where, 'before');
          }
          const result = await method.apply(object, args);
          if (crash) {
            this.crashes += 1;
            throw new SimulatedCrash(call, where, 'after');
          }
          return result;
        };
      },
    });
  }
}

/** Runs `operation` until it completes without a simulated crash (the dispatcher's redelivery). */
export async function redeliverUntilDone<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
    }
  }
  throw new Error('operation kept crashing');
}
