import { findNationalIds, findSensitiveData, isValidCodiceFiscale, isValidNinoPrefix, isValidSsn } from '../../../app/privacy';

const ids = (text: string): [string, string][] => findNationalIds(text).map((f) => [f.scheme, text.slice(f.start, f.end)]);

describe('US Social Security numbers', () => {
  it('finds a dashed SSN in a support message and masks all but the serial', () => {
    const text = 'For the tax form my SSN is 536-22-8817, can you update it on the account?';
    const [found] = findNationalIds(text);
    expect(found).toMatchObject({ kind: 'national_id', scheme: 'us_ssn', masked: '•••-••-8817', last4: '8817' });
    expect(text.slice(found?.start, found?.end)).toBe('536-22-8817');
  });

  it('needs SSN context for spaced or unseparated numbers', () => {
    expect(ids('social security number: 536 22 8817')).toEqual([['us_ssn', '536 22 8817']]);
    expect(ids('SSN 536228817')).toEqual([['us_ssn', '536228817']]);
    expect(ids('ticket 536 22 8817 was closed')).toEqual([]);
    expect(ids('invoice 536228817 is overdue')).toEqual([]);
  });

  it.each([
    ['area 000', '000-12-3456'],
    ['area 666', '666-12-3456'],
    ['area 9xx (ITIN / advertising range)', '987-65-4321'],
    ['group 00', '536-00-8817'],
    ['serial 0000', '536-22-0000'],
    ['voided Woolworth wallet number', '078-05-1120'],
  ])('never issued: %s', (_name, ssn) => {
    expect(ids(`SSN ${ssn}`)).toEqual([]);
    const [area = '', group = '', serial = ''] = ssn.split('-');
    expect(isValidSsn(area, group, serial)).toBe(false);
  });

  it('does not take phone numbers or dates for SSNs', () => {
    expect(ids('call 415-555-0134 or fax 415-555-0199 before 2024-05-01')).toEqual([]);
  });
});

describe('UK National Insurance numbers', () => {
  it('finds spaced and unspaced numbers', () => {
    expect(ids('My NI number is AB 12 34 56 C if HR needs it')).toEqual([['uk_nino', 'AB 12 34 56 C']]);
    expect(ids('payroll has JG103759A on file')).toEqual([['uk_nino', 'JG103759A']]);
  });

  it('accepts lower case only after National Insurance / NI / NINO', () => {
    expect(ids('national insurance: jg103759a')).toEqual([['uk_nino', 'jg103759a']]);
    expect(ids('code jg103759a')).toEqual([]);
  });

  it.each([
    ['Q is never a prefix letter (the HMRC sample QQ)', 'QQ123456C'],
    ['D as first letter', 'DA123456A'],
    ['O as second letter', 'AO123456B'],
    ['unallocated prefix GB', 'GB123456A'],
    ['unallocated prefix TN', 'TN123456D'],
    ['suffix outside A–D', 'AB123456E'],
  ])('rejects %s', (_name, nino) => {
    expect(ids(`NI number ${nino}`)).toEqual([]);
  });

  it('prefix rules', () => {
    expect(isValidNinoPrefix('AB')).toBe(true);
    expect(isValidNinoPrefix('OA')).toBe(true);
    expect(isValidNinoPrefix('NK')).toBe(false);
    expect(isValidNinoPrefix('VA')).toBe(false);
  });
});

describe('Dutch BSN', () => {
  it('finds an elfproef-valid BSN after "BSN"', () => {
    expect(ids('Mijn BSN is 111222333, kunt u dat aanpassen?')).toEqual([['nl_bsn', '111222333']]);
    expect(ids('burgerservicenummer 1234.56.782')).toEqual([['nl_bsn', '1234.56.782']]);
  });

  it('ignores a BSN that fails the elfproef and nine digits without context', () => {
    expect(ids('BSN 111222334')).toEqual([]);
    expect(ids('order 111222333 arrived broken')).toEqual([]);
    expect(ids('my BSN is 111222333 and my order is 123456782')).toEqual([['nl_bsn', '111222333']]);
  });
});

describe('Spanish DNI and NIE', () => {
  it('finds numbers whose control letter matches', () => {
    expect(ids('Hola, mi DNI es 12345678Z y el de mi pareja 87654321-X')).toEqual([
      ['es_dni', '12345678Z'],
      ['es_dni', '87654321-X'],
    ]);
    expect(ids('NIE X1234567L, Y1234567X, Z-1234567-R')).toEqual([
      ['es_nie', 'X1234567L'],
      ['es_nie', 'Y1234567X'],
      ['es_nie', 'Z-1234567-R'],
    ]);
  });

  it('ignores wrong control letters', () => {
    expect(ids('DNI 12345678A, NIE X1234567A')).toEqual([]);
  });
});

describe('Italian codice fiscale', () => {
  it('finds a codice fiscale with a valid check letter', () => {
    expect(ids('Il mio codice fiscale è RSSMRA85T10A562S, grazie')).toEqual([['it_codice_fiscale', 'RSSMRA85T10A562S']]);
    expect(isValidCodiceFiscale('rssmra85t10a562s')).toBe(true);
  });

  it('ignores a wrong check letter', () => {
    expect(ids('codice RSSMRA85T10A562T')).toEqual([]);
  });
});

describe('findSensitiveData over a whole message', () => {
  it('reports every kind in text order', () => {
    const text = [
      'Hi team, I need to update my payout details.',
      'Old card: 5555 5555 5555 4444. New IBAN: DE89 3704 0044 0532 0130 00.',
      'For the tax form, SSN 536-22-8817. Order 1002345678912341 can ship anyway.',
    ].join('\n');
    expect(findSensitiveData(text).map((f) => [f.kind, f.last4])).toEqual([
      ['payment_card', '4444'],
      ['iban', '3000'],
      ['national_id', '8817'],
    ]);
  });

  it('finds nothing in an ordinary message', () => {
    expect(findSensitiveData('We have 3 seats on the 2024 plan, invoice INV-20931 of 14 March. Call +1 (415) 555-0134.')).toEqual([]);
  });
});
