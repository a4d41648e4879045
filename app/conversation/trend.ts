/**
 * The sentiment trend of a person's own messages and the "sharp fall" rule.
 *
 * Trend: an exponentially weighted moving average (EWMA) over the customer's messages in time order,
 * `t₀ = s₀`, `tᵢ = α·sᵢ + (1 − α)·tᵢ₋₁` with α = 0.5: the latest message counts half, so one furious
 * message after a happy streak shows at once, and one stray word does not erase a history.
 *
 * Sharp fall (on the latest message): the trend now is negative (≤ −0.05, VADER's neutral bound),
 * and the highest trend value among the previous `window` (4) messages that are at most `windowDays`
 * (14) days older was neutral or positive (≥ −0.05) and at least `minDrop` (0.6) above it. With
 * α = 0.5 that is e.g. one message at −0.9 after a trend of +0.3, or two at −0.9 after a neutral one.
 * The rule is edge-triggered: it fires on the message that crosses it, not again while the trend
 * stays down (the message before must not already satisfy it).
 */

export interface SentimentSample {
  /** Epoch ms of the message. */
  readonly at: number;
  /** The message's sentiment in [-1, 1]. */
  readonly sentiment: number;
  /** Ties at one instant are ordered by id. */
  readonly id: string;
}

export interface TrendPoint {
  readonly at: number;
  readonly id: string;
  readonly sentiment: number;
  /** The EWMA up to and including this message. */
  readonly trend: number;
}

export interface FallRule {
  readonly alpha: number;
  readonly window: number;
  readonly windowDays: number;
  readonly minDrop: number;
  /** The neutral bound: a baseline at or above it is neutral or positive, a trend below it negative. */
  readonly neutralFloor: number;
}

export const DEFAULT_FALL_RULE: FallRule = { alpha: 0.5, window: 4, windowDays: 14, minDrop: 0.6, neutralFloor: -0.05 };

export interface SharpFall {
  /** The message the fall is measured at. */
  readonly id: string;
  readonly at: number;
  /** The highest trend in the window before it. */
  readonly from: number;
  /** The trend after it. */
  readonly to: number;
  /** from − to. */
  readonly drop: number;
}

const DAY_MS = 86_400_000;
const clamp = (x: number): number => (x < -1 ? -1 : x > 1 ? 1 : x);
const round = (x: number): number => Math.round(x * 1000) / 1000;

const byTime = (a: SentimentSample, b: SentimentSample): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The EWMA series of the samples in time order (input in any order; non-finite samples skipped). */
export function sentimentTrend(samples: readonly SentimentSample[], alpha: number = DEFAULT_FALL_RULE.alpha): TrendPoint[] {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError('alpha must be in (0, 1]');
  const sorted = samples.filter((s) => Number.isFinite(s.sentiment) && Number.isFinite(s.at)).sort(byTime);
  const out: TrendPoint[] = [];
  let trend: number | undefined;
  for (const s of sorted) {
    const v = clamp(s.sentiment);
    trend = trend === undefined ? v : alpha * v + (1 - alpha) * trend;
    out.push({ at: s.at, id: s.id, sentiment: v, trend });
  }
  return out;
}

/** Whether the rule holds at index `i` of a trend series; the fall when it does. */
function fallAt(points: readonly TrendPoint[], i: number, rule: FallRule): SharpFall | null {
  const current = points[i];
  if (current === undefined || current.trend > rule.neutralFloor) return null;
  let baseline: number | undefined;
  for (let j = i - 1; j >= 0 && j >= i - rule.window; j--) {
    const p = points[j];
    if (p === undefined || current.at - p.at > rule.windowDays * DAY_MS) break;
    if (baseline === undefined || p.trend > baseline) baseline = p.trend;
  }
  if (baseline === undefined || baseline < rule.neutralFloor) return null;
  const drop = baseline - current.trend;
  if (drop < rule.minDrop - 1e-9) return null;
  return { id: current.id, at: current.at, from: round(baseline), to: round(current.trend), drop: round(drop) };
}

/**
 * The sharp fall the message `id` causes in the series, or null: the rule holds at that message and
 * did not already hold at the message before it.
 */
export function sharpFallAt(points: readonly TrendPoint[], id: string, rule: FallRule = DEFAULT_FALL_RULE): SharpFall | null {
  const i = points.findIndex((p) => p.id === id);
  if (i < 0) return null;
  const fall = fallAt(points, i, rule);
  if (fall === null) return null;
  if (i > 0 && fallAt(points, i - 1, rule) !== null) return null;
  return fall;
}

/** Every sharp fall in a series (edge-triggered), oldest first: what the card and the console mark. */
export function sharpFalls(points: readonly TrendPoint[], rule: FallRule = DEFAULT_FALL_RULE): SharpFall[] {
  const out: SharpFall[] = [];
  let previous = false;
  for (let i = 0; i < points.length; i++) {
    const fall = fallAt(points, i, rule);
    if (fall !== null && !previous) out.push(fall);
    previous = fall !== null;
  }
  return out;
}

/** Direction of the trend over its last points, for a one-word summary: falling | rising | steady. */
export function trendDirection(points: readonly TrendPoint[], span = 3): 'falling' | 'rising' | 'steady' {
  const last = points[points.length - 1];
  const before = points[Math.max(0, points.length - 1 - span)];
  if (last === undefined || before === undefined || last === before) return 'steady';
  const delta = last.trend - before.trend;
  return delta <= -0.2 ? 'falling' : delta >= 0.2 ? 'rising' : 'steady';
}
