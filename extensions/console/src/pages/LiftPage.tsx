import type { LiftReport } from '../api/schemas';
import { Async, Badge, Section } from '../components/ui';
import { useConsole } from '../lib/context';
import { formatInterval, formatLift, formatPercent } from '../lib/format';
import { actionRows, seriesRows } from '../lib/lift';
import { useAsync, usePolling } from '../lib/useAsync';
import { ActionLiftChart, LiftOverTimeChart } from './LiftCharts';

function Summary({ report }: { report: LiftReport }) {
  const o = report.overall;
  return (
    <p className="lift-summary">
      Overall lift <strong>{formatLift(o.lift)}</strong> ({Math.round((o.confidenceLevel ?? 0.95) * 100)}% CI {formatInterval(o.confidenceInterval)}){' '}
      {o.significant === true ? <Badge value={(o.lift ?? 0) > 0 ? 'positive' : 'negative'} label={(o.lift ?? 0) > 0 ? 'significant gain' : 'significant loss'} /> : <Badge value="neutral" label="not significant yet" />} — treated{' '}
      {formatPercent(o.treated.rate)} of {o.treated.decisions} decisions vs holdout {formatPercent(o.control.rate)} of {o.control.decisions}.
    </p>
  );
}

/** Treated vs holdout: over time and per action, with confidence intervals. */
export function LiftPage() {
  const { api } = useConsole();
  const lift = useAsync(() => api.lift(), [api]);
  usePolling(lift.reload, 30_000);
  return (
    <div>
      <h1>Lift</h1>
      <Async state={lift} what="the lift report">
        {(report) => {
          const rows = actionRows(report);
          const series = seriesRows(report);
          return (
            <>
              <Summary report={report} />
              <Section title="Over time">
                {report.series === undefined ? (
                  <p className="muted">This server reports lift so far, without a time series; the chart appears when the lift endpoint returns one.</p>
                ) : series.length === 0 ? <p className="muted">No periods with decisions yet.</p> : <LiftOverTimeChart rows={series} />}
              </Section>
              <Section title="Per action">
                <ActionLiftChart rows={rows} />
                <div className="table-wrap">
                  <table>
                    <caption>Lift per action, treated vs holdout (the same data as the chart)</caption>
                    <thead><tr><th scope="col">Action</th><th scope="col">Treated</th><th scope="col">Holdout</th><th scope="col">Lift</th><th scope="col">Confidence interval</th></tr></thead>
                    <tbody>
                      {[{ ...report.overall, actionId: 'Overall' }, ...report.perAction].map((e) => (
                        <tr key={e.actionId}>
                          <th scope="row">{e.actionId}</th>
                          <td>{formatPercent(e.treated.rate)} <span className="muted">({e.treated.positives}/{e.treated.decisions})</span></td>
                          <td>{formatPercent(e.control.rate)} <span className="muted">({e.control.positives}/{e.control.decisions})</span></td>
                          <td>{formatLift(e.lift)}</td>
                          <td>{formatInterval(e.confidenceInterval)}{e.significant === true ? ' *' : ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </Section>
            </>
          );
        }}
      </Async>
    </div>
  );
}
