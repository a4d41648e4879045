import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ActionLiftRow, LiftPointRow } from '../lib/lift';

const TREATED = '#2457c5';
const CONTROL = '#8a8f98';
const LIFT = '#1f7a3a';
const pctTick = (v: number) => `${v}%`;
const MARGIN = { top: 8, right: 16, bottom: 8, left: 0 };

/** Grid, axes and tooltip shared by the per-action charts (plain elements: recharts reads its children). */
const percentAxes = (xKey: string) => [
  <CartesianGrid key="grid" strokeDasharray="3 3" />,
  <XAxis key="x" dataKey={xKey} />,
  <YAxis key="y" tickFormatter={pctTick} />,
  <Tooltip key="tip" formatter={(v) => `${String(v)}%`} />,
];

/** Conversion of treated vs holdout over time, and the lift with its confidence band. */
export function LiftOverTimeChart({
  rows,
  label = 'Treated and holdout conversion rates and lift over time',
  height = 300,
  caption,
}: {
  rows: readonly LiftPointRow[];
  label?: string;
  height?: number;
  caption?: string;
}) {
  return (
    <figure className="chart" aria-label={label}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={[...rows]} margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis yAxisId="rate" tickFormatter={pctTick} />
          <YAxis yAxisId="lift" orientation="right" tickFormatter={pctTick} />
          <Tooltip formatter={(v) => (Array.isArray(v) ? `${v.join('% to ')}%` : `${String(v)}%`)} />
          <Legend />
          <Area yAxisId="lift" dataKey="liftRange" name="Lift CI" stroke="none" fill={LIFT} fillOpacity={0.15} isAnimationActive={false} />
          <Line yAxisId="lift" dataKey="lift" name="Lift" stroke={LIFT} strokeWidth={2} isAnimationActive={false} />
          <Line yAxisId="rate" dataKey="treatedRate" name="Treated rate" stroke={TREATED} isAnimationActive={false} />
          <Line yAxisId="rate" dataKey="controlRate" name="Holdout rate" stroke={CONTROL} strokeDasharray="4 4" isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
      <figcaption className="muted">
        {caption ?? 'Left axis: positive-outcome rate. Right axis: relative lift with its confidence interval (shaded).'}
      </figcaption>
    </figure>
  );
}

/** Per action: treated vs holdout rate, and the lift with its confidence interval as error bars. */
export function ActionLiftChart({ rows }: { rows: readonly ActionLiftRow[] }) {
  const data = [...rows];
  return (
    <div className="chart-pair">
      <figure className="chart" aria-label="Positive-outcome rate per action, treated vs holdout">
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={MARGIN}>
            {percentAxes('actionId')}
            <Legend />
            <Bar dataKey="treatedRate" name="Treated" fill={TREATED} isAnimationActive={false} />
            <Bar dataKey="controlRate" name="Holdout" fill={CONTROL} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
        <figcaption className="muted">Positive-outcome rate, treated vs holdout.</figcaption>
      </figure>
      <figure className="chart" aria-label="Relative lift per action with confidence intervals">
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={MARGIN}>
            {percentAxes('actionId')}
            <ReferenceLine y={0} stroke="#333" />
            <Legend />
            <Bar dataKey="lift" name="Lift" fill={LIFT} isAnimationActive={false} />
            <Bar dataKey="liftRange" name="Confidence interval" fill={LIFT} fillOpacity={0.25} stroke={LIFT} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
        <figcaption className="muted">Relative lift, and its confidence interval as a range bar (low to high).</figcaption>
      </figure>
    </div>
  );
}
