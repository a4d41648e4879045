import { featurizer, featurizerName, type Featurize } from './featurize';
import { type Intent, isIntent } from './intents';

/** Serialised multinomial logistic regression over word uni/bi-grams (see scripts/train-intent.ts). */
export interface IntentModelJson {
  readonly format: 'baton-intent-softmax/1';
  readonly classes: readonly string[];
  readonly bias: readonly number[];
  /** feature → one weight per class, in `classes` order. */
  readonly weights: Readonly<Record<string, readonly number[]>>;
  /** Below this top-class probability the prediction becomes `other`. */
  readonly otherThreshold: number;
  readonly meta: Readonly<Record<string, unknown>>;
}

export interface IntentScore {
  readonly intent: Intent;
  readonly confidence: number;
  /** Probability per class, before the `other` threshold is applied. */
  readonly probabilities: ReadonlyMap<Intent, number>;
  /** How many of the text's features the model knows (0 means it has nothing to go on). */
  readonly knownFeatures: number;
}

export function softmax(logits: readonly number[]): number[] {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** Feature scaling shared with training: binary presence, L2-normalised. */
export function featureScale(count: number): number {
  return count === 0 ? 0 : 1 / Math.sqrt(count);
}

export class IntentModel {
  private readonly classes: readonly Intent[];
  private readonly weights: ReadonlyMap<string, readonly number[]>;
  private readonly otherIndex: number;
  private readonly featurize: Featurize;

  constructor(private readonly json: IntentModelJson) {
    if (json.format !== 'baton-intent-softmax/1') throw new Error(`unknown intent model format ${String(json.format)}`);
    const classes = json.classes.map((c) => {
      if (!isIntent(c)) throw new Error(`intent model has a non-canonical class "${c}"`);
      return c;
    });
    if (json.bias.length !== classes.length) throw new Error('intent model bias length does not match classes');
    this.classes = classes;
    this.otherIndex = classes.indexOf('other');
    if (this.otherIndex < 0) throw new Error('intent model must have an explicit "other" class');
    const weights = new Map<string, readonly number[]>();
    for (const [feature, row] of Object.entries(json.weights)) {
      if (row.length !== classes.length) throw new Error(`intent model row for "${feature}" has the wrong length`);
      weights.set(feature, row);
    }
    this.weights = weights;
    this.featurize = featurizer(featurizerName(json.meta));
  }

  get threshold(): number {
    return this.json.otherThreshold;
  }

  /**
   * Scores `text`. Classes in `exclude` are removed and the rest renormalised (the extractor uses
   * this to refuse positive_feedback for text whose sentiment is negative). `language`: the text's
   * guessed language when the caller has it (else guessed here).
   */
  score(text: string, exclude: ReadonlySet<Intent> = NO_EXCLUSIONS, language?: string): IntentScore {
    const known = this.featurize(text, language).filter((f) => this.weights.has(f));
    const scale = featureScale(known.length);
    const logits = this.json.bias.slice();
    for (const f of known) {
      const row = this.weights.get(f) as readonly number[];
      for (let c = 0; c < logits.length; c += 1) logits[c] = (logits[c] as number) + (row[c] as number) * scale;
    }
    this.classes.forEach((c, i) => {
      if (exclude.has(c) && c !== 'other') logits[i] = -Infinity;
    });
    const probs = softmax(logits);
    const probabilities = new Map<Intent, number>();
    this.classes.forEach((c, i) => probabilities.set(c, probs[i] as number));
    if (known.length === 0) {
      return { intent: 'other', confidence: 1, probabilities, knownFeatures: 0 };
    }
    let best = 0;
    for (let i = 1; i < probs.length; i += 1) if ((probs[i] as number) > (probs[best] as number)) best = i;
    const top = probs[best] as number;
    if (top < this.json.otherThreshold && best !== this.otherIndex) {
      // Not sure enough to claim an actionable intent: say "other", with the confidence that
      // the text is NOT the best actionable class.
      return { intent: 'other', confidence: round(1 - top), probabilities, knownFeatures: known.length };
    }
    return { intent: this.classes[best] as Intent, confidence: round(top), probabilities, knownFeatures: known.length };
  }
}

const NO_EXCLUSIONS: ReadonlySet<Intent> = new Set();

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
