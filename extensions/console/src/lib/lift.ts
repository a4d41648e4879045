/** Lift report → chart rows (pure; tested). Rates and lifts in percent, CIs as recharts error offsets. */
import type { LiftEstimate, LiftReport } from '../api/schemas';
import { formatInstant, toDate } from './format';

export interface ActionLiftRow {
  readonly actionId: string;
  readonly treatedRate: number | null;
  readonly controlRate: number | null;
  readonly lift: number | null;
  /** [below, above] distances from `lift` to the CI ends, in percentage points of lift. */
  readonly liftError: readonly [number, number] | null;
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

function errorOffsets(e: LiftEstimate): readonly [number, number] | null {
  const lift = pct(e.lift);
  if (lift === null || e.confidenceInterval === null) return null;
  const low = pct(e.confidenceInterval[0]) ?? lift;
  const high = pct(e.confidenceInterval[1]) ?? lift;
  return [Math.max(0, lift - low), Math.max(0, high - lift)];
}

export function actionRows(report: LiftReport): ActionLiftRow[] {
  return [{ ...report.overall, actionId: 'Overall' }, ...report.perAction].map((e) => ({
    actionId: e.actionId,
    treatedRate: pct(e.treated.rate),
    controlRate: pct(e.control.rate),
    lift: pct(e.lift),
    liftError: errorOffsets(e),
    treated: e.treated.decisions,
    control: e.control.decisions,
    significant: e.significant === true,
  }));
}

export function seriesRows(report: LiftReport): LiftPointRow[] {
  return [...(report.series ?? [])]
    .sort((a, b) => (toDate(a.at)?.getTime() ?? 0) - (toDate(b.at)?.getTime() ?? 0))
    .map((p) => {
      const low = p.confidenceInterval === null ? null : pct(p.confidenceInterval[0]);
      const high = p.confidenceInterval === null ? null : pct(p.confidenceInterval[1]);
      return {
        label: formatInstant(p.at).replace(' 00:00 UTC', ''),
        treatedRate: pct(p.treated.rate),
        controlRate: pct(p.control.rate),
        lift: pct(p.lift),
        liftRange: low === null || high === null ? null : [low, high],
      };
    });
}
