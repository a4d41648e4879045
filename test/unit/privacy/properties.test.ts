import fc from 'fast-check';
import { findSensitiveData, isValidIban, luhnCheckDigit, mod97, scanOutboundParams, spanishControlLetter } from '../../../app/privacy';
import { redactPii } from '../../../connectors/llm/redact';

/** Card prefixes from each network's IIN ranges, with a length that network issues. */
const CARD_SHAPES: readonly (readonly [prefix: string, length: number])[] = [
  ['4', 16],
  ['4', 13],
  ['4', 19],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['2720', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['65', 16],
  ['3528', 16],
  ['3589', 16],
  ['62', 16],
  ['36', 14],
  ['2200', 16],
];

const digits = (n: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));

const cardNumber: fc.Arbitrary<string> = fc
  .constantFrom(...CARD_SHAPES)
  .chain(([prefix, length]) => digits(length - prefix.length - 1).map((body) => `${prefix}${body}${luhnCheckDigit(`${prefix}${body}`)}`));

/** As people write it: whole, in fours with spaces, or in fours with dashes. */
const written = (card: string): fc.Arbitrary<string> =>
  fc.constantFrom('', ' ', '-').map((sep) => (sep === '' ? card : (card.match(/.{1,4}/g) ?? []).join(sep)));

/** Words of support-message prose without digits, so the only number in the text is the generated one. */
const prose: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'please',
        'charge',
        'my',
        'card',
        'the',
        'refund',
        'Hi',
        'Thanks,',
        'urgent!',
        'order',
        'Visa',
        'again',
        '—',
        '(new)',
        'ok:',
      ),
      fc.stringMatching(/^[a-zA-Z]{1,8}[.,!?]?$/),
    ),
    { maxLength: 8 },
  )
  .map((words) => words.join(' '));

describe('properties', () => {
  it('any Luhn-valid card number of a real network, embedded in prose, is found exactly where it is', () => {
    fc.assert(
      fc.property(prose, cardNumber.chain(written), prose, (before, card, after) => {
        const text = `${before} ${card} ${after}`;
        const cards = findSensitiveData(text).filter((f) => f.kind === 'payment_card');
        expect(cards).toHaveLength(1);
        expect(text.slice(cards[0]?.start, cards[0]?.end)).toBe(card);
        expect(cards[0]?.last4).toBe(card.replace(/\D/g, '').slice(-4));
      }),
      { numRuns: 400 },
    );
  });

  it('changing any one digit of a card number means it is no longer reported as a card', () => {
    fc.assert(
      fc.property(cardNumber, fc.nat(), fc.integer({ min: 1, max: 9 }), (card, at, delta) => {
        const i = at % card.length;
        const typo = `${card.slice(0, i)}${(Number(card.charAt(i)) + delta) % 10}${card.slice(i + 1)}`;
        expect(findSensitiveData(`card ${typo} thanks`).filter((f) => f.kind === 'payment_card')).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('redacted prompt text never contains the card number, and outbound params with it are always blocked', () => {
    fc.assert(
      fc.property(prose, cardNumber, fc.constantFrom('', ' ', '-'), prose, (before, card, sep, after) => {
        const shown = sep === '' ? card : (card.match(/.{1,4}/g) ?? []).join(sep);
        const redacted = redactPii(`${before} ${shown} ${after}`);
        expect(redacted.replace(/\D/g, '')).not.toContain(card);
        expect(redacted).toContain('[CARD]');
        expect(scanOutboundParams({ body: `${before} ${shown} ${after}` }).map((v) => v.kind)).toEqual(['payment_card']);
      }),
      { numRuns: 300 },
    );
  });

  it('any German IBAN built with ISO 7064 check digits is valid, found and redacted; any one-digit change is not valid', () => {
    const germanIban = digits(18).map((bban) => {
      const check = 98 - mod97(`${bban}DE00`);
      return `DE${String(check).padStart(2, '0')}${bban}`;
    });
    fc.assert(
      fc.property(germanIban, prose, fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 9 }), (iban, before, spaced, at, delta) => {
        expect(isValidIban(iban)).toBe(true);
        const shown = spaced ? (iban.match(/.{1,4}/g) ?? []).join(' ') : iban;
        const found = findSensitiveData(`${before} ${shown}.`);
        expect(found.map((f) => f.kind)).toEqual(['iban']);
        expect(redactPii(`${before} ${shown}.`).replace(/\D/g, '')).not.toContain(iban.slice(4));
        const i = 2 + (at % (iban.length - 2));
        const typo = `${iban.slice(0, i)}${(Number(iban.charAt(i)) + delta) % 10}${iban.slice(i + 1)}`;
        expect(isValidIban(typo)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('every Spanish DNI with its control letter is found and redacted; other letters are not reported', () => {
    fc.assert(
      fc.property(digits(8), prose, fc.constantFrom(...'ABCDEFGHJKLMNPQRSTVWXYZ'), (number, before, letter) => {
        const right = spanishControlLetter(number);
        const text = `${before} DNI ${number}${letter}.`;
        const kinds = findSensitiveData(text).map((f) => f.kind);
        if (letter === right) {
          expect(kinds).toEqual(['national_id']);
          expect(redactPii(text)).not.toContain(number);
        } else {
          expect(kinds).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('valid-area SSNs written with dashes are always found; never-issued areas never are', () => {
    const part = (min: number, max: number, width: number): fc.Arbitrary<string> =>
      fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));
    const issuedArea = part(1, 899, 3).filter((a) => a !== '666');
    fc.assert(
      fc.property(
        issuedArea,
        part(1, 99, 2),
        part(1, 9999, 4),
        fc.constantFrom('000', '666', '900', '987', '999'),
        (area, group, serial, badArea) => {
          fc.pre(`${area}${group}${serial}` !== '078051120' && `${area}${group}${serial}` !== '219099999');
          expect(findSensitiveData(`my SSN: ${area}-${group}-${serial}`).map((f) => f.scheme)).toEqual(['us_ssn']);
          expect(findSensitiveData(`my SSN: ${badArea}-${group}-${serial}`)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
