import { featureScale, softmax } from './intent-model';
import { featurizer, featurizerName, type Featurize } from './featurize';
import { type LinearModelParts } from './train-softmax';
import { type SentimentLabel } from './signal-extractor';

/** Serialised sentiment classifier: softmax over negative / neutral / positive (scripts/train-sentiment.ts). */
export interface SentimentModelJson extends LinearModelParts {
  readonly format: 'baton-sentiment-softmax/1';
  /**
   * `neutral` is predicted only when its probability reaches this (calibrated on held-out data so
   * opinionated sentences are rarely called neutral while questions and logistics stay neutral).
   */
  readonly neutralThreshold: number;
  /**
   * For English text, the class probabilities are the mix `cnnWeight` × the convolutional model's
   * (sentiment-cnn.ts) + (1 − cnnWeight) × this model's, with its own neutral threshold; both
   * calibrated by scripts/train-sentiment.ts on the calibration data. Absent: this model alone.
   */
  readonly ensemble?: { readonly cnnWeight: number; readonly neutralThreshold: number };
}

export interface SentimentPrediction {
  readonly label: SentimentLabel;
  /** P(positive) − P(negative), in [-1, 1]. */
  readonly polarity: number;
  readonly probabilities: Readonly<Record<SentimentLabel, number>>;
  readonly knownFeatures: number;
}

const LABELS: readonly SentimentLabel[] = ['negative', 'neutral', 'positive'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural check of a parsed artifact, so a corrupt or foreign JSON fails loudly at load time. */
export function parseSentimentModelJson(value: unknown): SentimentModelJson {
  if (!isRecord(value)) throw new Error('sentiment model: not an object');
  const { format, classes, bias, weights, neutralThreshold, meta, ensemble } = value;
  if (format !== 'baton-sentiment-softmax/1') throw new Error(`sentiment model: unknown format ${String(format)}`);
  if (!Array.isArray(classes) || classes.length !== 3 || !LABELS.every((l) => classes.includes(l))) {
    throw new Error('sentiment model: classes must be negative, neutral, positive');
  }
  const okNumbers = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!okNumbers(bias)) throw new Error('sentiment model: bad bias');
  if (!isRecord(weights)) throw new Error('sentiment model: bad weights');
  for (const [feature, row] of Object.entries(weights))
    if (!okNumbers(row)) throw new Error(`sentiment model: bad weights for "${feature}"`);
  if (typeof neutralThreshold !== 'number' || neutralThreshold < 0 || neutralThreshold > 1)
    throw new Error('sentiment model: neutralThreshold must be in [0, 1]');
  const base: SentimentModelJson = {
    format,
    classes: classes as string[],
    bias,
    weights: weights as Record<string, number[]>,
    neutralThreshold,
    meta: isRecord(meta) ? meta : {},
  };
  if (ensemble === undefined) return base;
  const unit = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
  if (!isRecord(ensemble) || !unit(ensemble.cnnWeight) || !unit(ensemble.neutralThreshold))
    throw new Error('sentiment model: ensemble needs cnnWeight and neutralThreshold in [0, 1]');
  return { ...base, ensemble: { cnnWeight: ensemble.cnnWeight, neutralThreshold: ensemble.neutralThreshold } };
}

export class SentimentModel {
  private readonly weights: ReadonlyMap<string, readonly number[]>;
  private readonly index: Readonly<Record<SentimentLabel, number>>;
  private readonly featurize: Featurize;

  constructor(private readonly json: SentimentModelJson) {
    this.weights = new Map(Object.entries(json.weights));
    this.index = {
      negative: json.classes.indexOf('negative'),
      neutral: json.classes.indexOf('neutral'),
      positive: json.classes.indexOf('positive'),
    };
    this.featurize = featurizer(featurizerName(json.meta));
  }

  get neutralThreshold(): number {
    return this.json.neutralThreshold;
  }

  get ensemble(): SentimentModelJson['ensemble'] {
    return this.json.ensemble;
  }

  /** Class probabilities for `text`, before the neutral threshold (`language`: its guessed language, when known). */
  probabilities(text: string, language?: string): { probabilities: Record<SentimentLabel, number>; knownFeatures: number } {
    const known = this.featurize(text, language).filter((f) => this.weights.has(f));
    const scale = featureScale(known.length);
    const logits = this.json.bias.slice();
    for (const f of known) {
      const row = this.weights.get(f) as readonly number[];
      for (let c = 0; c < logits.length; c += 1) logits[c] = (logits[c] as number) + (row[c] as number) * scale;
    }
    const p = softmax(logits);
    return {
      probabilities: {
        negative: p[this.index.negative] as number,
        neutral: p[this.index.neutral] as number,
        positive: p[this.index.positive] as number,
      },
      knownFeatures: known.length,
    };
  }

  predict(text: string, neutralThreshold: number = this.json.neutralThreshold, language?: string): SentimentPrediction {
    const { probabilities, knownFeatures } = this.probabilities(text, language);
    const polarity = probabilities.positive - probabilities.negative;
    let label: SentimentLabel;
    if (knownFeatures === 0 || probabilities.neutral >= neutralThreshold) label = 'neutral';
    else label = polarity >= 0 ? 'positive' : 'negative';
    return { label, polarity, probabilities, knownFeatures };
  }
}
