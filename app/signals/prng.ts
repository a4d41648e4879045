/** Seeded PRNG (mulberry32) so training and splits are reproducible bit for bit. */
import type { Random as Rng } from '../shared/random';

export { seededRandom as mulberry32, type Random as Rng } from '../shared/random';

/** Fisher–Yates shuffle into a new array. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng.next() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}
