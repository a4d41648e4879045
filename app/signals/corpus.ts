import { mapBitextIntent } from './bitext-mapping';
import { isIntent, type Intent } from './intents';
import { stratifiedSplit, type Split } from './split';

/** Fixed seeds and shares: the artifact, the bench and the tests all derive the same split from them. */
export const CORPUS_SPLIT = { seed: 20250611, testShare: 0.2 } as const;
export const TRAIN_SEED = 7;
export const OTHER_THRESHOLD = 0.4;

/** own: app/signals/training/*.txt; own-i18n: training/i18n; the rest are public sets (training/README.md). */
export type CorpusSource = 'own' | 'bitext' | 'own-i18n' | 'banking77' | 'chitchat' | 'trec' | 'pivot-style';

export interface CorpusExample {
  readonly text: string;
  readonly label: Intent;
  readonly source: CorpusSource;
}

/** Lines of one hand-written file (`training/<intent>.txt`); `#` starts a comment line. */
export function parseExampleFile(content: string, label: string): CorpusExample[] {
  if (!isIntent(label)) throw new Error(`training file for unknown intent "${label}"`);
  return content
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((text) => ({ text, label, source: 'own' as const }));
}

export interface BitextRow {
  readonly instruction: string;
  readonly intent: string;
}

export function mapBitextRows(rows: readonly BitextRow[]): CorpusExample[] {
  return rows.flatMap((row) => {
    const label = mapBitextIntent(row.intent, row.instruction);
    const text = row.instruction.trim();
    return label === undefined || text === '' ? [] : [{ text, label, source: 'bitext' as const }];
  });
}

/** Drops exact duplicates (case/space-insensitive) and texts that appear with conflicting labels. */
export function dedupe(examples: readonly CorpusExample[]): CorpusExample[] {
  const key = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ');
  const labels = new Map<string, Set<Intent>>();
  for (const e of examples) {
    const k = key(e.text);
    const set = labels.get(k) ?? new Set<Intent>();
    set.add(e.label);
    labels.set(k, set);
  }
  const seen = new Set<string>();
  return examples.filter((e) => {
    const k = key(e.text);
    if (seen.has(k) || (labels.get(k)?.size ?? 0) > 1) return false;
    seen.add(k);
    return true;
  });
}

/** Seeded split stratified by source and label, so each source keeps its own held-out share. */
export function splitCorpus(examples: readonly CorpusExample[]): Split<CorpusExample> {
  return stratifiedSplit(dedupe(examples), (e) => `${e.source}:${e.label}`, CORPUS_SPLIT.testShare, CORPUS_SPLIT.seed);
}
