import type { LiftEstimate, LiftReport } from '../../../../app/contracts';
import { Async, Badge, Section, TableWrap } from '../components/ui';
import { useConsole } from '../lib/context';
import { formatInterval, formatLift, formatPercent } from '../lib/format';
import { actionRows, actionSeries, pointLabel, seriesCaption, seriesRows } from '../lib/lift';
import { useAsync, usePolling } from '../lib/useAsync';
import { ActionLiftChart, LiftOverTimeChart } from './LiftCharts';

function Summary({ report }: { report: LiftReport }) {
  const o = report.overall;
  return (
    <p className="lift-summary">
      Overall lift <strong>{formatLift(o.lift)}</strong> ({Math.round((o.confidenceLevel ?? 0.95) * 100)}% CI{' '}
      {formatInterval(o.confidenceInterval)}){' '}
      {o.significant === true ? (
        <Badge value={(o.lift ?? 0) > 0 ? 'positive' : 'negative'} label={(o.lift ?? 0) > 0 ? 'significant gain' : 'significant loss'} />
      ) : (
        <Badge value="neutral" label="not significant yet" />
      )}{' '}
      — treated {formatPercent(o.treated.rate)} of {o.treated.decisions} decisions vs holdout {formatPercent(o.control.rate)} of{' '}
      {o.control.decisions}.
    </p>
  );
}

/** Treated vs holdout figures as a table: the text alternative of a chart (screen readers, copying figures). */
function LiftTable({
  caption,
  first,
  rows,
}: {
  caption: string;
  first: string;
  rows: readonly { key: string; label: string; estimate: LiftEstimate }[];
}) {
  return (
    <TableWrap label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{first}</th>
            <th scope="col">Treated</th>
            <th scope="col">Holdout</th>
            <th scope="col">Lift</th>
            <th scope="col">Confidence interval</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ key, label, estimate: e }) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td>
                {formatPercent(e.treated.rate)}{' '}
                <span className="muted">
                  ({e.treated.positives}/{e.treated.decisions})
                </span>
              </td>
              <td>
                {formatPercent(e.control.rate)}{' '}
                <span className="muted">
                  ({e.control.positives}/{e.control.decisions})
                </span>
              </td>
              <td>{formatLift(e.lift)}</td>
              <td>
                {formatInterval(e.confidenceInterval)}
                {e.significant === true ? ' *' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/**
 * Delivery per action: lift counts every treated decision (intention-to-treat), so this says how
 * much of the treatment actually reached people; a low rate explains a weak lift.
 */
function Delivery({ delivery }: { delivery: NonNullable<LiftReport['delivery']> }) {
  const rows = [{ ...delivery.overall, actionId: 'Overall' }, ...delivery.perAction];
  return (
    <Section title="Delivery">
      <p className="muted">
        Lift counts every treated decision, delivered or not. Of the decided actions runs tried to carry out,{' '}
        {formatPercent(delivery.overall.rate)} reached the person ({delivery.overall.delivered} of {delivery.overall.attempted}); the others
        had no connected system that could deliver them (see the run steps marked undeliverable).
      </p>
      <TableWrap label="Delivery per action">
        <table>
          <caption>Delivery per action (treated decisions whose action a run tried to carry out)</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Tried</th>
              <th scope="col">Delivered</th>
              <th scope="col">Undeliverable</th>
              <th scope="col">Delivery rate</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.actionId}>
                <th scope="row">{r.actionId}</th>
                <td>{r.attempted}</td>
                <td>{r.delivered}</td>
                <td>{r.undeliverable}</td>
                <td>
                  <meter min={0} max={1} value={r.rate ?? 0} aria-label={`delivery rate of ${r.actionId}`} /> {formatPercent(r.rate)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </Section>
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
          const perActionSeries = actionSeries(report);
          return (
            <>
              <Summary report={report} />
              <Section title="Over time">
                {report.series === undefined ? (
                  <p className="muted">
                    This server reports lift so far, without a time series; the chart appears when the lift endpoint returns one.
                  </p>
                ) : series.length === 0 ? (
                  <p className="muted">No outcomes yet: the chart starts with the first settled decision.</p>
                ) : (
                  <>
                    <p className="muted">{seriesCaption(report)}</p>
                    <LiftOverTimeChart rows={series} />
                    <details>
                      <summary>Lift over time as a table</summary>
                      <LiftTable
                        caption="Lift over time, treated vs holdout (the same data as the chart)"
                        first="Up to"
                        rows={report.series.map((p) => ({ key: String(p.at), label: pointLabel(p.at, report.bucket), estimate: p }))}
                      />
                    </details>
                  </>
                )}
              </Section>
              {perActionSeries.length === 0 ? null : (
                <Section title="Per action over time">
                  <div className="chart-grid">
                    {perActionSeries.map((a) => (
                      <LiftOverTimeChart
                        key={a.actionId}
                        rows={a.rows}
                        height={220}
                        label={`Lift over time: ${a.actionId}`}
                        caption={`${a.actionId}: treated vs the holdout decisions that would have chosen it.`}
                      />
                    ))}
                  </div>
                </Section>
              )}
              <Section title="Per action">
                <ActionLiftChart rows={rows} />
                <LiftTable
                  caption="Lift per action, treated vs holdout (the same data as the chart)"
                  first="Action"
                  rows={[{ ...report.overall, actionId: 'Overall' }, ...report.perAction].map((e) => ({
                    key: e.actionId,
                    label: e.actionId,
                    estimate: e,
                  }))}
                />
              </Section>
              {report.delivery === undefined ? null : <Delivery delivery={report.delivery} />}
            </>
          );
        }}
      </Async>
    </div>
  );
}
