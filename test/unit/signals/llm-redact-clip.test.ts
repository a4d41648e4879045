/**
 * Cutting a long message to the provider's maxTextChars happens after redaction, so the cut never leaves a
 * fragment of an identifier the patterns no longer recognise (half an email, a card's first digits, half a name).
 */
import { redactAndClip, redactPii } from '../../../connectors/llm/redact';

const PARAGRAPH =
  "Hi, I'm Zofia Kowalczyk. Reach me at zofia.kowalczyk@example.com or +44 20 7946 0958, card 4111 1111 1111 1111. " +
  'Ship it to 221B Baker Street, London NW1 6XE please, Zofia is waiting. ';

describe('redactAndClip', () => {
  it('never sends a fragment of an email, phone, card or known name, wherever the cut falls', () => {
    const text = PARAGRAPH.repeat(12);
    for (let max = 1; max <= text.length + 10; max += 1) {
      const out = redactAndClip(text, max, { knownNames: ['Zofia', 'Kowalczyk'] });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/zofia|kowal|@ex|7946|0958|4111|1111|Baker|6XE/i);
    }
  });

  it('equals redacting the whole text and then cutting it, including when placeholders shrink the window', () => {
    const longEmail = (i: number): string => `${'customer.with.a.very.long.address'.repeat(2)}.${i}@subdomain.example.co.uk`;
    const emails = Array.from({ length: 60 }, (_, i) => longEmail(i)).join(' ');
    const text = `${emails} and my card is 4111 1111 1111 1111, call +1 415 555 0134. ${PARAGRAPH.repeat(4)}`;
    for (const max of [1, 50, 200, 400, 700, 1_000, 2_000, text.length]) {
      const whole = redactPii(text, { knownNames: ['Zofia Kowalczyk'] }).slice(0, max);
      expect(redactAndClip(text, max, { knownNames: ['Zofia Kowalczyk'] })).toBe(whole);
    }
  });

  it('leaves short texts as redactPii does', () => {
    expect(redactAndClip('Email me at a.b@example.com', 4000)).toBe('Email me at [EMAIL]');
  });

  it('redacts only a bounded prefix of a very long text', () => {
    const text = `Please cancel. ${'lorem ipsum dolor sit amet '.repeat(200_000)}`;
    const started = performance.now();
    expect(redactAndClip(text, 100)).toBe(text.slice(0, 100));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
