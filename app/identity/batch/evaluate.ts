/** Pairwise precision / recall / F1 of a clustering against known entities. */

export interface PairwiseScores {
  readonly truePairs: number;
  readonly predictedPairs: number;
  readonly correctPairs: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

function pairsIn(size: number): number {
  return (size * (size - 1)) / 2;
}

/** `predicted[i]` and `truth[i]` are cluster labels of record i. */
export function pairwiseScores(predicted: readonly string[], truth: readonly string[]): PairwiseScores {
  if (predicted.length !== truth.length) throw new Error('predicted and truth differ in length');
  const byPredicted = new Map<string, number>();
  const byTruth = new Map<string, number>();
  const byBoth = new Map<string, number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] as string;
    const t = truth[i] as string;
    byPredicted.set(p, (byPredicted.get(p) ?? 0) + 1);
    byTruth.set(t, (byTruth.get(t) ?? 0) + 1);
    const both = `${p}\u0000${t}`;
    byBoth.set(both, (byBoth.get(both) ?? 0) + 1);
  }
  let predictedPairs = 0;
  let truePairs = 0;
  let correctPairs = 0;
  for (const s of byPredicted.values()) predictedPairs += pairsIn(s);
  for (const s of byTruth.values()) truePairs += pairsIn(s);
  for (const s of byBoth.values()) correctPairs += pairsIn(s);
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePairs, predictedPairs, correctPairs, precision, recall, f1 };
}
