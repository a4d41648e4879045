/**
 * Hotness: how warm a person is right now, from recency-weighted intent signals.
 *
 * Each signal adds weight(intent) × confidence × urgency factor; the sum decays exponentially with
 * a configurable half-life: score(t) = Σ w_i · 2^(−(t − t_i) / halfLife). The state keeps only the
 * score at `asOf`, so updating is O(1) and a late (out-of-order) signal adds its already-decayed
 * contribution — the result is the same as if it had arrived in order. Negative weights (an
 * unsubscribe) cool the score down, never below zero. `hotnessIndex` maps the raw score to 0–100
 * for display: 100 · (1 − e^(−score / scale)).
 */
export interface HotnessSettings {
  readonly halfLifeHours: number;
  /** Raw score at which the index reaches ~63. */
  readonly scale: number;
  readonly intentWeights: Readonly<Record<string, number>>;
  readonly urgencyFactor: Readonly<Record<'low' | 'medium' | 'high', number>>;
}

export const DEFAULT_HOTNESS: HotnessSettings = {
  halfLifeHours: 72,
  scale: 10,
  intentWeights: {
    purchase_intent: 10,
    demo_request: 12,
    objection: 3,
    positive_feedback: 3,
    support_request: 1,
    human_handoff: 2,
    billing_issue: 0,
    complaint: 0,
    cancellation: -5,
    unsubscribe: -10,
    other: 0.5,
  },
  urgencyFactor: { low: 1, medium: 1.2, high: 1.5 },
};

export interface HotnessState {
  /** Raw score at `asOf`. */
  readonly score: number;
  /** Epoch ms. */
  readonly asOf: number;
}

export interface HotnessSignal {
  readonly intent: string;
  readonly at: number;
  readonly urgency?: 'low' | 'medium' | 'high';
  /** Classifier confidence in [0, 1]; 1 when absent. */
  readonly confidence?: number;
}

const HOUR_MS = 3_600_000;

export function decayFactor(elapsedMs: number, halfLifeHours: number): number {
  return Math.pow(2, -elapsedMs / (halfLifeHours * HOUR_MS));
}

/** The raw score at `at` (decayed forward; a time before asOf is treated as asOf). */
export function hotnessAt(state: HotnessState, at: number, settings: HotnessSettings = DEFAULT_HOTNESS): number {
  return state.score * decayFactor(Math.max(0, at - state.asOf), settings.halfLifeHours);
}

export function signalWeight(signal: HotnessSignal, settings: HotnessSettings = DEFAULT_HOTNESS): number {
  const base = settings.intentWeights[signal.intent] ?? 0;
  const confidence = Math.max(0, Math.min(1, signal.confidence ?? 1));
  return base * confidence * settings.urgencyFactor[signal.urgency ?? 'low'];
}

export function addSignal(state: HotnessState, signal: HotnessSignal, settings: HotnessSettings = DEFAULT_HOTNESS): HotnessState {
  const weight = signalWeight(signal, settings);
  if (signal.at >= state.asOf) {
    return { score: Math.max(0, hotnessAt(state, signal.at, settings) + weight), asOf: signal.at };
  }
  // Late signal: its contribution has already decayed by the time of the current state.
  const late = weight * decayFactor(state.asOf - signal.at, settings.halfLifeHours);
  return { score: Math.max(0, state.score + late), asOf: state.asOf };
}

/** 0–100 display index of the score at `now`. */
export function hotnessIndex(state: HotnessState, now: number, settings: HotnessSettings = DEFAULT_HOTNESS): number {
  const raw = hotnessAt(state, now, settings);
  return Math.round(1000 * (1 - Math.exp(-raw / settings.scale))) / 10;
}

export function emptyHotness(at: number): HotnessState {
  return { score: 0, asOf: at };
}
