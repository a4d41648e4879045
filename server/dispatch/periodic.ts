/**
 * The one periodic-task helper: a task run every `intervalMs` (counted from the end of the previous
 * run, so runs never overlap), errors reported to `onError` instead of thrown; `stop()` cancels the
 * next run and waits for one in flight. The first run comes after `initialDelayMs` (default: one
 * interval). Timers are unref'd so they never keep a process alive. The outbox sweeper, the stuck-run
 * sweep, decision expiry, the HubSpot uninstall probe and warehouse schedules all run on it.
 */
export interface Periodic {
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  /** Delay before the first run (0: at once). Default: `intervalMs`. */
  readonly initialDelayMs?: number;
}

export function startPeriodic(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: unknown) => void,
  options: PeriodicOptions = {},
): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = (ms: number): void => {
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = (): void => {
    running = (async () => task())()
      .catch(onError)
      .finally(() => {
        if (timer !== undefined) schedule(intervalMs);
      });
  };
  schedule(options.initialDelayMs ?? intervalMs);
  return {
    async stop() {
      const t = timer;
      timer = undefined;
      if (t !== undefined) clearTimeout(t);
      await running;
    },
  };
}
