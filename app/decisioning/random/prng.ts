/**
 * Randomness enters the domain core only through the `Random` port, so every decision can be
 * replayed in a test with a fixed seed. `createSeededRandom` is a small, fast generator (sfc32,
 * Chris Doty-Humphrey's "small fast counting" PRNG, 128-bit state) good enough for sampling;
 * it is not cryptographic and is not meant to be.
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

/** A deterministic generator: the same seed gives the same sequence on every platform. */
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

/** A uniform integer in [0, n). */
export function randomInt(rng: Random, n: number): number {
  return Math.min(n - 1, Math.floor(rng.next() * n));
}
