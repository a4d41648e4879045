/** Classification metrics for the bench and the training report. */

export interface ClassReport {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export function accuracy(gold: readonly string[], predicted: readonly string[]): number {
  if (gold.length !== predicted.length) throw new Error('gold and predicted differ in length');
  if (gold.length === 0) return 0;
  let hit = 0;
  gold.forEach((g, i) => {
    if (predicted[i] === g) hit += 1;
  });
  return hit / gold.length;
}

export function perClass(gold: readonly string[], predicted: readonly string[], labels: readonly string[]): ClassReport[] {
  if (gold.length !== predicted.length) throw new Error('gold and predicted differ in length');
  return labels.map((label) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const p = predicted[i];
      if (p === label && g === label) tp += 1;
      else if (p === label) fp += 1;
      else if (g === label) fn += 1;
    });
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support: tp + fn };
  });
}

/** Unweighted mean F1 over the labels present in the gold set. */
export function macroF1(gold: readonly string[], predicted: readonly string[]): number {
  const labels = [...new Set(gold)].sort();
  const reports = perClass(gold, predicted, labels);
  return reports.length === 0 ? 0 : reports.reduce((s, r) => s + r.f1, 0) / reports.length;
}

/** The most frequent label (ties broken alphabetically) — the majority-class baseline. */
export function majorityLabel(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = -1;
  for (const [l, n] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (n > bestCount) {
      best = l;
      bestCount = n;
    }
  }
  if (best === undefined) throw new Error('majorityLabel of an empty list');
  return best;
}
