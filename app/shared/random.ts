/**
 * The one Random port: randomness enters the domain only through it, so every decision, training run
 * and synthetic population can be replayed with a fixed seed. Two seeded generators, both behind the
 * same shape (neither is cryptographic, nor meant to be):
 * - `createSeededRandom` (sfc32, "small fast counting", 128-bit state; string or number seeds):
 *   decisioning, the simulator and the demo;
 * - `seededRandom` (mulberry32, 32-bit state): identity (EM sampling, synthetic populations) and
 *   signals (training order, splits), whose stored results were made with it.
 */
export interface Random {
  /** A uniform number in [0, 1). */
  next(): number;
}

/** Mixes a string or number seed into four 32-bit words (splitmix32-style avalanche). */
function seedWords(seed: number | string): [number, number, number, number] {
  let h = 0x9e3779b9;
  const text = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    h = (h + 0x6d2b79f5) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    words.push((z ^ (z >>> 14)) >>> 0);
  }
  return [words[0] ?? 1, words[1] ?? 2, words[2] ?? 3, words[3] ?? 4];
}

/** sfc32: the same seed gives the same sequence on every platform. */
export function createSeededRandom(seed: number | string): Random {
  let [a, b, c, d] = seedWords(seed);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard the first outputs: sfc32 needs a few rounds to mix a weak seed.
  for (let i = 0; i < 12; i++) next();
  return { next };
}

/** mulberry32: small and fast, for sampling, splits and synthetic data. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    next: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Random, n: number): number {
  return Math.min(n - 1, Math.floor(rng.next() * n));
}

/** A uniform element of a non-empty list. */
export function pick<T>(rng: Random, items: readonly T[]): T {
  const item = items[randomInt(rng, items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
