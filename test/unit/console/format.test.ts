import {
  displayName,
  formatDuration,
  formatInstant,
  formatInterval,
  formatJson,
  formatLift,
  formatNumber,
  formatPercent,
  formatRelative,
  formatSentiment,
  humanize,
  toDate,
} from '../../../extensions/console/src/lib/format';
import { actionRows, seriesRows } from '../../../extensions/console/src/lib/lift';
import { parseRoute, routeHref, type Route } from '../../../extensions/console/src/lib/route';

describe('console formatting', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');

  it('formats instants from ISO strings and epoch ms, and shows a dash for missing or bad ones', () => {
    expect(formatInstant('2026-11-30T14:05:09.123Z')).toBe('2026-11-30 14:05 UTC');
    expect(formatInstant(Date.parse('2026-01-02T03:04:00Z'))).toBe('2026-01-02 03:04 UTC');
    expect([formatInstant(null), formatInstant(undefined), formatInstant('not a date'), formatInstant('')]).toEqual(['—', '—', '—', '—']);
    expect(toDate('garbage')).toBeNull();
  });

  it('formats relative times and durations in the largest sensible unit', () => {
    expect(formatRelative(now - 10_000, now)).toBe('just now');
    expect(formatRelative(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(formatRelative(new Date(now + 2 * 3_600_000).toISOString(), now)).toBe('in 2 h');
    expect([formatDuration(45_000), formatDuration(90 * 60_000), formatDuration(5 * 86_400_000), formatDuration(-1)]).toEqual([
      '45 s',
      '2 h',
      '5 d',
      '—',
    ]);
  });

  it('formats shares, lifts and confidence intervals with signs', () => {
    expect(formatPercent(0.0512)).toBe('5.1%');
    expect(formatPercent(null)).toBe('—');
    expect([formatLift(0.25), formatLift(-0.031), formatLift(0), formatLift(Number.NaN)]).toEqual(['+25.0%', '-3.1%', '0.0%', '—']);
    expect(formatInterval([-0.03, 0.125])).toBe('[-3.0%, +12.5%]');
    expect(formatInterval(null)).toBe('not enough data');
  });

  it('formats numbers, codes, JSON and sentiment for people', () => {
    expect([formatNumber(1234.567), formatNumber(0.12345), formatNumber(0.00001234), formatNumber(null)]).toEqual([
      '1,230',
      '0.123',
      '1.23e-5',
      '—',
    ]);
    expect([humanize('at_risk'), humanize('new-lead-nurture'), humanize('')]).toEqual(['At risk', 'New lead nurture', '']);
    expect([humanize('sms'), humanize('whatsapp'), humanize('crm_update'), humanize('hubspot')]).toEqual([
      'SMS',
      'WhatsApp',
      'CRM update',
      'HubSpot',
    ]);
    expect(formatJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect([formatJson(undefined), formatJson(null)]).toEqual(['(none)', 'null']);
    expect([
      formatSentiment(-0.62, 'negative'),
      formatSentiment(0.5, null),
      formatSentiment(null, 'neutral'),
      formatSentiment(null, null),
    ]).toEqual(['negative (-0.62)', '+0.50', 'neutral', '—']);
  });
});

describe('console lift chart rows', () => {
  const est = (t: [number, number], c: [number, number], lift: number | null, ci: [number, number] | null) => ({
    treated: { decisions: t[0], positives: t[1], rate: t[0] === 0 ? null : t[1] / t[0] },
    control: { decisions: c[0], positives: c[1], rate: c[0] === 0 ? null : c[1] / c[0] },
    lift,
    confidenceInterval: ci,
    significant: ci !== null && ci[0] > 0,
  });

  it('puts the overall estimate first and keeps each CI as a [low, high] range, in percent', () => {
    const rows = actionRows({
      overall: est([100, 30], [50, 10], 0.5, [0.1, 0.9]),
      perAction: [{ actionId: 'email', ...est([10, 1], [0, 0], null, null) }],
    });
    expect(rows[0]).toEqual({
      actionId: 'Overall',
      treatedRate: 30,
      controlRate: 20,
      lift: 50,
      liftRange: [10, 90],
      treated: 100,
      control: 50,
      significant: true,
    });
    expect(rows[1]).toMatchObject({
      actionId: 'email',
      treatedRate: 10,
      controlRate: null,
      lift: null,
      liftRange: null,
      significant: false,
    });
  });

  it('orders series points by time and keeps the CI as a range', () => {
    const rows = seriesRows({
      overall: est([1, 1], [1, 1], 0, null),
      perAction: [],
      series: [
        { at: '2026-11-02T00:00:00Z', ...est([10, 5], [10, 4], 0.25, [-0.1, 0.6]) },
        { at: '2026-11-01T00:00:00Z', ...est([10, 2], [10, 2], 0, null) },
      ],
    });
    expect(rows.map((r) => r.label)).toEqual(['2026-11-01', '2026-11-02']);
    expect(rows[1]).toEqual({ label: '2026-11-02', treatedRate: 50, controlRate: 40, lift: 25, liftRange: [-10, 60] });
    expect(rows[0]?.liftRange).toBeNull();
  });
});

describe('console routes', () => {
  const routes: Route[] = [
    { page: 'record' },
    { page: 'record', search: 'ada lovelace' },
    { page: 'record', profileId: 'prof_1', search: 'a&b' },
    { page: 'runs' },
    { page: 'runs', status: 'failed' },
    { page: 'run', runId: 'run/1' },
    { page: 'decisions' },
    { page: 'decisions', decisionId: 'dec_1' },
    { page: 'decisions', profileId: 'prof_1' },
    { page: 'lift' },
    { page: 'settings' },
  ];

  it.each(routes)('round-trips %o through its URL', (route) => {
    const url = new URL(routeHref(route), 'http://x');
    expect(url.pathname.startsWith('/console/')).toBe(true);
    expect(parseRoute(url.pathname, url.search)).toEqual(route);
  });

  it('opens the record search for the bare console path and unknown pages, tolerating bad escapes', () => {
    expect(parseRoute('/console')).toEqual({ page: 'record' });
    expect(parseRoute('/console/')).toEqual({ page: 'record' });
    expect(parseRoute('/console/nowhere')).toEqual({ page: 'record' });
    expect(parseRoute('/console/runs/%E0%A4%A')).toEqual({ page: 'runs' });
  });

  it('capitalizes names that search answers in lower case, and leaves typed capitals alone', () => {
    expect(displayName('grace hopper')).toBe('Grace Hopper');
    expect(displayName("mary-jane o'neil")).toBe("Mary-Jane O'Neil");
    expect(displayName('élodie durand')).toBe('Élodie Durand');
    expect(displayName('Ludwig van Beethoven')).toBe('Ludwig van Beethoven');
  });
});
