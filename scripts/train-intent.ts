/**
 * Reproduces app/signals/model/intent-model.json from
 *   - app/signals/training/<intent>.txt (hand-written CRM/sales/support examples), and
 *   - ../shared/datasets/bitext/customer_support_sample.csv (Bitext, CDLA-Sharing-1.0; read in
 *     place, never copied; only trained weights — "Results" under that licence — are committed).
 * Both are split with the same seeded stratified split (app/signals/corpus.ts); the model is
 * trained on the training part only so the bench's held-out figures are honest.
 *
 *   npx tsx scripts/train-intent.ts            # writes the artifact and prints held-out scores
 *   npx tsx scripts/train-intent.ts --check    # retrains and fails if the committed artifact differs
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  CORPUS_SPLIT,
  OTHER_THRESHOLD,
  TRAIN_SEED,
  mapBitextRows,
  parseExampleFile,
  splitCorpus,
  type BitextRow,
  type CorpusExample,
} from '../app/signals/corpus';
import { CANONICAL_INTENTS } from '../app/signals/intents';
import { trainSoftmax } from '../app/signals/train-softmax';
import { IntentModel, type IntentModelJson } from '../app/signals/intent-model';
import { macroF1, majorityLabel, perClass, accuracy } from '../app/signals/metrics';

export const BITEXT_RELATIVE_PATH = '../shared/datasets/bitext/customer_support_sample.csv';
export const TRAINING_DIR = 'app/signals/training';
export const ARTIFACT_PATH = 'app/signals/model/intent-model.json';

export function loadOwnExamples(repoRoot: string): CorpusExample[] {
  const dir = path.join(repoRoot, TRAINING_DIR);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .flatMap((name) => parseExampleFile(readFileSync(path.join(dir, name), 'utf8'), name.slice(0, -'.txt'.length)));
}

/** The Bitext rows mapped to canonical intents, or undefined when ../shared is not there. */
export function loadBitextExamples(repoRoot: string): CorpusExample[] | undefined {
  const file = path.resolve(repoRoot, BITEXT_RELATIVE_PATH);
  if (!existsSync(file)) return undefined;
  const rows: unknown = parse(readFileSync(file), { columns: true, skip_empty_lines: true });
  if (!Array.isArray(rows)) throw new Error('bitext: unexpected CSV shape');
  const typed: BitextRow[] = rows.flatMap((r: unknown) => {
    if (typeof r !== 'object' || r === null) return [];
    const { instruction, intent } = r as Record<string, unknown>;
    return typeof instruction === 'string' && typeof intent === 'string' ? [{ instruction, intent }] : [];
  });
  return mapBitextRows(typed);
}

export function trainArtifact(train: readonly CorpusExample[], sources: readonly string[]): IntentModelJson {
  return trainSoftmax(train, {
    classes: CANONICAL_INTENTS,
    seed: TRAIN_SEED,
    minCount: 1,
    otherThreshold: OTHER_THRESHOLD,
    meta: {
      trainedBy: 'scripts/train-intent.ts',
      sources,
      split: CORPUS_SPLIT,
      features: 'binary word unigrams + bigrams (light stemming), L2-normalised',
    },
  });
}

function report(model: IntentModelJson, test: readonly CorpusExample[], train: readonly CorpusExample[]): void {
  const m = new IntentModel(model);
  const gold = test.map((e) => e.label);
  const predicted = test.map((e) => m.score(e.text).intent);
  const majority = majorityLabel(train.map((e) => e.label));
  const baseline = gold.map(() => majority);
  console.log(`held-out: ${test.length} texts; accuracy ${accuracy(gold, predicted).toFixed(4)}`);
  console.log(`macro-F1 ${macroF1(gold, predicted).toFixed(4)} vs majority-class (${majority}) ${macroF1(gold, baseline).toFixed(4)}`);
  for (const source of ['own', 'bitext'] as const) {
    const idx = test.flatMap((e, i) => (e.source === source ? [i] : []));
    if (idx.length === 0) continue;
    const g = idx.map((i) => gold[i] as string);
    const p = idx.map((i) => predicted[i] as string);
    console.log(`  ${source}: n=${idx.length} macro-F1 ${macroF1(g, p).toFixed(4)} accuracy ${accuracy(g, p).toFixed(4)}`);
  }
  for (const r of perClass(gold, predicted, CANONICAL_INTENTS)) {
    console.log(`  ${r.label.padEnd(18)} P ${r.precision.toFixed(3)} R ${r.recall.toFixed(3)} F1 ${r.f1.toFixed(3)} n=${r.support}`);
  }
}

function main(argv: readonly string[]): number {
  const repoRoot = process.cwd();
  const own = loadOwnExamples(repoRoot);
  const bitext = loadBitextExamples(repoRoot);
  if (bitext === undefined) {
    console.error(`train-intent: ${BITEXT_RELATIVE_PATH} not found (run from the repo root with ../shared present)`);
    return 1;
  }
  const { train, test } = splitCorpus([...own, ...bitext]);
  console.log(`corpus: ${own.length} own + ${bitext.length} bitext examples → ${train.length} train / ${test.length} held-out`);
  const model = trainArtifact(train, ['app/signals/training/*.txt', 'bitext customer_support_sample.csv']);
  const serialised = `${JSON.stringify(model)}\n`;
  const artifact = path.join(repoRoot, ARTIFACT_PATH);
  if (argv.includes('--check')) {
    const same = existsSync(artifact) && readFileSync(artifact, 'utf8') === serialised;
    console.log(same ? 'artifact is up to date' : 'artifact differs from a fresh training run');
    return same ? 0 : 1;
  }
  writeFileSync(artifact, serialised);
  console.log(`wrote ${ARTIFACT_PATH} (${(serialised.length / 1024).toFixed(0)} KiB, ${Object.keys(model.weights).length} features)`);
  report(model, test, train);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
