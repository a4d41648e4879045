import { startPeriodic } from '../../../server/dispatch/periodic';

/** Lets pending promise callbacks run (the task's completion schedules the next run). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('the one periodic-task helper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs after the first interval, then an interval after each run ends; never two at once', async () => {
    let runs = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let finish: (() => void) | undefined;
    const p = startPeriodic(
      () => {
        runs += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<void>((resolve) => {
          finish = () => {
            inFlight -= 1;
            resolve();
          };
        });
      },
      1_000,
      () => undefined,
    );
    jest.advanceTimersByTime(999);
    expect(runs).toBe(0);
    jest.advanceTimersByTime(1);
    expect(runs).toBe(1);
    // The run is still going: no second one however long it takes.
    jest.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
    finish?.();
    await settle();
    jest.advanceTimersByTime(999);
    expect(runs).toBe(1);
    jest.advanceTimersByTime(1);
    expect(runs).toBe(2);
    finish?.();
    await p.stop();
    expect(maxInFlight).toBe(1);
  });

  it('reports a failure (thrown or rejected) and keeps going; initialDelayMs 0 runs at once', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const p = startPeriodic(
      () => {
        runs += 1;
        if (runs === 1) throw new Error('sync failure');
        return Promise.reject(new Error('async failure'));
      },
      500,
      (err) => errors.push((err as Error).message),
      { initialDelayMs: 0 },
    );
    jest.advanceTimersByTime(0);
    await settle();
    jest.advanceTimersByTime(500);
    await settle();
    expect(errors).toEqual(['sync failure', 'async failure']);
    await p.stop();
  });

  it('stop() waits for the run in flight and no run starts after it', async () => {
    let runs = 0;
    let finish: (() => void) | undefined;
    const p = startPeriodic(
      () => {
        runs += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      100,
      () => undefined,
    );
    jest.advanceTimersByTime(100);
    let stopped = false;
    const stopping = p.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    finish?.();
    await stopping;
    expect(stopped).toBe(true);
    jest.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
  });
});
