import { OfflineSignalExtractor } from '../../../app/signals/offline-extractor';
import { CANONICAL_INTENTS, HIGH_STAKES_INTENTS } from '../../../app/signals/intents';

const extractor = new OfflineSignalExtractor();

describe('OfflineSignalExtractor intents', () => {
  it.each([
    ['I want to cancel my subscription', 'cancellation'],
    ['please remove me from your list', 'unsubscribe'],
    ['Stop emailing me, unsubscribe', 'unsubscribe'],
    ['Can we book a demo for Thursday?', 'demo_request'],
    ['We want to buy 20 more seats', 'purchase_intent'],
    ['Your price is too high for us', 'objection'],
    ['I was charged twice on my last invoice', 'billing_issue'],
    ['How do I reset my password?', 'support_request'],
    ['Let me talk to a human', 'human_handoff'],
    ['I am extremely disappointed with your service', 'complaint'],
    ['Thanks, the team loves it!', 'positive_feedback'],
  ])('%s → %s', async (text, intent) => {
    expect((await extractor.extract(text)).intent).toBe(intent);
  });

  it.each([
    'the weather is nice today',
    'What is the capital of Peru?',
    'My dog ate my homework',
    'Who is going to win the world cup?',
    'Can you recommend a restaurant?',
    'I like big trucks',
    'blah blah',
  ])('off-topic or unknown text "%s" comes out as other', async (text) => {
    const s = await extractor.extract(text);
    expect(s.intent).toBe('other');
    expect(HIGH_STAKES_INTENTS.has(s.intent)).toBe(false);
  });

  it('a negated positive is not read as praise', async () => {
    const s = await extractor.extract("I'm not happy with the product");
    expect(s.intent).not.toBe('positive_feedback');
    expect(s.sentimentLabel).toBe('negative');
  });

  it('returns values inside the contract ranges', async () => {
    for (const text of ['', '!!!', 'OK', 'URGENT!!! site down', 'a'.repeat(5000)]) {
      const s = await extractor.extract(text);
      expect(CANONICAL_INTENTS).toContain(s.intent);
      expect(s.intentConfidence).toBeGreaterThanOrEqual(0);
      expect(s.intentConfidence).toBeLessThanOrEqual(1);
      expect(s.sentiment).toBeGreaterThanOrEqual(-1);
      expect(s.sentiment).toBeLessThanOrEqual(1);
      expect(['positive', 'neutral', 'negative']).toContain(s.sentimentLabel);
      expect(['low', 'medium', 'high']).toContain(s.urgency);
    }
  });

  it('text with no known words is other with full confidence', async () => {
    const s = await extractor.extract('zxqv wplk trrmf');
    expect(s).toMatchObject({ intent: 'other', intentConfidence: 1 });
  });

  it('always sets language: a code when the words say it, und when nothing does', async () => {
    expect((await extractor.extract('I would like to know the price of the plan for my team')).language).toBe('en');
    expect((await extractor.extract('Quiero saber el precio de la suscripción para mi equipo')).language).toBe('es');
    expect((await extractor.extract('ok')).language).toBe('und');
  });
});
