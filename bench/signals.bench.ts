import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vader from 'vader-sentiment';
import { type BenchFigure, type BenchSuite } from './types';
import {
  ARTIFACT_PATH,
  evaluateIntents,
  intentTrainingSet,
  loadBitextExamples,
  loadMultilingualEval,
  loadOwnExamples,
  loadPublicIntentSets,
  MULTILINGUAL_FRESH_PATH,
  MULTILINGUAL_CHAT_PATH,
  trainArtifact,
  INTENT_SOURCES,
} from '../scripts/train-intent';
import {
  loadSentimentCnn,
  loadSentimentCorpus,
  SENTIMENT_ARTIFACT_PATH,
  sentimentScores,
  trainSentimentArtifact,
  type SentimentExample,
} from '../scripts/train-sentiment';
import { splitCorpus, type CorpusExample } from '../app/signals/corpus';
import { HIGH_STAKES_INTENTS, type Intent } from '../app/signals/intents';
import { accuracy, macroF1, majorityLabel } from '../app/signals/metrics';
import { OfflineSignalExtractor } from '../app/signals/offline-extractor';
import { scoreSentiment, scoreSentimentLexicon } from '../app/signals/sentiment';
import { polarityScores } from '../app/signals/vader';
import { labelSentiment, type SentimentLabel } from '../app/signals/signal-extractor';
import { guessLanguage } from '../app/signals/language';

const SENTIMENT_CHECK = 'app/signals/eval/sentiment-check.tsv';
const REVIEW_SAMPLE = 'app/signals/eval/review-sentences-sample.tsv';
/** Folder with the public sets (layout in app/signals/training/README.md); figures on them are skipped without it. */
const DATA_ENV = 'SIGNALS_DATA';

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function withBaseline(name: string, value: number, baseline: number, unit: string): BenchFigure {
  return { name, value: round(value), unit, baseline: round(baseline), ratio: baseline === 0 ? 0 : round(value / baseline, 2) };
}

function intentFigures(name: string, test: readonly CorpusExample[], majority: string, extractor: OfflineSignalExtractor): BenchFigure {
  const gold = test.map((e) => e.label);
  const predicted = test.map((e) => extractor.extractSync(e.text).intent);
  return withBaseline(
    name,
    macroF1(gold, predicted),
    macroF1(
      gold,
      gold.map(() => majority),
    ),
    'macro-F1',
  );
}

function tsv(root: string, file: string): string[][] {
  return readFileSync(path.join(root, file), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

// As the offline extractor does: the language guessed once, the CNN mixed in for English only.
const ours = (text: string): SentimentLabel => scoreSentiment(text, undefined, guessLanguage(text).language).label;
const linearOnly = (text: string): SentimentLabel => scoreSentiment(text, undefined, guessLanguage(text).language, null).label;
const previous = (text: string): SentimentLabel => scoreSentimentLexicon(text).label;

/** Sentiment figures for one set: binary accuracy on opinions (neutral counts wrong), or neutral accuracy. */
function sentimentFigures(name: string, examples: readonly SentimentExample[]): BenchFigure[] {
  const now = sentimentScores(ours, examples);
  const before = sentimentScores(previous, examples);
  const out: BenchFigure[] = [];
  if (now.nOpinion > 0) {
    out.push(
      withBaseline(
        `signals: sentiment binary accuracy, held-out ${name}, neutral counted wrong (n=${now.nOpinion}; baseline: previous VADER+lexicon)`,
        now.opinionAccuracy,
        before.opinionAccuracy,
        'accuracy',
      ),
    );
    out.push(
      withBaseline(
        `signals: sentiment binary accuracy, held-out ${name}, neutral counted wrong (n=${now.nOpinion}; baseline: the linear model + lexicon without the CNN)`,
        now.opinionAccuracy,
        sentimentScores(linearOnly, examples).opinionAccuracy,
        'accuracy',
      ),
    );
    out.push(
      withBaseline(
        `signals: opinionated sentences called neutral, held-out ${name} (baseline: previous VADER+lexicon)`,
        now.neutralRate,
        before.neutralRate,
        'share',
      ),
    );
  }
  if (now.nNeutral > 0 && now.nOpinion === 0) {
    out.push(
      withBaseline(
        `signals: neutral kept neutral, held-out ${name} (n=${now.nNeutral}; baseline: previous VADER+lexicon)`,
        now.neutralAccuracy,
        before.neutralAccuracy,
        'accuracy',
      ),
    );
  }
  return out;
}

export const signalsBench: BenchSuite = {
  name: 'signals',
  async run(progress) {
    const root = process.cwd();
    const extractor = new OfflineSignalExtractor();
    const figures: BenchFigure[] = [];
    const dataDir = process.env[DATA_ENV];
    const haveData = dataDir !== undefined && existsSync(dataDir);
    if (!haveData) progress(`${DATA_ENV} is not set to the public data folder: only the committed samples are measured`);

    // --- Intent ---------------------------------------------------------------------------------
    const own = loadOwnExamples(root);
    const bitext = loadBitextExamples(root);
    if (bitext === undefined) progress('bitext dataset not found under ../shared: intent figures use the hand-written examples only');
    const { train, test } = splitCorpus([...own, ...(bitext ?? [])]);
    const majority = majorityLabel(train.map((e) => e.label));
    progress(`intent: ${test.length} held-out texts (split seeded, model trained on the other part)`);
    if (bitext !== undefined) {
      figures.push(intentFigures('signals: intent macro-F1, held-out own+bitext (baseline: majority class)', test, majority, extractor));
    }
    const ownTest = test.filter((e) => e.source === 'own');
    const ownMajority = majorityLabel(train.filter((e) => e.source === 'own').map((e) => e.label));
    figures.push(
      intentFigures('signals: intent macro-F1, held-out own CRM examples (baseline: majority class)', ownTest, ownMajority, extractor),
    );

    const multilingual = loadMultilingualEval(root);
    const classify = (text: string): Intent => extractor.extractSync(text).intent;
    if (haveData) {
      const sets = loadPublicIntentSets(dataDir);
      const ev = evaluateIntents(classify, sets, multilingual);
      figures.push({
        name: `signals: Banking77 held-out service trouble read as support/billing/complaint (n=${sets.bankingTest.length})`,
        value: round(ev.troubleRecall),
        unit: 'recall',
      });
      figures.push({
        name: `signals: held-out off-topic + chit-chat (TREC test, Personality Chat) given a high-stakes intent (n=${sets.offTopicTest.length})`,
        value: round(ev.offTopicHighStakes),
        unit: 'share',
      });
    }
    const offTopic = test.filter((e) => e.label === 'other');
    const falseAlarms = offTopic.filter((e) => HIGH_STAKES_INTENTS.has(classify(e.text))).length;
    figures.push({
      name: 'signals: held-out own+bitext "other" texts given a high-stakes intent',
      value: round(offTopic.length === 0 ? 0 : falseAlarms / offTopic.length),
      unit: 'share',
    });

    const fresh = loadMultilingualEval(root, MULTILINGUAL_FRESH_PATH);
    const chat = loadMultilingualEval(root, MULTILINGUAL_CHAT_PATH);
    const sets = [
      ['held-out (fresh) multilingual', fresh],
      ['held-out chat-style multilingual (informal, accents often missing)', chat],
      ['multilingual development set (glossary extended on it)', multilingual],
    ] as const;
    for (const [label, set] of sets) {
      const ml = evaluateIntents(classify, { bankingTest: [], offTopicTest: [] }, set);
      const majorityOfSet = majorityLabel(set.map((e) => e.label));
      figures.push(
        withBaseline(
          `signals: intent accuracy, ${label} customer messages es/pt/fr/de (n=${set.length}; baseline: majority class)`,
          ml.multilingualAccuracy,
          accuracy(
            set.map((e) => e.label),
            set.map(() => majorityOfSet),
          ),
          'accuracy',
        ),
      );
      for (const [language, acc] of ml.multilingualByLanguage)
        figures.push({ name: `signals: intent accuracy, ${label}, ${language}`, value: round(acc), unit: 'accuracy' });
      const languageHits = set.filter((e) => guessLanguage(e.text).language === e.language).length;
      figures.push({
        name: `signals: language identified, ${label} customer messages`,
        value: round(languageHits / set.length),
        unit: 'accuracy',
      });
      // Sentiment in the same languages: praise should read positive and complaints negative.
      const opinions = set.flatMap((e) =>
        e.label === 'positive_feedback' ? [{ e, want: 'positive' }] : e.label === 'complaint' ? [{ e, want: 'negative' }] : [],
      );
      const polarityRight = (f: (text: string) => SentimentLabel): number =>
        opinions.filter((o) => f(o.e.text) === o.want).length / Math.max(1, opinions.length);
      figures.push(
        withBaseline(
          `signals: sentiment of praise and complaint messages, ${label} (n=${opinions.length}; baseline: previous VADER+lexicon)`,
          polarityRight(ours),
          polarityRight(previous),
          'accuracy',
        ),
      );
    }

    // --- Sentiment ------------------------------------------------------------------------------
    progress('sentiment: committed review sample and check set');
    const sample: SentimentExample[] = tsv(root, REVIEW_SAMPLE).map(([label = '', source = '', text = '']) => ({
      label: label as SentimentLabel,
      source,
      text,
      language: 'en',
    }));
    figures.push(...sentimentFigures('committed review sample (films, products, restaurants, laptops)', sample));

    const check = tsv(root, SENTIMENT_CHECK).map(([label = '', text = '']) => ({ label, text }));
    const gold = check.map((c) => c.label);
    const mine = check.map((c) => extractor.extractSync(c.text).sentimentLabel);
    const plainVader = check.map((c) => labelSentiment(vader.SentimentIntensityAnalyzer.polarity_scores(c.text).compound));
    const lexicon = check.map((c) => previous(c.text));
    figures.push(
      withBaseline(
        'signals: sentiment accuracy, customer-message check set (baseline: previous VADER+lexicon, written with it)',
        accuracy(gold, mine),
        accuracy(gold, lexicon),
        'accuracy',
      ),
    );
    figures.push(
      withBaseline(
        'signals: sentiment accuracy, customer-message check set (baseline: plain VADER)',
        accuracy(gold, mine),
        accuracy(gold, plainVader),
        'accuracy',
      ),
    );
    const neutralIdx = gold.flatMap((g, i) => (g === 'neutral' ? [i] : []));
    const neutralShare = (labels: readonly string[]): number =>
      neutralIdx.filter((i) => labels[i] === 'neutral').length / Math.max(1, neutralIdx.length);
    figures.push(
      withBaseline(
        `signals: neutral customer messages (questions, logistics) kept neutral, check set (n=${neutralIdx.length}; baseline: previous VADER+lexicon)`,
        neutralShare(mine),
        neutralShare(lexicon),
        'accuracy',
      ),
    );

    if (haveData) {
      progress('sentiment: held-out public sets');
      const corpus = loadSentimentCorpus(dataDir, root);
      for (const [name, examples] of corpus.heldOut) figures.push(...sentimentFigures(name, examples));

      progress('reproducibility: retraining both artifacts from the data');
      const sentimentFresh = `${JSON.stringify(trainSentimentArtifact(corpus, loadSentimentCnn(root)))}\n`;
      figures.push({
        name: 'signals: sentiment artifact reproduced byte for byte from scripts/train-sentiment.ts (1 = yes)',
        value: sentimentFresh === readFileSync(path.join(root, SENTIMENT_ARTIFACT_PATH), 'utf8') ? 1 : 0,
        unit: 'bool',
      });
      const intentCorpus = intentTrainingSet(root, dataDir);
      if (intentCorpus !== undefined) {
        const intentFresh = `${JSON.stringify(trainArtifact(intentCorpus.train, INTENT_SOURCES))}\n`;
        figures.push({
          name: 'signals: intent artifact reproduced byte for byte from scripts/train-intent.ts (1 = yes)',
          value: intentFresh === readFileSync(path.join(root, ARTIFACT_PATH), 'utf8') ? 1 : 0,
          unit: 'bool',
        });
      }
    }

    progress('throughput');
    // VADER alone (app/signals/vader.ts, issue #16) against the vader-sentiment package it replaced, same sentences.
    const sentencesPerSecond = (score: (text: string) => unknown): number => {
      const started = process.hrtime.bigint();
      let n = 0;
      while (process.hrtime.bigint() - started < 500_000_000n || n < 500) {
        for (const e of sample) score(e.text);
        n += sample.length;
      }
      return n / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    const packageRate = sentencesPerSecond((t) => vader.SentimentIntensityAnalyzer.polarity_scores(t));
    figures.push(
      withBaseline(
        'signals: lexicon scorer (VADER), committed review sample (baseline: the vader-sentiment package)',
        Math.round(sentencesPerSecond(polarityScores)),
        Math.round(packageRate),
        'sentences/s',
      ),
    );
    const texts = [
      ...test.map((e) => e.text),
      ...check.map((c) => c.text),
      ...multilingual.map((e) => e.text),
      ...fresh.map((e) => e.text),
      ...chat.map((e) => e.text),
    ];
    let done = 0;
    const started = process.hrtime.bigint();
    let elapsedNs = 0n;
    while (elapsedNs < 1_000_000_000n || done < 5000) {
      for (const t of texts) extractor.extractSync(t);
      done += texts.length;
      elapsedNs = process.hrtime.bigint() - started;
    }
    figures.push({
      name: 'signals: offline extraction throughput (one core)',
      value: Math.round(done / (Number(elapsedNs) / 1e9)),
      unit: 'texts/s',
    });
    return figures;
  },
};
