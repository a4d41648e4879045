import { features } from './tokenize';
import { featureScale, softmax, type IntentModelJson } from './intent-model';
import { featurizer, type FeaturizerName } from './featurize';
import { mulberry32, shuffled } from './prng';

export interface LabelledText {
  readonly text: string;
  readonly label: string;
}

export interface TrainOptions {
  readonly classes: readonly string[];
  readonly seed: number;
  readonly epochs?: number;
  readonly learningRate?: number;
  readonly l2?: number;
  /** Features seen in fewer training texts are dropped (keeps the artifact small). */
  readonly minCount?: number;
  /** Feature rows whose largest absolute weight is below this are dropped from the artifact (default 0.01). */
  readonly minWeight?: number;
  /** Decimals the artifact keeps for each weight (default 3); fewer keep it smaller to load. */
  readonly decimals?: number;
  readonly otherThreshold: number;
  readonly meta?: Record<string, unknown>;
  /** Feature function, recorded in the artifact's meta so inference uses the same (default words/1). */
  readonly featurizer?: FeaturizerName;
  /** Per-example weight multiplier (default 1), e.g. to keep a large public set from drowning a small one. */
  readonly exampleWeight?: (example: LabelledText) => number;
}

/** The class-agnostic part of a trained model. */
export interface LinearModelParts {
  readonly classes: readonly string[];
  readonly bias: readonly number[];
  readonly weights: Readonly<Record<string, readonly number[]>>;
  readonly meta: Readonly<Record<string, unknown>>;
}

interface Encoded {
  readonly ids: readonly number[];
  readonly label: number;
  readonly weight: number;
}

/**
 * Multinomial logistic regression, sparse SGD with class-balanced example weights,
 * decaying learning rate and L2 shrinkage on touched rows. Pure and deterministic for a seed.
 */
export function trainSoftmax(data: readonly LabelledText[], opts: TrainOptions): IntentModelJson {
  const parts = trainLinear(data, opts);
  return {
    format: 'baton-intent-softmax/1',
    classes: parts.classes,
    bias: parts.bias,
    weights: parts.weights,
    otherThreshold: opts.otherThreshold,
    meta: parts.meta,
  };
}

/** Trains the softmax model and returns its parts (classes may be any labels). */
export function trainLinear(data: readonly LabelledText[], opts: Omit<TrainOptions, 'otherThreshold'>): LinearModelParts {
  const featurize = opts.featurizer === undefined ? features : featurizer(opts.featurizer);
  const epochs = opts.epochs ?? 30;
  const lr0 = opts.learningRate ?? 0.5;
  const l2 = opts.l2 ?? 1e-4;
  const minCount = opts.minCount ?? 2;
  const minWeight = opts.minWeight ?? 0.01;
  const scaleOut = 10 ** (opts.decimals ?? 3);
  const K = opts.classes.length;
  const classIndex = new Map(opts.classes.map((c, i) => [c, i]));

  const docFreq = new Map<string, number>();
  const featureLists = data.map((d) => featurize(d.text));
  for (const fs of featureLists) for (const f of fs) docFreq.set(f, (docFreq.get(f) ?? 0) + 1);
  const vocab = [...docFreq.entries()]
    .filter(([, n]) => n >= minCount)
    .map(([f]) => f)
    .sort();
  const vocabIndex = new Map(vocab.map((f, i) => [f, i]));

  const encoded: Encoded[] = data.map((d, i) => {
    const label = classIndex.get(d.label);
    if (label === undefined) throw new Error(`training label "${d.label}" is not a class`);
    const ids = (featureLists[i] as string[]).flatMap((f) => {
      const id = vocabIndex.get(f);
      return id === undefined ? [] : [id];
    });
    return { ids, label, weight: opts.exampleWeight?.(d) ?? 1 };
  });

  const counts = new Array<number>(K).fill(0);
  for (const e of encoded) counts[e.label] = (counts[e.label] as number) + e.weight;
  const total = counts.reduce((a, b) => a + b, 0);
  const classWeight = counts.map((n) => (n === 0 ? 0 : total / (K * n)));

  const W = new Float64Array(vocab.length * K);
  const b = new Float64Array(K);
  const rng = mulberry32(opts.seed);
  let step = 0;
  const totalSteps = epochs * encoded.length;
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (const e of shuffled(encoded, rng)) {
      const lr = lr0 * (1 - step / totalSteps) + 0.01 * lr0;
      step += 1;
      const x = featureScale(e.ids.length);
      const logits = Array.from(b);
      for (const id of e.ids) for (let c = 0; c < K; c += 1) logits[c] = (logits[c] as number) + (W[id * K + c] as number) * x;
      const p = softmax(logits);
      const sw = (classWeight[e.label] as number) * e.weight;
      for (let c = 0; c < K; c += 1) {
        const g = sw * ((p[c] as number) - (c === e.label ? 1 : 0));
        b[c] = (b[c] as number) - lr * g;
        for (const id of e.ids) {
          const k = id * K + c;
          W[k] = (W[k] as number) * (1 - lr * l2) - lr * g * x;
        }
      }
    }
  }

  const weights: Record<string, number[]> = {};
  vocab.forEach((f, id) => {
    const row = Array.from(W.subarray(id * K, id * K + K), (v) => Math.round(v * scaleOut) / scaleOut);
    if (row.some((v) => Math.abs(v) >= minWeight)) weights[f] = row;
  });
  const featurizerMeta = opts.featurizer === undefined ? {} : { featurizer: opts.featurizer };
  return {
    classes: opts.classes.slice(),
    bias: Array.from(b, (v) => Math.round(v * scaleOut) / scaleOut),
    weights,
    meta: { seed: opts.seed, epochs, learningRate: lr0, l2, minCount, trainSize: data.length, ...featurizerMeta, ...opts.meta },
  };
}
