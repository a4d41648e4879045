import {
  addSignal,
  decayFactor,
  DEFAULT_HOTNESS,
  emptyHotness,
  hotnessAt,
  hotnessIndex,
  signalWeight,
  type HotnessSettings,
} from '../../../app/journey/hotness';

const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;

describe('hotness with exponential decay', () => {
  it.each([
    [0, 1],
    [72, 0.5],
    [144, 0.25],
    [36, Math.SQRT1_2],
  ])('decays by %p hours → factor %p (72 h half-life)', (hours, factor) => {
    expect(decayFactor(hours * HOUR, 72)).toBeCloseTo(factor, 12);
  });

  it('halves the score after one half-life and respects a configured half-life', () => {
    const s = addSignal(emptyHotness(T0), { intent: 'purchase_intent', at: T0 });
    expect(s.score).toBe(10);
    expect(hotnessAt(s, T0 + 72 * HOUR)).toBeCloseTo(5, 12);
    const fast: HotnessSettings = { ...DEFAULT_HOTNESS, halfLifeHours: 24 };
    expect(hotnessAt(s, T0 + 72 * HOUR, fast)).toBeCloseTo(1.25, 12);
  });

  it('weights intents by confidence and urgency', () => {
    expect(signalWeight({ intent: 'demo_request', at: T0, urgency: 'high', confidence: 0.5 })).toBeCloseTo(12 * 0.5 * 1.5, 12);
    expect(signalWeight({ intent: 'unknown_intent', at: T0 })).toBe(0);
  });

  it('adds recent signals on top of the decayed score', () => {
    let s = addSignal(emptyHotness(T0), { intent: 'purchase_intent', at: T0 });
    s = addSignal(s, { intent: 'demo_request', at: T0 + 72 * HOUR });
    expect(s.score).toBeCloseTo(5 + 12, 12);
    expect(s.asOf).toBe(T0 + 72 * HOUR);
  });

  it('gives the same score whatever order the signals arrive in', () => {
    const signals = [
      { intent: 'purchase_intent', at: T0 + 10 * HOUR },
      { intent: 'demo_request', at: T0 },
      { intent: 'objection', at: T0 + 40 * HOUR, urgency: 'medium' as const },
    ];
    const inOrder = [...signals].sort((a, b) => a.at - b.at).reduce((s, x) => addSignal(s, x), emptyHotness(T0));
    const shuffled = signals.reduce((s, x) => addSignal(s, x), emptyHotness(T0));
    const now = T0 + 100 * HOUR;
    expect(hotnessAt(shuffled, now)).toBeCloseTo(hotnessAt(inOrder, now), 10);
  });

  it('cools down on an unsubscribe but never below zero', () => {
    let s = addSignal(emptyHotness(T0), { intent: 'purchase_intent', at: T0 });
    s = addSignal(s, { intent: 'unsubscribe', at: T0 + HOUR });
    expect(s.score).toBe(0);
  });

  it('maps to a 0–100 index that falls as time passes', () => {
    const s = addSignal(emptyHotness(T0), { intent: 'demo_request', at: T0, urgency: 'high' });
    const now = hotnessIndex(s, T0);
    const later = hotnessIndex(s, T0 + 7 * 24 * HOUR);
    expect(now).toBeCloseTo(100 * (1 - Math.exp(-1.8)), 1);
    expect(later).toBeLessThan(now);
    expect(hotnessIndex(emptyHotness(T0), T0)).toBe(0);
  });
});
