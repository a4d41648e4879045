/**
 * The short version of `npm run chaos` (scripts/chaos): real service processes under sustained load
 * (PostgreSQL + Redis: one web and two workers; embedded: one process), vendor sandboxes behind fault
 * proxies, and one of each fault at a seeded random moment. Nothing acknowledged may be lost, no side
 * effect may happen twice, no run may be stuck or failed, no process may exit on its own, and every
 * fault must actually have been injected (one that could not be is a failure, never a skip).
 */
import { formatReport } from '../../scripts/chaos/cli';
import { FAULTS, runChaos, type ChaosMode, type ChaosReport } from '../../scripts/chaos/harness';
import { describeWith } from '../support/services';

jest.setTimeout(20 * 60_000);

const SEED = 16;

const expectClean = (report: ChaosReport, mode: ChaosMode): void => {
  const v = report.verification;
  log(formatReport(report));
  // One figure at a time, so a failure says which.
  expect(report.problems).toEqual([]);
  expect(v.acknowledged).toBeGreaterThan(40);
  expect(v.lost).toBe(0);
  expect(v.processed).toBe(v.acknowledged);
  expect(v.duplicateSms + v.duplicateTasks).toBe(0);
  expect(v.silentSuccesses).toBe(0);
  expect(v.runsStuck).toBe(0);
  expect(v.runsFailed).toBe(0);
  // Every acknowledged message started a run that texted once and created one HubSpot task.
  expect(v.runs['completed']).toBeGreaterThanOrEqual(v.acknowledged);
  expect(v.sms).toBe(v.runs['completed']);
  expect(v.tasks).toBe(v.runs['completed']);
  expect(report.faults.map((f) => f.kind).sort()).toEqual([...FAULTS[mode]].sort());
  for (const f of report.faults)
    expect({ kind: f.kind, injected: f.injected, detail: f.detail }).toEqual({ kind: f.kind, injected: true, detail: f.detail });
  expect(report.drained).toBe(true);
};

const log = (line: string): void => {
  if (process.env['CHAOS_VERBOSE'] === '1') process.stderr.write(`${line}\n`);
};

describeWith(['postgres', 'redis'], 'chaos, PostgreSQL + Redis (web + 2 workers)', () => {
  it('loses nothing and duplicates no side effect through a worker kill, a web kill, an emptied Redis, terminated connections, a 429 storm and a 5xx storm', async () => {
    const report = await runChaos({ mode: 'pg', durationMs: 60_000, seed: SEED, rate: 4, rounds: 1, drainTimeoutMs: 420_000, log });
    expectClean(report, 'pg');
  });
});

describe('chaos, embedded (one process)', () => {
  it('loses nothing and duplicates no side effect through kill -9 and restart, a 429 storm and a 5xx storm', async () => {
    const report = await runChaos({ mode: 'embedded', durationMs: 60_000, seed: SEED, rate: 2, rounds: 1, drainTimeoutMs: 420_000, log });
    expectClean(report, 'embedded');
  });
});
