import {
  bucketsBetween,
  bucketStart,
  chooseBucket,
  liftReport,
  liftReportOverTime,
  liftSeries,
  relativeLift,
  type LiftBucket,
  type TimedLiftRow,
} from '../../../app/decisioning/learning/lift';
import { createSeededRandom } from '../../../app/decisioning/random/prng';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0); // Monday 2 November 2026, 00:00 UTC

interface Obs {
  group: 'treated' | 'holdout';
  actionId: string;
  positive: boolean;
  at: number;
}

/** Ten days of settled decisions: treated engage at 30 % (email) / 40 % (call), the holdout at 20 %. */
function population(seed: number): Obs[] {
  const rng = createSeededRandom(seed);
  const out: Obs[] = [];
  for (let i = 0; i < 4000; i++) {
    const at = T0 + Math.floor(rng.next() * 10 * DAY);
    const actionId = rng.next() < 0.5 ? 'email' : 'call';
    const holdout = rng.next() < 0.3;
    const p = holdout ? 0.2 : actionId === 'email' ? 0.3 : 0.4;
    out.push({ group: holdout ? 'holdout' : 'treated', actionId, positive: rng.next() < p, at });
  }
  return out;
}

function rowsOf(obs: readonly Obs[], bucket: LiftBucket): TimedLiftRow[] {
  const map = new Map<string, { group: 'treated' | 'holdout'; actionId: string; at: number; decisions: number; positives: number }>();
  for (const o of obs) {
    const at = bucketStart(o.at, bucket);
    const key = `${o.group}|${o.actionId}|${at}`;
    const row = map.get(key) ?? { group: o.group, actionId: o.actionId, at, decisions: 0, positives: 0 };
    row.decisions++;
    if (o.positive) row.positives++;
    map.set(key, row);
  }
  return [...map.values()];
}

/** The lift of everything settled before `end`, counted straight from the observations. */
function bruteForce(obs: readonly Obs[], end: number, actionId?: string) {
  const count = (group: 'treated' | 'holdout') => {
    const mine = obs.filter((o) => o.at < end && o.group === group && (actionId === undefined || o.actionId === actionId));
    return { decisions: mine.length, positives: mine.filter((o) => o.positive).length };
  };
  return relativeLift(count('treated'), count('holdout'));
}

describe('lift over time (cumulative series, delta-method CI per point)', () => {
  const obs = population(42);
  const rows = rowsOf(obs, 'day');
  const series = liftSeries(rows);

  it('has one point per day with outcomes, each the lift of everything settled before that day ended', () => {
    expect(series.map((p) => p.at)).toEqual(Array.from({ length: 10 }, (_, d) => new Date(T0 + d * DAY).toISOString()));
    for (const [d, point] of series.entries()) {
      const expected = bruteForce(obs, T0 + (d + 1) * DAY);
      expect(point.treated).toEqual(expected.treated);
      expect(point.control).toEqual(expected.control);
      expect(point.lift).toBeCloseTo(expected.lift ?? NaN, 12);
      expect(point.confidenceInterval?.[0]).toBeCloseTo(expected.confidenceInterval?.[0] ?? NaN, 12);
      expect(point.confidenceInterval?.[1]).toBeCloseTo(expected.confidenceInterval?.[1] ?? NaN, 12);
    }
  });

  it('ends at the overall figure, narrows as evidence builds up, and finds the true lift', () => {
    const overall = liftReport(rows).overall;
    const last = series.at(-1);
    expect(last?.lift).toBeCloseTo(overall.lift ?? NaN, 12);
    expect(last?.treated.decisions).toBe(obs.filter((o) => o.group === 'treated').length);
    const width = (p: (typeof series)[number] | undefined) => (p?.confidenceInterval?.[1] ?? NaN) - (p?.confidenceInterval?.[0] ?? NaN);
    expect(width(series[0])).toBeGreaterThan(2 * width(last));
    const treatedCounts = series.map((p) => p.treated.decisions);
    expect(treatedCounts).toEqual([...treatedCounts].sort((a, b) => a - b));
    expect(new Set(treatedCounts).size).toBe(series.length);
    // True treated rate is 0.35 vs 0.2 in the holdout: lift 0.75, inside the final interval and significant.
    expect(last?.confidenceInterval?.[0]).toBeLessThan(0.75);
    expect(last?.confidenceInterval?.[1]).toBeGreaterThan(0.75);
    expect(last?.significant).toBe(true);
  });

  it('gives each action its own series against the holdout decisions that would have chosen it', () => {
    const report = liftReportOverTime(rows, 'day');
    expect(report).toMatchObject({ bucket: 'day', cumulative: true });
    expect(report.series).toEqual(series);
    const call = report.perAction.find((a) => a.actionId === 'call');
    expect(call?.series).toHaveLength(10);
    const expected = bruteForce(obs, T0 + 10 * DAY, 'call');
    expect(call?.series.at(-1)?.lift).toBeCloseTo(expected.lift ?? NaN, 12);
    expect(call?.series.at(-1)?.control.decisions).toBe(obs.filter((o) => o.group === 'holdout' && o.actionId === 'call').length);
  });

  it('gives no interval, not a zero-width one, while every decision in both groups engaged', () => {
    const uniform = relativeLift({ decisions: 27, positives: 27 }, { decisions: 2, positives: 2 });
    expect(uniform).toMatchObject({ lift: 0, confidenceInterval: null, significant: false });
    expect(relativeLift({ decisions: 27, positives: 27 }, { decisions: 20, positives: 10 }).confidenceInterval).not.toBeNull();
  });

  it('is empty without observations, and a point without holdout data has no lift rather than an infinite one', () => {
    expect(liftSeries([])).toEqual([]);
    const onlyTreated = liftSeries([{ group: 'treated', actionId: 'a', at: T0, decisions: 10, positives: 3 }]);
    expect(onlyTreated).toHaveLength(1);
    expect(onlyTreated[0]).toMatchObject({ lift: null, confidenceInterval: null, significant: false });
  });
});

describe('lift buckets (UTC)', () => {
  it('starts buckets on the minute, hour, day and ISO week (Monday)', () => {
    const t = Date.UTC(2026, 10, 5, 13, 47, 21, 500); // Thursday
    expect(new Date(bucketStart(t, 'minute')).toISOString()).toBe('2026-11-05T13:47:00.000Z');
    expect(new Date(bucketStart(t, 'hour')).toISOString()).toBe('2026-11-05T13:00:00.000Z');
    expect(new Date(bucketStart(t, 'day')).toISOString()).toBe('2026-11-05T00:00:00.000Z');
    expect(new Date(bucketStart(t, 'week')).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(new Date(bucketStart(Date.UTC(2026, 10, 8, 23, 0), 'week')).toISOString()).toBe('2026-11-02T00:00:00.000Z'); // Sunday
    expect(new Date(bucketStart(Date.UTC(2026, 10, 9, 0, 0), 'week')).toISOString()).toBe('2026-11-09T00:00:00.000Z'); // Monday
  });

  it.each([
    [5 * 60_000, 'minute'],
    [59 * 60_000, 'minute'],
    [60 * 60_000, 'hour'],
    [2 * DAY, 'hour'],
    [3 * DAY, 'day'],
    [59 * DAY, 'day'],
    [60 * DAY, 'week'],
    [0, 'minute'],
  ] as const)('auto picks the smallest bucket drawing a %d ms span in under 60 points: %s', (span, bucket) => {
    expect(chooseBucket(T0, T0 + span)).toBe(bucket);
  });

  it('counts the buckets a span touches', () => {
    expect(bucketsBetween(T0, T0, 'day')).toBe(1);
    expect(bucketsBetween(T0 + 1000, T0 + DAY, 'day')).toBe(2);
    expect(bucketsBetween(T0, T0 + 14 * DAY, 'week')).toBe(3);
    expect(bucketsBetween(T0, T0 + 365 * DAY, 'minute')).toBe(365 * 1440 + 1);
  });
});
