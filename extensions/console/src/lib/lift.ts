/** Lift report → chart rows (pure; tested). Rates and lifts in percent, CIs as recharts error offsets. */
import type { LiftEstimate, LiftReport } from '../api/schemas';
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

const pct = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10000) / 100);

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

export function seriesRows(report: LiftReport): LiftPointRow[] {
  return [...(report.series ?? [])]
    .sort((a, b) => (toDate(a.at)?.getTime() ?? 0) - (toDate(b.at)?.getTime() ?? 0))
    .map((p) => ({
      label: formatInstant(p.at).replace(' 00:00 UTC', ''),
      treatedRate: pct(p.treated.rate),
      controlRate: pct(p.control.rate),
      lift: pct(p.lift),
      liftRange: range(p.confidenceInterval),
    }));
}
