import { redactPii } from '../../../connectors/llm/redact';

describe('LLM prompt redaction on realistic support messages', () => {
  it('an English billing complaint: greeting, card, phone, address and sign-off', () => {
    const text = [
      'Hi Daniel,',
      '',
      'You charged my Visa 4242 4242 4242 4242 twice for the March invoice. I have called +1 (312) 555-0187 three times.',
      'Please send the corrected invoice to 742 Evergreen Terrace, Springfield, IL 62704-1234.',
      '',
      'Thanks,',
      'Margaret O’Neill',
    ].join('\n');
    expect(redactPii(text)).toBe(
      [
        'Hi [NAME],',
        '',
        'You charged my Visa [CARD] twice for the March invoice. I have called [PHONE] three times.',
        'Please send the corrected invoice to [ADDRESS].',
        '',
        'Thanks,',
        '[NAME]',
      ].join('\n'),
    );
  });

  it('a British refund request with an IBAN, a NI number and a postcode', () => {
    const text =
      'Dear Support, my name is Tom Ashworth. Please refund to GB82 WEST 1234 5698 7654 32; payroll also asked for my NI number AB 12 34 56 C. Flat 3, 18 Wellington Road, Manchester M14 6HP. Kind regards, Tom';
    expect(redactPii(text)).toBe(
      'Dear Support, my name is [NAME]. Please refund to [IBAN]; payroll also asked for my NI number [NATIONAL_ID]. [ADDRESS]. Kind regards, [NAME]',
    );
  });

  it('a German message with a street, postcode and city, and a titled name', () => {
    const text =
      'Guten Tag, bitte schicken Sie die Rechnung an Frau Schneider, Karl-Marx-Straße 45, 12043 Berlin. Viele Grüße, Jonas Weber';
    expect(redactPii(text)).toBe('Guten Tag, bitte schicken Sie die Rechnung an Frau [NAME], [ADDRESS]. Viele Grüße, [NAME]');
  });

  it('a Dutch message with a BSN, a street and a postcode', () => {
    const text =
      'Hallo Pieter, mijn BSN is 111222333 en mijn nieuwe adres is Kalverstraat 92, 1012 PH Amsterdam. Groeten, Sanne van der Berg';
    expect(redactPii(text)).toBe('Hallo [NAME], mijn BSN is [NATIONAL_ID] en mijn nieuwe adres is [ADDRESS]. Groeten, [NAME]');
  });

  it('Spanish, French and Italian addresses and ids', () => {
    expect(redactPii('Mi DNI es 12345678Z y vivo en Calle de Alcalá, 45, 28014 Madrid. Gracias, Lucía')).toBe(
      'Mi DNI es [NATIONAL_ID] y vivo en [ADDRESS]. Gracias, [NAME]',
    );
    expect(redactPii('Envoyez le colis au 8 bis avenue Victor Hugo, 75116 Paris. Cordialement, Mme Lefèvre')).toBe(
      'Envoyez le colis au [ADDRESS]. Cordialement, Mme [NAME]',
    );
    expect(redactPii('Il mio codice fiscale è RSSMRA85T10A562S, abito in Via Garibaldi 21, 10122 Torino')).toBe(
      'Il mio codice fiscale è [NATIONAL_ID], abito in [ADDRESS]',
    );
  });

  it('PO boxes and self-introductions in chat', () => {
    expect(
      redactPii("hey, this is Aisha Khan from Brightline. Our billing address is PO Box 7731, Austin, TX 78701. I'm Aisha, by the way"),
    ).toBe("hey, this is [NAME] from Brightline. Our billing address is [ADDRESS]. I'm [NAME], by the way");
  });

  it('the profile names the caller knows, anywhere and in any case for the full name', () => {
    const text = 'JAMIE LEE CURTIS here. jamie lee curtis is the account owner. Lee said to write. I will wait, Jamie.';
    expect(redactPii(text, { knownNames: ['Jamie Lee Curtis', 'Jamie'] })).toBe(
      '[NAME] here. [NAME] is the account owner. [NAME] said to write. I will wait, [NAME].',
    );
  });

  it('a known name that is also a common word is hidden only where written as a name', () => {
    expect(redactPii('Hope you can help; I hope so. Grace period ended?', { knownNames: ['Hope Grace'] })).toBe(
      '[NAME] you can help; I hope so. [NAME] period ended?',
    );
    expect(redactPii('I will pay in may', { knownNames: ['Will May'] })).toBe('I will pay in may');
  });

  it('leaves wording that only looks like names or addresses', () => {
    for (const text of [
      'Hi team, thanks again! The new dashboard is great.',
      'Dear Customer Service, I am very disappointed with the March update.',
      'Thanks, The Acme crew',
      'I bought 2 Big Macs and walked a long way home.',
      'We need 3 more seats by Friday, and the Pro Plan costs 49 per month.',
      'Your app crashes on iOS 17 when I open the Settings page.',
      'Best price I have seen. Best Buy had it cheaper though.',
    ]) {
      expect(redactPii(text)).toBe(text);
    }
  });

  it('does not redact order numbers as cards, but still hides long digit runs', () => {
    expect(redactPii('Order 1002345678912341 and tracking 1Z999AA10123456784 are both stuck')).toBe(
      'Order [NUMBER] and tracking 1Z999AA[NUMBER] are both stuck',
    );
  });
});
