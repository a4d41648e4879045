import { scoreSentiment } from '../../../app/signals/sentiment';
import { scoreUrgency } from '../../../app/signals/urgency';
import { labelSentiment } from '../../../app/signals/signal-extractor';

describe('scoreSentiment', () => {
  it('reads plain polarity', () => {
    expect(scoreSentiment('I love this product').label).toBe('positive');
    expect(scoreSentiment('This is terrible').label).toBe('negative');
    expect(scoreSentiment('How do I export my contacts?').label).toBe('neutral');
  });

  it('handles negation, including capitalised negators', () => {
    expect(scoreSentiment('this is not good').label).toBe('negative');
    expect(scoreSentiment('Your product is NOT great!!!').label).toBe('negative');
    expect(scoreSentiment("I DON'T like it").label).toBe('negative');
    expect(scoreSentiment('Not bad at all').label).toBe('positive');
  });

  it('handles intensity: boosters and emphasis make a stronger score', () => {
    expect(scoreSentiment('the support was extremely good!!!').score).toBeGreaterThan(scoreSentiment('the support was good').score);
    expect(scoreSentiment('I am VERY angry').score).toBeLessThan(scoreSentiment('I am angry').score);
  });

  it('knows support wording the general lexicon misses', () => {
    expect(scoreSentiment('the app is not working again').label).toBe('negative');
    expect(scoreSentiment('I was charged twice').label).toBe('negative');
    expect(scoreSentiment('the app crashes every time I log in').label).toBe('negative');
    expect(scoreSentiment('Please update the billing address').label).toBe('neutral');
    expect(scoreSentiment('URGENT!!! our site is down').label).toBe('negative');
  });

  it('stays in [-1, 1]', () => {
    const s = scoreSentiment('worst worst worst terrible awful outage buggy unusable rip off '.repeat(20));
    expect(s.score).toBeGreaterThanOrEqual(-1);
    expect(s.score).toBeLessThan(-0.9);
  });

  it('labels with the VADER thresholds', () => {
    expect(labelSentiment(0.05)).toBe('positive');
    expect(labelSentiment(0.049)).toBe('neutral');
    expect(labelSentiment(-0.05)).toBe('negative');
  });
});

describe('scoreUrgency', () => {
  it.each([
    ['I will contact my lawyer if this is not fixed', 'high'],
    ['URGENT: our site is down and we are losing money!!!', 'high'],
    ['The platform is down for all our users, fix it immediately', 'high'],
    ['Please fix this asap', 'medium'],
    ['We need the invoice by Friday', 'medium'],
    ['Still waiting for an answer', 'medium'],
    ['How do I export my contacts?', 'low'],
    ['the weather is nice today', 'low'],
    ['Not urgent, whenever you have time', 'low'],
  ])('%s → %s', (text, level) => {
    expect(scoreUrgency(text, 0).level).toBe(level);
  });

  it('shouting and repeated punctuation raise urgency, acronyms do not', () => {
    expect(scoreUrgency('WHY IS NOBODY ANSWERING MY EMAILS??', 0).level).not.toBe('low');
    expect(scoreUrgency('Does the CRM API support SSO?', 0).level).toBe('low');
  });
});
