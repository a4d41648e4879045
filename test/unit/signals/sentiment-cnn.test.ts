import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cnnTokens, decodeBase64, parseSentimentCnnJson, SentimentCnn, type SentimentCnnJson } from '../../../app/signals/sentiment-cnn';
import { parseSentimentModelJson } from '../../../app/signals/sentiment-model';
import { classifySentiment, defaultSentimentCnn, defaultSentimentModel, scoreSentiment } from '../../../app/signals/sentiment';

const root = path.resolve(__dirname, '../../..');
const artifactText = readFileSync(path.join(root, 'app/signals/model/sentiment-cnn.json'), 'utf8');

function f32(values: readonly number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

/** A hand-built two-word model: one width-2 filter that fires on "not good" only. */
function tinyModel(): SentimentCnnJson {
  // dims 2: "not" = [1, 0], "good" = [0, 1]; the filter reads position k=0 dim 0 and k=1 dim 1.
  const embedding = Buffer.from(new Int8Array([0, 0, 0, 0, 127, 0, 0, 127]).buffer).toString('base64');
  return {
    format: 'baton-sentiment-cnn/1',
    classes: ['negative', 'neutral', 'positive'],
    dims: 2,
    vocab: ['<pad>', '<unk>', 'not', 'good'],
    embedding,
    embeddingScale: f32([1, 1, 1, 1]),
    // PyTorch layout [filters][dims][width]: w[0][0][0] = 1 (dim 0 at k 0), w[0][1][1] = 1 (dim 1 at k 1).
    convs: [{ width: 2, filters: 1, weight: f32([1, 0, 0, 1]), bias: f32([-1.5]) }],
    outWeight: f32([4, 0, -4]),
    outBias: f32([0, 0, 0]),
    maxTokens: 10,
    checks: [],
    meta: {},
  };
}

describe('convolutional sentiment model', () => {
  it("tokenizes as the training script does (n't split off, clitics kept, other characters alone)", () => {
    expect(cnnTokens("I don't LOVE it's battery!!")).toEqual(['i', 'do', "n't", 'love', 'it', "'s", 'battery', '!', '!']);
    expect(cnnTokens('It’s 5 stars')).toEqual(['it', "'s", '5', 'stars']);
    expect(cnnTokens('')).toEqual([]);
  });

  it('decodes base64 like Node does and rejects foreign characters', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255, 128]);
    for (let n = 0; n <= bytes.length; n += 1) {
      const slice = bytes.subarray(0, n);
      expect(Array.from(decodeBase64(slice.toString('base64')))).toEqual(Array.from(slice));
    }
    expect(() => decodeBase64('ab$c')).toThrow(/base64/);
  });

  it('computes the convolution, ReLU, max over time and softmax as laid out (hand-built model)', () => {
    const model = new SentimentCnn(parseSentimentCnnJson(tinyModel()));
    // "not good": the window (not, good) gives 1 + 1 − 1.5 = 0.5 → logits [2, 0, −2].
    const p = model.probabilities('not good');
    const e = [Math.exp(2), 1, Math.exp(-2)];
    const z = e[0]! + e[1]! + e[2]!;
    expect(p[0]).toBeCloseTo(e[0]! / z, 6);
    expect(p[2]).toBeCloseTo(e[2]! / z, 6);
    // "good not": no window has not-then-good, the filter stays at 0 → uniform.
    expect(model.probabilities('good not')).toEqual([1 / 3, 1 / 3, 1 / 3].map((v) => expect.closeTo(v, 6) as unknown as number));
    expect(model.coverage('not bad')).toBe(0.5);
    expect(model.coverage('zzz')).toBe(0);
  });

  it('rejects corrupt artifacts', () => {
    expect(() => parseSentimentCnnJson({ format: 'nope' })).toThrow(/format/);
    expect(() => parseSentimentCnnJson({ ...tinyModel(), classes: ['a', 'b'] })).toThrow(/classes/);
    expect(() => new SentimentCnn(parseSentimentCnnJson({ ...tinyModel(), embeddingScale: f32([1]) }))).toThrow(/embeddingScale/);
    const linear = JSON.parse(readFileSync(path.join(root, 'app/signals/model/sentiment-model.json'), 'utf8')) as Record<string, unknown>;
    expect(() => parseSentimentModelJson({ ...linear, ensemble: { cnnWeight: 2, neutralThreshold: 0.5 } })).toThrow(/ensemble/);
  });

  it('the committed artifact parses, stays under 9 MB and gives the probabilities the training script computed', () => {
    expect(artifactText.length).toBeLessThan(9 * 1024 * 1024);
    const json = parseSentimentCnnJson(JSON.parse(artifactText));
    expect(json.checks.length).toBeGreaterThanOrEqual(5);
    const model = new SentimentCnn(json);
    for (const check of json.checks) {
      const p = model.probabilities(check.text);
      check.probabilities.forEach((v, i) => expect(p[i]).toBeCloseTo(v, 4));
    }
  });

  it('reads composition: negated praise and a failed expectation are negative, plain praise positive', () => {
    const cnn = defaultSentimentCnn();
    const polarity = (t: string): number => {
      const p = cnn.byLabel(t);
      return p.positive - p.negative;
    };
    expect(polarity('The battery life is great')).toBeGreaterThan(0.5);
    expect(polarity('The battery life is not great')).toBeLessThan(0);
    expect(polarity('It fails to live up to the hype')).toBeLessThan(0);
  });

  it('is mixed in for English only: another language uses the linear model alone', () => {
    const model = defaultSentimentModel();
    expect(model.ensemble).toBeDefined();
    const text = 'El servicio fue terrible y nadie me ayudó';
    expect(classifySentiment(text, model, 'es')).toEqual(classifySentiment(text, model, 'es', null));
    const english = 'The screen is gorgeous but the keyboard feels cheap';
    expect(classifySentiment(english, model, 'en').probabilities).not.toEqual(classifySentiment(english, model, 'en', null).probabilities);
    expect(scoreSentiment('What time do you open on Sundays?', model, 'en').label).toBe('neutral');
  });
});
