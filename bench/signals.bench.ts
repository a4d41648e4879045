import { readFileSync } from 'node:fs';
import path from 'node:path';
import vader from 'vader-sentiment';
import { type BenchFigure, type BenchSuite } from './types';
import { loadBitextExamples, loadOwnExamples } from '../scripts/train-intent';
import { splitCorpus, type CorpusExample } from '../app/signals/corpus';
import { HIGH_STAKES_INTENTS, type Intent } from '../app/signals/intents';
import { accuracy, macroF1, majorityLabel } from '../app/signals/metrics';
import { OfflineSignalExtractor } from '../app/signals/offline-extractor';
import { labelSentiment } from '../app/signals/signal-extractor';

const SENTIMENT_CHECK = 'app/signals/eval/sentiment-check.tsv';

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
  return withBaseline(name, macroF1(gold, predicted), macroF1(gold, gold.map(() => majority)), 'macro-F1');
}

function loadSentimentCheck(root: string): { label: string; text: string }[] {
  return readFileSync(path.join(root, SENTIMENT_CHECK), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [label = '', text = ''] = l.split('\t');
      return { label, text };
    });
}

export const signalsBench: BenchSuite = {
  name: 'signals',
  async run(progress) {
    const root = process.cwd();
    const extractor = new OfflineSignalExtractor();
    const figures: BenchFigure[] = [];

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
    figures.push(intentFigures('signals: intent macro-F1, held-out own CRM examples (baseline: majority class)', ownTest, ownMajority, extractor));

    const offTopic = test.filter((e) => e.label === 'other');
    const falseAlarms = offTopic.filter((e) => HIGH_STAKES_INTENTS.has(extractor.extractSync(e.text).intent as Intent)).length;
    figures.push({ name: 'signals: held-out "other" texts given a high-stakes intent', value: round(offTopic.length === 0 ? 0 : falseAlarms / offTopic.length), unit: 'share' });

    progress('sentiment: labelled check set');
    const check = loadSentimentCheck(root);
    const gold = check.map((c) => c.label);
    const ours = check.map((c) => extractor.extractSync(c.text).sentimentLabel);
    const plainVader = check.map((c) => labelSentiment(vader.SentimentIntensityAnalyzer.polarity_scores(c.text).compound));
    const majoritySentiment = majorityLabel(gold);
    figures.push(withBaseline('signals: sentiment accuracy, check set (baseline: majority label)', accuracy(gold, ours), accuracy(gold, gold.map(() => majoritySentiment)), 'accuracy'));
    figures.push(withBaseline('signals: sentiment accuracy, check set (baseline: plain VADER)', accuracy(gold, ours), accuracy(gold, plainVader), 'accuracy'));

    progress('throughput');
    const texts = [...test.map((e) => e.text), ...check.map((c) => c.text)];
    let done = 0;
    const started = process.hrtime.bigint();
    let elapsedNs = 0n;
    while (elapsedNs < 1_000_000_000n || done < 5000) {
      for (const t of texts) extractor.extractSync(t);
      done += texts.length;
      elapsedNs = process.hrtime.bigint() - started;
    }
    figures.push({ name: 'signals: offline extraction throughput (one core)', value: Math.round(done / (Number(elapsedNs) / 1e9)), unit: 'texts/s' });
    return figures;
  },
};
