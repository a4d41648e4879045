/** A seeded pseudo-random source: callers pass one in so every run is reproducible. */
export type Random = () => number;

/**
 * mulberry32: small, fast, good enough for sampling, splits and synthetic data (not for secrets).
 * Used by identity (EM sampling, synthetic populations) and signals (training splits).
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
