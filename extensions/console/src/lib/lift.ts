/** Lift report → chart rows (pure; tested). Rates and lifts in percent, CIs as recharts error offsets. */
import type { LiftEstimate, LiftPoint, LiftReport } from '../../../../app/contracts';
import { formatInstant, toDate } from './format';

export interface ActionLiftRow {
  readonly actionId: string;
  readonly treatedRate: number | null;
  readonly controlRate: number | null;
  readonly lift: number | null;
  /** [low, high] of the confidence interval, drawn as a range bar beside the lift. */
  readonly liftRange: readonly [number, number] | null;
  readonly treated: number;
  readonly control: number;
  readonly significant: boolean;
}

export interface LiftPointRow {
  readonly label: string;
  readonly treatedRate: number | null;
  readonly controlRate: number | null;
  readonly lift: number | null;
  /** [low, high] of the CI, for a range area. */
  readonly liftRange: readonly [number, number] | null;
}

const pct = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10000) / 100;

function range(ci: LiftEstimate['confidenceInterval']): readonly [number, number] | null {
  if (ci === null) return null;
  const low = pct(ci[0]);
  const high = pct(ci[1]);
  return low === null || high === null ? null : [low, high];
}

export function actionRows(report: LiftReport): ActionLiftRow[] {
  return [{ ...report.overall, actionId: 'Overall' }, ...report.perAction].map((e) => ({
    actionId: e.actionId,
    treatedRate: pct(e.treated.rate),
    controlRate: pct(e.control.rate),
    lift: pct(e.lift),
    liftRange: range(e.confidenceInterval),
    treated: e.treated.decisions,
    control: e.control.decisions,
    significant: e.significant === true,
  }));
}

/** A point's label on the time axis, as short as its bucket allows (UTC). */
export function pointLabel(at: string | number, bucket?: string): string {
  const full = formatInstant(at);
  if (full === '—') return full;
  if (bucket === 'minute') return full.slice(11, 16);
  if (bucket === 'hour') return full.slice(5, 16);
  if (bucket === 'day' || bucket === 'week') return full.slice(0, 10);
  return full.replace(' 00:00 UTC', '');
}

/** Series points → chart rows, oldest first. */
export function pointRows(points: readonly LiftPoint[], bucket?: string): LiftPointRow[] {
  return [...points]
    .sort((a, b) => (toDate(a.at)?.getTime() ?? 0) - (toDate(b.at)?.getTime() ?? 0))
    .map((p) => ({
      label: pointLabel(p.at, bucket),
      treatedRate: pct(p.treated.rate),
      controlRate: pct(p.control.rate),
      lift: pct(p.lift),
      liftRange: range(p.confidenceInterval),
    }));
}

export function seriesRows(report: LiftReport): LiftPointRow[] {
  return pointRows(report.series ?? [], report.bucket);
}

/** Per action: its series as chart rows (actions the server sent no series for are left out). */
export function actionSeries(report: LiftReport): { actionId: string; rows: LiftPointRow[] }[] {
  return report.perAction.flatMap((a) =>
    a.series === undefined || a.series.length === 0 ? [] : [{ actionId: a.actionId, rows: pointRows(a.series, report.bucket) }],
  );
}

/** "cumulative, per day (UTC)": how to read the over-time chart. */
export function seriesCaption(report: LiftReport): string {
  const per = report.bucket === undefined ? 'per period' : `per ${report.bucket}`;
  return report.cumulative === true
    ? `Cumulative: each point counts every outcome up to the end of its ${report.bucket ?? 'period'} (UTC).`
    : `One point ${per} (UTC).`;
}
