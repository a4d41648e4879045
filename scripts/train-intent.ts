/**
 * Reproduces app/signals/model/intent-model.json from
 *   - app/signals/training/<intent>.txt (hand-written CRM/sales/support examples),
 *   - app/signals/training/i18n/<intent>.txt (hand-written es/pt/fr/de examples),
 *   - ../shared/datasets/bitext/customer_support_sample.csv (Bitext, CDLA-Sharing-1.0; read in
 *     place, never copied; only trained weights — "Results" under that licence — are committed),
 *   - public sets read in place from the folder given with --data (Banking77, chit-chat queries,
 *     TREC questions; layout and licences in app/signals/training/README.md).
 * Own + Bitext are split with the same seeded stratified split (app/signals/corpus.ts); Banking77
 * and TREC keep their official test parts, chit-chat gets a seeded split; the model is trained on
 * the training parts only so the bench's held-out figures are honest.
 *
 *   npx tsx scripts/train-intent.ts --data <folder>            # writes the artifact, prints held-out scores
 *   npx tsx scripts/train-intent.ts --data <folder> --check    # retrains, fails if the committed artifact differs
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
import { CANONICAL_INTENTS, HIGH_STAKES_INTENTS, type Intent } from '../app/signals/intents';
import { mapBanking77Intent } from '../app/signals/banking77-mapping';
import { stratifiedSplit } from '../app/signals/split';
import { pivotStyle, pivotVocabulary } from '../app/signals/pivot';
import { trainSoftmax } from '../app/signals/train-softmax';
import { IntentModel, type IntentModelJson } from '../app/signals/intent-model';
import { macroF1, majorityLabel, perClass, accuracy } from '../app/signals/metrics';

export const BITEXT_RELATIVE_PATH = '../shared/datasets/bitext/customer_support_sample.csv';
export const TRAINING_DIR = 'app/signals/training';
export const I18N_DIR = 'app/signals/training/i18n';
/** Development set: first held out, then used to extend the glossary (app/signals/eval/README.md). */
export const MULTILINGUAL_EVAL_PATH = 'app/signals/eval/multilingual-intents.tsv';
/** Held-out set written after the first glossary changes (see app/signals/eval/README.md). */
export const MULTILINGUAL_FRESH_PATH = 'app/signals/eval/multilingual-intents-fresh.tsv';
/** Held-out chat-style set (informal, accents often missing). */
export const MULTILINGUAL_CHAT_PATH = 'app/signals/eval/multilingual-intents-chat.tsv';
const PUBLIC_SPLIT_SEED = 20251206;
/** TREC questions used as off-topic training text (a seeded sample, so they do not swamp the rest). */
const TREC_TRAIN_SAMPLE = 1500;
export const ARTIFACT_PATH = 'app/signals/model/intent-model.json';

export function loadOwnExamples(repoRoot: string): CorpusExample[] {
  const dir = path.join(repoRoot, TRAINING_DIR);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .flatMap((name) => parseExampleFile(readFileSync(path.join(dir, name), 'utf8'), name.slice(0, -'.txt'.length)));
}

/** Hand-written Spanish, Portuguese, French and German examples (training only). */
export function loadI18nExamples(repoRoot: string): CorpusExample[] {
  const dir = path.join(repoRoot, I18N_DIR);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .flatMap((name) =>
      parseExampleFile(readFileSync(path.join(dir, name), 'utf8'), name.slice(0, -'.txt'.length)).map((e) => ({
        ...e,
        source: 'own-i18n' as const,
      })),
    );
}

export interface MultilingualEvalExample {
  readonly language: string;
  readonly label: Intent;
  readonly text: string;
}

/** A committed multilingual evaluation set (never trained on): the development set unless `file` says otherwise. */
export function loadMultilingualEval(repoRoot: string, file: string = MULTILINGUAL_EVAL_PATH): MultilingualEvalExample[] {
  return readFileSync(path.join(repoRoot, file), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [language = '', label = '', text = ''] = l.split('\t');
      const intent = CANONICAL_INTENTS.find((c) => c === label);
      if (intent === undefined) throw new Error(`${file}: unknown intent "${label}"`);
      return { language, label: intent, text };
    });
}

export interface PublicIntentSets {
  readonly train: CorpusExample[];
  /** Banking77 official test part, mapped (all of it is service traffic). */
  readonly bankingTest: CorpusExample[];
  /** Off-topic and chit-chat held out: TREC official test questions and a seeded fifth of the chit-chat queries. */
  readonly offTopicTest: CorpusExample[];
}

function csvRows(file: string): Record<string, unknown>[] {
  const rows: unknown = parse(readFileSync(file), { columns: true, skip_empty_lines: true, relax_quotes: true });
  if (!Array.isArray(rows)) throw new Error(`${file}: unexpected CSV shape`);
  return rows as Record<string, unknown>[];
}

function banking77(file: string): CorpusExample[] {
  return csvRows(file).flatMap((r) => {
    const { text, category } = r;
    if (typeof text !== 'string' || typeof category !== 'string') return [];
    const label = mapBanking77Intent(category);
    return label === undefined ? [] : [{ text: text.trim(), label, source: 'banking77' as const }];
  });
}

function trecQuestions(file: string): CorpusExample[] {
  return readFileSync(file, 'latin1')
    .split(/\r?\n/)
    .map((l) =>
      l
        .replace(/^\S+\s/, '')
        .replace(/ \?$/, '?')
        .replace(/ ([,.;:])/g, '$1')
        .trim(),
    )
    .filter((l) => l !== '')
    .map((text) => ({ text, label: 'other' as const, source: 'trec' as const }));
}

/** Chit-chat queries (Microsoft Personality Chat, MIT): the Question column of the QnA files, de-duplicated. */
function chitChat(dir: string): CorpusExample[] {
  const seen = new Set<string>();
  const out: CorpusExample[] = [];
  for (const name of ['Queries_Responses_Professional_QnAMaker.tsv', 'Queries_Responses_Friendly_QnAMaker.tsv']) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/).slice(1)) {
      const q = (line.split('\t')[0] ?? '').trim();
      if (q === '' || seen.has(q.toLowerCase())) continue;
      seen.add(q.toLowerCase());
      out.push({ text: q, label: 'other', source: 'chitchat' });
    }
  }
  return out;
}

export function loadPublicIntentSets(dataDir: string): PublicIntentSets {
  const trecTrain = stratifiedSplit(
    trecQuestions(path.join(dataDir, 'harvard', 'TREC.train')),
    () => 'q',
    1 - TREC_TRAIN_SAMPLE / 5452,
    PUBLIC_SPLIT_SEED,
  ).train;
  const chat = stratifiedSplit(chitChat(path.join(dataDir, 'chitchat')), () => 'q', 0.2, PUBLIC_SPLIT_SEED);
  return {
    train: [...banking77(path.join(dataDir, 'banking77', 'train.csv')), ...trecTrain, ...chat.train],
    bankingTest: banking77(path.join(dataDir, 'banking77', 'test.csv')),
    offTopicTest: [...trecQuestions(path.join(dataDir, 'harvard', 'TREC.test')), ...chat.test],
  };
}

/** Service trouble recognised: the share of Banking77 held-out queries read as support, billing or complaint. */
export const TROUBLE_INTENTS: ReadonlySet<Intent> = new Set<Intent>(['support_request', 'billing_issue', 'complaint']);

export interface IntentEvaluation {
  readonly troubleRecall: number;
  readonly offTopicHighStakes: number;
  readonly multilingualAccuracy: number;
  readonly multilingualByLanguage: ReadonlyMap<string, number>;
}

export function evaluateIntents(
  classify: (text: string) => Intent,
  sets: Pick<PublicIntentSets, 'bankingTest' | 'offTopicTest'>,
  multilingual: readonly MultilingualEvalExample[],
): IntentEvaluation {
  const share = (n: number, d: number): number => (d === 0 ? 0 : n / d);
  const trouble = sets.bankingTest.filter((e) => TROUBLE_INTENTS.has(classify(e.text))).length;
  const alarms = sets.offTopicTest.filter((e) => HIGH_STAKES_INTENTS.has(classify(e.text))).length;
  const byLanguage = new Map<string, { n: number; hit: number }>();
  for (const e of multilingual) {
    const b = byLanguage.get(e.language) ?? { n: 0, hit: 0 };
    b.n += 1;
    if (classify(e.text) === e.label) b.hit += 1;
    byLanguage.set(e.language, b);
  }
  const total = [...byLanguage.values()].reduce((a, b) => ({ n: a.n + b.n, hit: a.hit + b.hit }), { n: 0, hit: 0 });
  return {
    troubleRecall: share(trouble, sets.bankingTest.length),
    offTopicHighStakes: share(alarms, sets.offTopicTest.length),
    multilingualAccuracy: share(total.hit, total.n),
    multilingualByLanguage: new Map([...byLanguage].map(([l, b]) => [l, share(b.hit, b.n)])),
  };
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

/** Banking77 is large and single-domain: its examples count for less so CRM intents keep their say. */
const SOURCE_WEIGHT: Readonly<Partial<Record<CorpusExample['source'], number>>> = { banking77: 0.3, trec: 0.5, 'pivot-style': 0.5 };

/**
 * Pivot-style copies of the own and Bitext training examples (pivot.ts `pivotStyle`): what an
 * English message would look like after the glossary, so the model learns to read the sparse
 * English that Spanish, Portuguese, French and German messages become. Copies of two words or
 * fewer, or identical to their original, are dropped.
 */
export function pivotStyleCopies(examples: readonly CorpusExample[]): CorpusExample[] {
  const vocabulary = pivotVocabulary();
  return examples.flatMap((e) => {
    if (e.source !== 'own' && e.source !== 'bitext') return [];
    const copy = pivotStyle(e.text, vocabulary);
    return copy.split(' ').length <= 2 || copy === e.text.toLowerCase()
      ? []
      : [{ text: copy, label: e.label, source: 'pivot-style' as const }];
  });
}

export function trainArtifact(train: readonly CorpusExample[], sources: readonly string[]): IntentModelJson {
  return trainSoftmax(train, {
    classes: CANONICAL_INTENTS,
    seed: TRAIN_SEED,
    minCount: 1,
    minWeight: 0.05,
    decimals: 2,
    otherThreshold: OTHER_THRESHOLD,
    featurizer: 'multilingual/1',
    exampleWeight: (e) => SOURCE_WEIGHT[(e as CorpusExample).source] ?? 1,
    meta: {
      trainedBy: 'scripts/train-intent.ts',
      sources,
      split: CORPUS_SPLIT,
      features:
        'binary word unigrams + bigrams (light stemming), L2-normalised; non-English words prefixed by language plus their glossary English (pivot.ts)',
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

export const INTENT_SOURCES: readonly string[] = [
  'app/signals/training/*.txt',
  'app/signals/training/i18n/*.txt',
  'bitext customer_support_sample.csv',
  'banking77 train.csv',
  'trec questions (sample)',
  'personality-chat queries',
  'pivot-style copies of own + bitext training examples',
];

/** Everything the artifact is trained on, and the own+Bitext held-out part. */
export function intentTrainingSet(
  repoRoot: string,
  dataDir: string,
): { train: CorpusExample[]; test: CorpusExample[]; sets: PublicIntentSets } | undefined {
  const bitext = loadBitextExamples(repoRoot);
  if (bitext === undefined) return undefined;
  const { train, test } = splitCorpus([...loadOwnExamples(repoRoot), ...bitext]);
  const sets = loadPublicIntentSets(dataDir);
  return { train: [...train, ...pivotStyleCopies(train), ...loadI18nExamples(repoRoot), ...sets.train], test, sets };
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: readonly string[]): number {
  const repoRoot = process.cwd();
  const dataDir = argValue(argv, '--data');
  if (dataDir === undefined || !existsSync(dataDir)) {
    console.error('usage: npx tsx scripts/train-intent.ts --data <folder> [--check]   (see app/signals/training/README.md for the layout)');
    return 2;
  }
  const corpus = intentTrainingSet(repoRoot, dataDir);
  if (corpus === undefined) {
    console.error(`train-intent: ${BITEXT_RELATIVE_PATH} not found (run from the repo root with ../shared present)`);
    return 1;
  }
  const { train, test, sets } = corpus;
  console.log(`corpus: ${train.length} train / ${test.length} own+bitext held-out`);
  const model = trainArtifact(train, INTENT_SOURCES);
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
  const m = new IntentModel(model);
  const ev = evaluateIntents((t) => m.score(t).intent, sets, loadMultilingualEval(repoRoot));
  console.log(
    `banking77 held-out trouble recall ${ev.troubleRecall.toFixed(4)} (n=${sets.bankingTest.length}); off-topic/chit-chat high-stakes ${ev.offTopicHighStakes.toFixed(4)} (n=${sets.offTopicTest.length})`,
  );
  console.log(
    `multilingual development-set accuracy ${ev.multilingualAccuracy.toFixed(4)} ${[...ev.multilingualByLanguage].map(([l, a]) => `${l} ${a.toFixed(3)}`).join(' ')}`,
  );
  const fresh = evaluateIntents(
    (t) => m.score(t).intent,
    { bankingTest: [], offTopicTest: [] },
    loadMultilingualEval(repoRoot, MULTILINGUAL_FRESH_PATH),
  );
  console.log(
    `multilingual held-out (fresh) accuracy ${fresh.multilingualAccuracy.toFixed(4)} ${[...fresh.multilingualByLanguage].map(([l, a]) => `${l} ${a.toFixed(3)}`).join(' ')}`,
  );
  const chat = evaluateIntents(
    (t) => m.score(t).intent,
    { bankingTest: [], offTopicTest: [] },
    loadMultilingualEval(repoRoot, MULTILINGUAL_CHAT_PATH),
  );
  console.log(
    `multilingual held-out (chat) accuracy ${chat.multilingualAccuracy.toFixed(4)} ${[...chat.multilingualByLanguage].map(([l, a]) => `${l} ${a.toFixed(3)}`).join(' ')}`,
  );
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
