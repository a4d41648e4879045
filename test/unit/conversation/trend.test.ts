import {
  DEFAULT_FALL_RULE,
  sentimentTrend,
  sharpFallAt,
  sharpFalls,
  trendDirection,
  type SentimentSample,
} from '../../../app/conversation';

const DAY = 86_400_000;
const series = (values: number[], stepMs = 3_600_000): SentimentSample[] =>
  values.map((sentiment, i) => ({ id: `m${i}`, at: 1_800_000_000_000 + i * stepMs, sentiment }));

describe('sentiment trend (EWMA, α = 0.5)', () => {
  it('weights the latest message half and sorts by time, ties by id', () => {
    const shuffled = [...series([0.8, 0.4, -0.4])].reverse();
    const t = sentimentTrend(shuffled);
    expect(t.map((p) => p.id)).toEqual(['m0', 'm1', 'm2']);
    expect(t.map((p) => p.trend)).toEqual([0.8, 0.6000000000000001, 0.10000000000000003]);
    expect(
      sentimentTrend([
        { id: 'b', at: 1, sentiment: 1 },
        { id: 'a', at: 1, sentiment: -1 },
      ]).map((p) => p.id),
    ).toEqual(['a', 'b']);
  });

  it('clamps to [-1, 1], skips non-finite samples and refuses a bad alpha', () => {
    const t = sentimentTrend([
      { id: 'a', at: 1, sentiment: 3 },
      { id: 'b', at: 2, sentiment: Number.NaN },
    ]);
    expect(t).toEqual([{ id: 'a', at: 1, sentiment: 1, trend: 1 }]);
    expect(() => sentimentTrend([], 0)).toThrow(RangeError);
  });
});

describe('sharp fall rule', () => {
  it('fires on one furious message after a positive streak, with the baseline and the drop', () => {
    const t = sentimentTrend(series([0.6, 0.5, 0.7, -0.9]));
    const fall = sharpFallAt(t, 'm3');
    // trend: 0.6, 0.55, 0.625, then 0.5·(−0.9) + 0.5·0.625 = −0.1375 (rounded to 3 places); baseline = max of the window = 0.625
    expect(fall).toEqual({ id: 'm3', at: t[3]?.at, from: 0.625, to: -0.137, drop: 0.763 });
  });

  it('needs two angry messages after a neutral baseline, and fires only on the crossing message', () => {
    const t = sentimentTrend(series([0, 0, -0.9, -0.9, -0.9]));
    expect(sharpFallAt(t, 'm2')).toBeNull(); // 0 → −0.45: drop 0.45 < 0.6
    expect(sharpFallAt(t, 'm3')).toMatchObject({ from: 0, to: -0.675, drop: 0.675 });
    expect(sharpFallAt(t, 'm4')).toBeNull(); // still down: already fired
    expect(sharpFalls(t).map((f) => f.id)).toEqual(['m3']);
  });

  it('does not fire from a negative baseline, on a small dip, outside the time window, or on a trend that stays positive', () => {
    expect(sharpFalls(sentimentTrend(series([-0.3, -0.5, -0.9, -0.95])))).toEqual([]);
    expect(sharpFalls(sentimentTrend(series([0.3, 0.2, -0.2])))).toEqual([]);
    // The happy message is 20 days before the angry ones: outside the 14-day window.
    const old: SentimentSample[] = [
      { id: 'a', at: 0, sentiment: 0.9 },
      { id: 'b', at: 20 * DAY, sentiment: -0.9 },
    ];
    expect(sharpFalls(sentimentTrend(old))).toEqual([]);
    expect(sharpFalls(sentimentTrend(series([0.9, 0.9, 0.9, 0.2])))).toEqual([]); // drop 0.35, still positive
  });

  it('looks back at most `window` messages for the baseline', () => {
    // α = 1 (the trend is each message itself), so only the window decides: the one positive message
    // is five messages before the angry one; the four between are neutral (−0.04), a drop of only 0.56.
    const raw = { ...DEFAULT_FALL_RULE, alpha: 1 };
    const t = sentimentTrend(series([0.9, -0.04, -0.04, -0.04, -0.04, -0.6]), 1);
    expect(sharpFallAt(t, 'm5', raw)).toBeNull();
    expect(sharpFallAt(t, 'm5', { ...raw, window: 5 })).toMatchObject({ from: 0.9, to: -0.6, drop: 1.5 });
    expect(sharpFallAt(t, 'unknown', raw)).toBeNull();
  });

  it('summarises the direction of the last points', () => {
    expect(trendDirection(sentimentTrend(series([0.8, 0.8, 0.1, -0.5])))).toBe('falling');
    expect(trendDirection(sentimentTrend(series([-0.8, -0.2, 0.5, 0.9])))).toBe('rising');
    expect(trendDirection(sentimentTrend(series([0.1, 0.12, 0.1])))).toBe('steady');
    expect(trendDirection([])).toBe('steady');
  });
});
