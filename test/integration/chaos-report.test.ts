/**
 * The parts of `npm run chaos` that need no services: the seeded fault schedule (the same seed gives
 * the same faults at the same moments, every kind once per round, none overlapping the next one's
 * slot) and the JSON figures (`{ name, value, unit }`, like the bench's).
 */
import { seededRandom } from '../../app/shared/random';
import { figures } from '../../scripts/chaos/cli';
import { FAULTS, planFaults, type ChaosReport } from '../../scripts/chaos/harness';

const random = (seed: number): (() => number) => {
  const r = seededRandom(seed);
  return () => r.next();
};

describe('chaos fault schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = planFaults(random(7), FAULTS.pg, 120_000, 2);
    expect(planFaults(random(7), FAULTS.pg, 120_000, 2)).toEqual(a);
    expect(planFaults(random(8), FAULTS.pg, 120_000, 2)).not.toEqual(a);
  });

  it('injects every kind once per round, in increasing time within 10-75 % of the load', () => {
    const plan = planFaults(random(3), FAULTS.pg, 100_000, 3);
    expect(plan).toHaveLength(18);
    for (let round = 0; round < 3; round++)
      expect(
        plan
          .slice(round * 6, round * 6 + 6)
          .map((f) => f.kind)
          .sort(),
      ).toEqual([...FAULTS.pg].sort());
    for (let i = 1; i < plan.length; i++) expect(plan[i]?.at ?? 0).toBeGreaterThan(plan[i - 1]?.at ?? 0);
    expect(plan[0]?.at ?? 0).toBeGreaterThanOrEqual(10_000);
    expect(plan[plan.length - 1]?.at ?? 0).toBeLessThanOrEqual(75_000);
  });
});

describe('chaos figures', () => {
  it('gives { name, value, unit } per verdict and a recovery figure per fault', () => {
    const report: ChaosReport = {
      mode: 'pg',
      seed: 1,
      rate: 5,
      durationMs: 60_000,
      loadMs: 61_000,
      load: { sent: 10, acknowledged: 10, refusedAttempts: 2, abandoned: 0, throttled: 0, errors: [], people: 5, ackPerSecond: 0.2 },
      verification: {
        acknowledged: 10,
        stored: 10,
        processed: 10,
        lost: 0,
        lostSample: [],
        runs: { completed: 10 },
        runsStuck: 0,
        runsFailed: 0,
        failedSample: [],
        sms: 10,
        tasks: 10,
        duplicateSms: 0,
        duplicateTasks: 1,
        duplicateSample: [],
        silentSuccesses: 0,
        silentSample: [],
        untracked: 0,
      },
      faults: [
        {
          kind: 'worker_kill',
          at: 9_000,
          injectedAt: 1,
          endedAt: 2,
          injected: true,
          detail: '',
          recoveryMs: 61_000,
          firstProcessedMs: 10,
          backlogMs: 5,
          runsBacklogMs: 5,
          heldMs: 70_000,
          reclaimMs: 61_000,
          heldRows: 3,
          ackMs: null,
          vendorOkMs: null,
          heldIds: [],
        },
        {
          kind: 'vendor_429',
          at: 20_000,
          injectedAt: 1,
          endedAt: 2,
          injected: false,
          detail: '',
          recoveryMs: null,
          firstProcessedMs: null,
          backlogMs: null,
          runsBacklogMs: null,
          heldMs: null,
          reclaimMs: null,
          heldRows: 0,
          ackMs: null,
          vendorOkMs: null,
          heldIds: [],
        },
      ],
      drained: true,
      drainMs: 3_000,
      problems: ['1 duplicate side effects'],
      ok: false,
      workDir: '/tmp/x',
    };
    const out = figures(report);
    for (const f of out) expect(Object.keys(f).sort()).toEqual(['name', 'unit', 'value']);
    const value = (name: string): number | null | undefined => out.find((f) => f.name === `chaos pg: ${name}`)?.value;
    expect(value('lost (acknowledged, not processed)')).toBe(0);
    expect(value('side effects above one per idempotency key')).toBe(1);
    expect(value('faults that could not be injected')).toBe(1);
    expect(value('recovery after worker_kill #1 (at 9 s)')).toBe(61_000);
    expect(value('recovery after vendor_429 #1 (at 20 s)')).toBeNull();
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});
