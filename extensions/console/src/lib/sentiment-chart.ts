/** Geometry of the sentiment trend chart (pure, tested in extensions/console/test). */
import type { SentimentTrend } from '../../../../app/contracts';

/** What the chart uses of the conversation's trend points and falls (app/contracts/conversation.ts). */
export type TrendPointIn = Pick<SentimentTrend['points'][number], 'at' | 'messageId' | 'sentiment' | 'trend'>;
export type FallIn = Pick<SentimentTrend['falls'][number], 'messageId' | 'from' | 'to'>;

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly pad: number;
}

export interface ChartGeometry {
  /** SVG path of the trend line (empty for no points). */
  readonly trendPath: string;
  /** One dot per customer message: its own sentiment. */
  readonly dots: readonly { x: number; y: number; sentiment: number; messageId: string }[];
  /** y of sentiment 0. */
  readonly zeroY: number;
  /** A sharp fall: a vertical mark at the message, from the baseline down to the trend after it. */
  readonly falls: readonly { x: number; y1: number; y2: number; messageId: string }[];
}

export const DEFAULT_BOX: ChartBox = { width: 480, height: 160, pad: 12 };

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Messages spread evenly left to right (oldest left); sentiment +1 at the top, −1 at the bottom. */
export function chartGeometry(points: readonly TrendPointIn[], falls: readonly FallIn[], box: ChartBox = DEFAULT_BOX): ChartGeometry {
  const inner = { w: box.width - 2 * box.pad, h: box.height - 2 * box.pad };
  const x = (i: number): number => r1(box.pad + (points.length <= 1 ? inner.w / 2 : (i * inner.w) / (points.length - 1)));
  const y = (v: number): number => r1(box.pad + ((1 - Math.max(-1, Math.min(1, v))) / 2) * inner.h);
  const trendPath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i)} ${y(p.trend)}`).join(' ');
  const index = new Map(points.map((p, i) => [p.messageId, i]));
  return {
    trendPath,
    dots: points.map((p, i) => ({ x: x(i), y: y(p.sentiment), sentiment: p.sentiment, messageId: p.messageId })),
    zeroY: y(0),
    falls: falls.flatMap((f) => {
      const i = index.get(f.messageId);
      return i === undefined ? [] : [{ x: x(i), y1: y(f.from), y2: y(f.to), messageId: f.messageId }];
    }),
  };
}
