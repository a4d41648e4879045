/**
 * Term-frequency adjustment: agreeing on a rare value ("sondergeld") is stronger evidence than
 * agreeing on a common one ("smith"). At the exact level the Bayes factor m/u becomes m/tf(value),
 * i.e. the weight moves by log2(u_exact / tf(value)).
 */
import type { Columns } from '../compare/comparisons';

export interface TermFrequencies {
  readonly field: string;
  readonly frequency: ReadonlyMap<string, number>;
  readonly minFrequency: number;
}

export function termFrequencies(columns: Columns, field: string, n: number): TermFrequencies {
  const counts = new Map<string, number>();
  let total = 0;
  const col = columns[field] ?? [];
  for (let i = 0; i < n; i++) {
    const v = col[i] ?? '';
    if (v.length === 0) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    total++;
  }
  const frequency = new Map<string, number>();
  for (const [v, c] of counts) frequency.set(v, c / Math.max(total, 1));
  return { field, frequency, minFrequency: 1 / Math.max(total, 1) };
}

/** Weight adjustment for an exact agreement on `value`, clamped to ±maxBits. */
export function tfAdjustment(tf: TermFrequencies, value: string, uExact: number, maxBits: number): number {
  const f = tf.frequency.get(value) ?? tf.minFrequency;
  const adj = Math.log2(Math.max(uExact, 1e-9) / Math.max(f, tf.minFrequency));
  return Math.max(-maxBits, Math.min(maxBits, adj));
}
