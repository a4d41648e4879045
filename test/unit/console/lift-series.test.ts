import { liftReportSchema } from '../../../app/contracts';
import { actionSeries, pointLabel, seriesCaption, seriesRows } from '../../../extensions/console/src/lib/lift';

const est = (t: [number, number], c: [number, number], lift: number | null, ci: [number, number] | null) => ({
  treated: { decisions: t[0], positives: t[1], rate: t[0] === 0 ? null : t[1] / t[0] },
  control: { decisions: c[0], positives: c[1], rate: c[0] === 0 ? null : c[1] / c[0] },
  lift,
  confidenceInterval: ci,
  significant: false,
});

describe('console: lift over time', () => {
  // What GET /api/v1/lift answers (server/decisioning/lift.repository.ts), per minute here.
  const report = liftReportSchema.parse({
    bucket: 'minute',
    cumulative: true,
    overall: est([20, 8], [10, 2], 1, [-0.2, 2.2]),
    series: [
      { at: '2026-11-30T14:06:00.000Z', ...est([20, 8], [10, 2], 1, [-0.2, 2.2]) },
      { at: '2026-11-30T14:05:00.000Z', ...est([10, 3], [5, 1], 0.5, null) },
    ],
    perAction: [
      {
        actionId: 'call',
        ...est([20, 8], [10, 2], 1, [-0.2, 2.2]),
        series: [{ at: '2026-11-30T14:06:00.000Z', ...est([20, 8], [10, 2], 1, [-0.2, 2.2]) }],
      },
      { actionId: 'sms', ...est([0, 0], [0, 0], null, null), series: [] },
    ],
  });

  it('labels points as short as their bucket allows, in UTC', () => {
    expect(pointLabel('2026-11-30T14:05:00Z', 'minute')).toBe('14:05');
    expect(pointLabel('2026-11-30T14:00:00Z', 'hour')).toBe('11-30 14:00');
    expect(pointLabel('2026-11-30T00:00:00Z', 'day')).toBe('2026-11-30');
    expect(pointLabel('2026-11-30T00:00:00Z', 'week')).toBe('2026-11-30');
    expect(pointLabel('nonsense', 'day')).toBe('—');
  });

  it('orders the series and draws one chart per action that has points', () => {
    expect(seriesRows(report).map((r) => [r.label, r.lift, r.liftRange])).toEqual([
      ['14:05', 50, null],
      ['14:06', 100, [-20, 220]],
    ]);
    expect(actionSeries(report)).toEqual([
      { actionId: 'call', rows: [{ label: '14:06', treatedRate: 40, controlRate: 20, lift: 100, liftRange: [-20, 220] }] },
    ]);
  });

  it('says how to read the chart', () => {
    expect(seriesCaption(report)).toBe('Cumulative: each point counts every outcome up to the end of its minute (UTC).');
    expect(seriesCaption({ ...report, cumulative: false, bucket: 'day' })).toBe('One point per day (UTC).');
  });
});
