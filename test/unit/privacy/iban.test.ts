import { findIbans, findSensitiveData, isValidIban, IBAN_LENGTHS } from '../../../app/privacy';

/** The example IBANs the national banks and the IBAN registry publish. */
const PUBLISHED = [
  'GB82 WEST 1234 5698 7654 32',
  'DE89 3704 0044 0532 0130 00',
  'FR14 2004 1010 0505 0001 3M02 606',
  'NL91 ABNA 0417 1643 00',
  'BE68 5390 0754 7034',
  'ES91 2100 0418 4502 0005 1332',
  'IT60 X054 2811 1010 0000 0123 456',
  'CH93 0076 2011 6238 5295 7',
  'NO93 8601 1117 947',
];

/** Changes the digit at the n-th digit position of the BBAN (after the check digits). */
function changeOneDigit(iban: string, n: number): string {
  let seen = 0;
  return [...iban]
    .map((ch, i) => {
      if (i < 4 || !/\d/.test(ch)) return ch;
      seen += 1;
      return seen === n ? String((Number(ch) + 1) % 10) : ch;
    })
    .join('');
}

describe('IBAN', () => {
  it.each(PUBLISHED)('%s is valid with and without spaces, in any case', (iban) => {
    expect(isValidIban(iban)).toBe(true);
    expect(isValidIban(iban.replace(/ /g, ''))).toBe(true);
    expect(isValidIban(iban.toLowerCase())).toBe(true);
  });

  it.each(PUBLISHED)('%s with one digit changed is not valid and not found', (iban) => {
    for (const n of [1, 3, 5]) {
      const typo = changeOneDigit(iban, n);
      expect(typo).not.toBe(iban);
      expect(isValidIban(typo)).toBe(false);
      expect(findIbans(`please refund to ${typo} asap`)).toEqual([]);
    }
  });

  it('finds IBANs in a refund request, spaced or not, and keeps the country in the mask', () => {
    const text =
      'Hello, please send the refund to GB82 WEST 1234 5698 7654 32. If that fails use my German account DE89370400440532013000 instead.';
    const found = findSensitiveData(text);
    expect(found.map((f) => [f.kind, text.slice(f.start, f.end)])).toEqual([
      ['iban', 'GB82 WEST 1234 5698 7654 32'],
      ['iban', 'DE89370400440532013000'],
    ]);
    expect(found[0]).toMatchObject({ label: 'IBAN (GB)', masked: 'GB•• •••• •••• •••• ••54 32', last4: '5432' });
  });

  it('takes exactly the country length: a trailing capital word is not swallowed, extra characters reject it', () => {
    const text = 'IBAN NL91 ABNA 0417 1643 00 I think';
    expect(findIbans(text).map((f) => text.slice(f.start, f.end))).toEqual(['NL91 ABNA 0417 1643 00']);
    expect(findIbans('IBAN NL91 ABNA 0417 1643 007')).toEqual([]);
    expect(findIbans('IBAN XNL91ABNA0417164300')).toEqual([]);
  });

  it('rejects wrong lengths, unknown countries and check digits outside 02–98', () => {
    expect(isValidIban('GB82 WEST 1234 5698 7654 3')).toBe(false);
    expect(isValidIban('US82 WEST 1234 5698 7654 32')).toBe(false);
    expect(isValidIban('GB00 WEST 1234 5698 7654 32')).toBe(false);
    expect(IBAN_LENGTHS['DE']).toBe(22);
    expect(IBAN_LENGTHS['GB']).toBe(22);
  });

  it('an account number inside an IBAN is reported once, as the IBAN', () => {
    const text = 'Konto: DE89 3704 0044 0532 0130 00';
    expect(findSensitiveData(text).map((f) => f.kind)).toEqual(['iban']);
  });
});
