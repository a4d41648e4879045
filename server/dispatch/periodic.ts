/**
 * A task run every `intervalMs` (after the previous run finished, never overlapping), with errors
 * reported instead of thrown; `stop()` cancels the next run and waits for one in flight. Timers are
 * unref'd so they never keep a process alive.
 */
export interface Periodic {
  stop(): Promise<void>;
}

export function startPeriodic(task: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = (): void => {
    running = task()
      .catch(onError)
      .finally(() => {
        if (timer === undefined) return;
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      });
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      const t = timer;
      timer = undefined;
      if (t !== undefined) clearTimeout(t);
      await running;
    },
  };
}
