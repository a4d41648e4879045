import { mulberry32, shuffled } from './prng';

export interface Split<T> {
  readonly train: T[];
  readonly test: T[];
}

/**
 * Stratified, seeded hold-out split: within each label, a seeded shuffle puts
 * round(n × testShare) items in the test part. Same input + seed → same split.
 */
export function stratifiedSplit<T>(items: readonly T[], labelOf: (item: T) => string, testShare: number, seed: number): Split<T> {
  const byLabel = new Map<string, T[]>();
  for (const item of items) {
    const label = labelOf(item);
    const bucket = byLabel.get(label);
    if (bucket) bucket.push(item);
    else byLabel.set(label, [item]);
  }
  const train: T[] = [];
  const test: T[] = [];
  const rng = mulberry32(seed);
  for (const label of [...byLabel.keys()].sort()) {
    const bucket = shuffled(byLabel.get(label) as T[], rng);
    const nTest = Math.round(bucket.length * testShare);
    test.push(...bucket.slice(0, nTest));
    train.push(...bucket.slice(nTest));
  }
  return { train, test };
}
