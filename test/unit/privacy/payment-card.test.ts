import { cardScheme, findPaymentCards, findSensitiveData, isPaymentCardNumber, luhnValid } from '../../../app/privacy';

const found = (text: string): string[] =>
  findSensitiveData(text)
    .filter((f) => f.kind === 'payment_card')
    .map((f) => text.slice(f.start, f.end));

describe('payment card numbers', () => {
  it.each([
    ['Visa, spaced', 'Hi, the renewal failed again. Can you just charge 4111 1111 1111 1111 instead?', '4111 1111 1111 1111', 'visa'],
    ['Visa, dashed', 'New card is 4242-4242-4242-4242, expiry 09/28.', '4242-4242-4242-4242', 'visa'],
    ['Visa, whole', 'card:4012888888881881 thanks', '4012888888881881', 'visa'],
    ['Amex, whole', 'Please use my Amex 378282246310005 for the upgrade', '378282246310005', 'amex'],
    ['Amex, 4-6-5', 'Amex 3714 496353 98431 is the company card', '3714 496353 98431', 'amex'],
    ['Mastercard', 'mastercard 5555555555554444 exp 11/27', '5555555555554444', 'mastercard'],
    ['Mastercard 2-series', 'it is 2223 0031 2200 3222', '2223 0031 2200 3222', 'mastercard'],
    ['Discover', 'Discover: 6011 1111 1111 1117.', '6011 1111 1111 1117', 'discover'],
    ['JCB', 'JCB 3530 1113 3330 0000', '3530 1113 3330 0000', 'jcb'],
    ['Diners (14 digits)', 'Diners Club 3056 9309 0259 04', '3056 9309 0259 04', 'diners'],
  ])('%s', (_name, text, expected, scheme) => {
    const cards = findPaymentCards(text);
    expect(cards.map((f) => text.slice(f.start, f.end))).toEqual([expected]);
    expect(cards[0]?.scheme).toBe(scheme);
  });

  it('finds the card when the CVC or a reference is written right next to it', () => {
    expect(found('card 4111 1111 1111 1111 123 (that last bit is the cvc)')).toEqual(['4111 1111 1111 1111']);
    expect(found('ref 88231 4242 4242 4242 4242 please')).toEqual(['4242 4242 4242 4242']);
    expect(found('Two cards: 4111111111111111 and 5555 5555 5555 4444.')).toEqual(['4111111111111111', '5555 5555 5555 4444']);
  });

  it('masks all but the last four digits and keeps the separators', () => {
    const [card] = findPaymentCards('use 4242 4242 4242 4242 please');
    expect(card).toMatchObject({
      kind: 'payment_card',
      start: 4,
      end: 23,
      masked: '•••• •••• •••• 4242',
      last4: '4242',
      label: 'payment card number',
    });
  });

  it.each([
    ['one digit off (fails Luhn)', 'I typed 4111 1111 1111 1112 by mistake'],
    ['Mastercard-shaped, fails Luhn', 'number 5555555555554445'],
    ['order number, fails Luhn', 'Where is order #100234567891235? It was due Monday.'],
    ['order number, Luhn-valid but no card prefix', 'Order 1002345678912341 still says processing'],
    ['UPS tracking', 'Tracking 1Z999AA10123456784 has not moved since Tuesday'],
    ['USPS tracking', 'USPS says 9400 1000 0000 0000 0000 00 was delivered but nothing arrived'],
    ['FedEx tracking', 'FedEx 7000 1234 5678 9010 shows an exception'],
    ['SKU glued to letters', 'part INV4111111111111111X is on back order'],
    ['decimal number', 'the ratio was 0.4111111111111111 in the report'],
    ['phone number and date', 'call me on +44 20 7946 0958 about the 2024-03-15 invoice'],
    ['too short', 'account 4111 1111 1111'],
  ])('does not flag %s', (_name, text) => {
    expect(found(text)).toEqual([]);
  });

  it('the no-prefix examples above really are Luhn-valid (so the IIN check is what rejects them)', () => {
    expect(luhnValid('1002345678912341')).toBe(true);
    expect(luhnValid('7000123456789010')).toBe(true);
    expect(cardScheme('1002345678912341')).toBeNull();
    expect(isPaymentCardNumber('7000123456789010')).toBe(false);
  });

  it('checks length against the network (Amex is 15 digits, Mastercard 16)', () => {
    expect(isPaymentCardNumber('378282246310005')).toBe(true);
    expect(cardScheme('3782822463100050')).toBeNull();
    expect(cardScheme('55555555555544')).toBeNull();
  });
});
