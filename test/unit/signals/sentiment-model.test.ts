import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scoreSentiment, scoreSentimentLexicon, defaultSentimentModel } from '../../../app/signals/sentiment';
import { parseSentimentModelJson, SentimentModel } from '../../../app/signals/sentiment-model';
import { labelSentiment } from '../../../app/signals/signal-extractor';
import { trainLinear } from '../../../app/signals/train-softmax';

const root = path.resolve(__dirname, '../../..');

function sample(): { label: string; source: string; text: string }[] {
  return readFileSync(path.join(root, 'app/signals/eval/review-sentences-sample.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [label = '', source = '', text = ''] = l.split('\t');
      return { label, source, text };
    });
}

describe('trained sentiment', () => {
  it('opinionated review sentences: ≥ 0.80 binary accuracy on the committed held-out sample, neutral counted wrong, and beats the lexicon', () => {
    const rows = sample();
    expect(rows.length).toBeGreaterThanOrEqual(200);
    const hits = rows.filter((r) => scoreSentiment(r.text).label === r.label).length;
    const lexiconHits = rows.filter((r) => scoreSentimentLexicon(r.text).label === r.label).length;
    const neutral = rows.filter((r) => scoreSentiment(r.text).label === 'neutral').length;
    expect(hits / rows.length).toBeGreaterThanOrEqual(0.8);
    expect(hits).toBeGreaterThan(lexiconHits);
    expect(neutral / rows.length).toBeLessThan(0.05);
  });

  it.each([
    ['The food was delicious and the staff were friendly', 'positive'],
    ['Battery life is awful and the screen scratches easily', 'negative'],
    ['One of the most boring films I have ever seen', 'negative'],
    ['What time do you open on Sundays?', 'neutral'],
    ['Please send the invoice to our accounts team', 'neutral'],
  ])('"%s" is %s', (text, label) => {
    expect(scoreSentiment(text).label).toBe(label);
  });

  it('its label always agrees with labelSentiment(score)', () => {
    for (const r of sample().slice(0, 80)) {
      const s = scoreSentiment(r.text);
      expect(labelSentiment(s.score)).toBe(s.label);
    }
  });

  it('the committed artifact parses, is under 5 MB, and rejects corrupt JSON', () => {
    const text = readFileSync(path.join(root, 'app/signals/model/sentiment-model.json'), 'utf8');
    expect(text.length).toBeLessThan(5 * 1024 * 1024);
    expect(parseSentimentModelJson(JSON.parse(text)).classes).toEqual(['negative', 'neutral', 'positive']);
    expect(() => parseSentimentModelJson({ format: 'nope' })).toThrow(/format/);
    expect(() =>
      parseSentimentModelJson({
        format: 'baton-sentiment-softmax/1',
        classes: ['a', 'b'],
        bias: [0, 0],
        weights: {},
        neutralThreshold: 0.5,
      }),
    ).toThrow(/classes/);
    expect(defaultSentimentModel().neutralThreshold).toBeGreaterThan(0);
  });

  it('a model trained on a tiny set learns the polarity and is deterministic', () => {
    const data = [
      { text: 'great lovely excellent', label: 'positive' },
      { text: 'wonderful great film', label: 'positive' },
      { text: 'terrible awful bad', label: 'negative' },
      { text: 'bad boring film', label: 'negative' },
      { text: 'what time is it', label: 'neutral' },
      { text: 'where is the office', label: 'neutral' },
    ];
    const opts = { classes: ['negative', 'neutral', 'positive'], seed: 1, epochs: 30, minCount: 1 };
    const a = trainLinear(data, opts);
    expect(JSON.stringify(trainLinear(data, opts))).toBe(JSON.stringify(a));
    const model = new SentimentModel({ format: 'baton-sentiment-softmax/1', ...a, neutralThreshold: 0.5 });
    expect(model.predict('great film').label).toBe('positive');
    expect(model.predict('awful film').label).toBe('negative');
    expect(model.predict('where is it').label).toBe('neutral');
    expect(model.predict('zzzz qqqq').label).toBe('neutral');
  });
});
