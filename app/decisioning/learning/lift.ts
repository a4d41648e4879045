/**
 * Incremental lift of treated vs holdout, with delta-method confidence intervals (the statistics
 * Pega's Impact Analyzer uses, pdstools):
 *   rate p = positives / n, SE(p) = √(p(1 − p) / n)
 *   lift = (p_t − p_c) / p_c
 *   SE(lift) = (1 / p_c) · √(SE_t² + (p_t / p_c)² · SE_c²)
 *   CI = lift ± z · SE(lift) (z = 1.96 for 95%); significant when the CI excludes 0. No CI when
 *   SE(lift) is 0 (both rates at 0% or 100%).
 * Per action, the control is the holdout decisions whose counterfactual choice was that action.
 */
import { type LiftObservation } from './outcomes';

export interface GroupCounts {
  readonly decisions: number;
  readonly positives: number;
}

export interface RateEstimate extends GroupCounts {
  readonly rate: number | null;
  readonly standardError: number | null;
}

export interface LiftEstimate {
  readonly treated: RateEstimate;
  readonly control: RateEstimate;
  /** Relative lift (p_t − p_c) / p_c; null when it is undefined (no data, or a zero control rate). */
  readonly lift: number | null;
  readonly standardError: number | null;
  readonly confidenceInterval: readonly [number, number] | null;
  readonly confidenceLevel: number;
  readonly significant: boolean;
}

export function rateEstimate(counts: GroupCounts): RateEstimate {
  if (counts.decisions <= 0) return { ...counts, rate: null, standardError: null };
  const rate = counts.positives / counts.decisions;
  return { ...counts, rate, standardError: Math.sqrt((rate * (1 - rate)) / counts.decisions) };
}

/** Two-sided z for a confidence level, for the usual levels (0.8, 0.9, 0.95, 0.99). */
export function zFor(confidenceLevel: number): number {
  const table: Record<string, number> = { '0.8': 1.2816, '0.9': 1.6449, '0.95': 1.96, '0.99': 2.5758 };
  const z = table[String(confidenceLevel)];
  if (z === undefined) throw new RangeError(`unsupported confidence level ${confidenceLevel}; use 0.8, 0.9, 0.95 or 0.99`);
  return z;
}

export function relativeLift(treated: GroupCounts, control: GroupCounts, confidenceLevel = 0.95): LiftEstimate {
  const t = rateEstimate(treated);
  const c = rateEstimate(control);
  const empty = { treated: t, control: c, lift: null, standardError: null, confidenceInterval: null, confidenceLevel, significant: false };
  if (t.rate === null || c.rate === null || t.standardError === null || c.standardError === null || c.rate === 0) return empty;
  const lift = (t.rate - c.rate) / c.rate;
  const ratio = t.rate / c.rate;
  const standardError = (1 / c.rate) * Math.sqrt(t.standardError ** 2 + ratio ** 2 * c.standardError ** 2);
  // Both rates at 0 % or 100 % give a zero standard error: the delta method cannot size the
  // uncertainty of so few or so uniform outcomes, so no interval rather than a zero-width one.
  if (standardError === 0) return { ...empty, lift };
  const z = zFor(confidenceLevel);
  const low = lift - z * standardError;
  const high = lift + z * standardError;
  return {
    treated: t,
    control: c,
    lift,
    standardError,
    confidenceInterval: [low, high],
    confidenceLevel,
    significant: low > 0 || high < 0,
  };
}

export interface LiftReport {
  readonly overall: LiftEstimate;
  readonly perAction: readonly (LiftEstimate & { readonly actionId: string })[];
}

/** Aggregated counts per group and (possibly counterfactual) action. */
export interface LiftRow extends GroupCounts {
  readonly group: 'treated' | 'holdout';
  readonly actionId: string | null;
}

export function aggregateObservations(observations: readonly LiftObservation[]): LiftRow[] {
  const rows = new Map<string, { group: 'treated' | 'holdout'; actionId: string | null; decisions: number; positives: number }>();
  for (const o of observations) {
    const key = `${o.group}\u0000${o.actionId ?? ''}`;
    const row = rows.get(key) ?? { group: o.group, actionId: o.actionId, decisions: 0, positives: 0 };
    row.decisions += 1;
    if (o.positive) row.positives += 1;
    rows.set(key, row);
  }
  return [...rows.values()];
}

export function liftReport(rows: readonly LiftRow[], confidenceLevel = 0.95): LiftReport {
  const sum = (group: 'treated' | 'holdout', actionId?: string): GroupCounts => {
    let decisions = 0;
    let positives = 0;
    for (const row of rows) {
      if (row.group !== group || (actionId !== undefined && row.actionId !== actionId)) continue;
      decisions += row.decisions;
      positives += row.positives;
    }
    return { decisions, positives };
  };
  const actionIds = [...new Set(rows.map((r) => r.actionId).filter((id): id is string => id !== null))].sort();
  return {
    overall: relativeLift(sum('treated'), sum('holdout'), confidenceLevel),
    perAction: actionIds.map((actionId) => ({
      actionId,
      ...relativeLift(sum('treated', actionId), sum('holdout', actionId), confidenceLevel),
    })),
  };
}

// ---- lift over time ------------------------------------------------------------------------------

/**
 * Buckets of the lift series, in UTC. A point is cumulative: the lift over every outcome settled
 * before the end of its bucket, i.e. "lift as it stood at the end of that day". That is what a
 * marketer reading "lift over time" expects: the estimate and its interval narrowing as evidence
 * builds up, the last point equal to the overall figure. Per-bucket lift would jump around on the
 * few observations a single day holds.
 */
export const LIFT_BUCKETS = ['minute', 'hour', 'day', 'week'] as const;
export type LiftBucket = (typeof LIFT_BUCKETS)[number];

const BUCKET_MS: Readonly<Record<Exclude<LiftBucket, 'week'>, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const DAY_MS = 86_400_000;
/** Most points a chosen (`auto`) bucket aims for across the observed span. */
export const AUTO_MAX_POINTS = 60;

/** Start (epoch ms, UTC) of the bucket holding `at`; weeks start on Monday (ISO 8601, like PostgreSQL's date_trunc). */
export function bucketStart(at: number, bucket: LiftBucket): number {
  if (bucket !== 'week') return Math.floor(at / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return day - weekday * DAY_MS;
}

/** How many buckets the span from `first` to `last` touches. */
export function bucketsBetween(first: number, last: number, bucket: LiftBucket): number {
  const width = bucket === 'week' ? 7 * DAY_MS : BUCKET_MS[bucket];
  return Math.round((bucketStart(last, bucket) - bucketStart(first, bucket)) / width) + 1;
}

/** The smallest bucket that draws the span from `first` to `last` in at most AUTO_MAX_POINTS points. */
export function chooseBucket(first: number, last: number): LiftBucket {
  const span = Math.max(0, last - first);
  for (const bucket of ['minute', 'hour', 'day'] as const) if (span / BUCKET_MS[bucket] < AUTO_MAX_POINTS) return bucket;
  return 'week';
}

/** Lift rows of one bucket: `at` is the bucket start (epoch ms). */
export interface TimedLiftRow extends LiftRow {
  readonly at: number;
}

export interface LiftPoint extends LiftEstimate {
  /** Start of the bucket (ISO 8601, UTC); the point counts every outcome settled before the bucket's end. */
  readonly at: string;
}

export interface LiftReportOverTime extends LiftReport {
  readonly bucket: LiftBucket;
  /** Always true: points accumulate (see LIFT_BUCKETS). */
  readonly cumulative: true;
  readonly series: readonly LiftPoint[];
  readonly perAction: readonly (LiftEstimate & { readonly actionId: string; readonly series: readonly LiftPoint[] })[];
}

/** Cumulative treated-vs-holdout lift at the end of each bucket that has observations (of this action, when given). */
export function liftSeries(rows: readonly TimedLiftRow[], confidenceLevel = 0.95, actionId?: string): LiftPoint[] {
  const mine = rows.filter((r) => actionId === undefined || r.actionId === actionId);
  const times = [...new Set(mine.map((r) => r.at))].sort((a, b) => a - b);
  const treated = { decisions: 0, positives: 0 };
  const control = { decisions: 0, positives: 0 };
  const points: LiftPoint[] = [];
  for (const at of times) {
    for (const row of mine) {
      if (row.at !== at) continue;
      const sum = row.group === 'treated' ? treated : control;
      sum.decisions += row.decisions;
      sum.positives += row.positives;
    }
    points.push({ at: new Date(at).toISOString(), ...relativeLift({ ...treated }, { ...control }, confidenceLevel) });
  }
  return points;
}

/** The lift report with its time series, overall and per action, from rows already in `bucket`. */
export function liftReportOverTime(rows: readonly TimedLiftRow[], bucket: LiftBucket, confidenceLevel = 0.95): LiftReportOverTime {
  const report = liftReport(rows, confidenceLevel);
  return {
    overall: report.overall,
    perAction: report.perAction.map((a) => ({ ...a, series: liftSeries(rows, confidenceLevel, a.actionId) })),
    bucket,
    cumulative: true,
    series: liftSeries(rows, confidenceLevel),
  };
}
