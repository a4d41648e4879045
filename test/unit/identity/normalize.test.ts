import { isJunkValue } from '../../../app/identity/normalize/blocked';
import { normalizeSalesforceId, salesforceSuffix } from '../../../app/identity/normalize/crm-ids';
import { parseEmail } from '../../../app/identity/normalize/email';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import { quirkCandidates } from '../../../app/identity/normalize/phone';
import { normalizeDate, normalizeTraits } from '../../../app/identity/normalize/traits';

const keys = (n: IdentifierNormalizer, type: string, value: string, scope?: string): string[] =>
  n.normalize([scope === undefined ? { type, value } : { type, value, scope }]).identifiers.map((i) => i.key);

describe('email normalization', () => {
  it('lower-cases and trims, and reads display-name forms', () => {
    expect(parseEmail('  Jane.Doe@Example.ORG ')?.key).toBe('jane.doe@example.org');
    expect(parseEmail('"Jane" <Jane@Acme.io>')?.key).toBe('jane@acme.io');
  });

  it('applies dot and plus rules only to Gmail / googlemail', () => {
    expect(parseEmail('J.a.n.e+news@googlemail.com')?.key).toBe('jane@gmail.com');
    expect(parseEmail('jane.doe+x@acme.io')?.key).toBe('jane.doe+x@acme.io');
    expect(parseEmail('jane.doe@acme.io')?.key).not.toBe(parseEmail('janedoe@acme.io')?.key);
  });

  it('flags role mailboxes and Zendesk forwarding addresses', () => {
    for (const role of ['info@acme.io', 'Support@acme.io', 'no-reply@acme.io', 'billing+x@acme.io', 'help@acme.zendesk.com']) {
      expect(parseEmail(role)?.role).toBe(true);
    }
    expect(parseEmail('infosec.lead@acme.io')?.role).toBe(false);
  });

  it('rejects non-addresses', () => {
    expect(parseEmail('not an email')).toBeUndefined();
    expect(parseEmail('a@b')).toBeUndefined();
  });
});

describe('identifier normalizer', () => {
  const n = new IdentifierNormalizer({
    defaultRegion: 'US',
    ownValues: [
      { type: 'phone', value: '+1 415 523 8886' },
      { type: 'email', value: 'hello.team@baton.dev' },
    ],
  });

  it('turns national and international phone formats into one E.164 key', () => {
    const expected = ['phone::+14155550134'];
    expect(keys(n, 'phone', '(415) 555-0134')).toEqual(expected);
    expect(keys(n, 'phone', '+1 415-555-0134 ext. 12')).toEqual(expected);
    expect(keys(n, 'phone', '001 415 555 0134')).toEqual(expected);
    expect(keys(n, 'phone', 'tel:+14155550134')).toEqual(expected);
  });

  it('rejects invalid, junk, role and own values with a reason', () => {
    const out = n.normalize([
      { type: 'phone', value: '12345' },
      { type: 'email', value: 'null' },
      { type: 'email', value: 'test@test.com' },
      { type: 'email', value: 'info@acme.io' },
      { type: 'phone', value: '(415) 523-8886' },
      { type: 'email', value: 'HELLO.team@baton.dev' },
      { type: 'nationalId', value: '0000000' },
      { type: 'email', value: 'someone@example.com' },
      { type: 'shoeSize', value: '42' },
    ]);
    expect(out.identifiers).toEqual([]);
    expect(out.rejected.map((r) => r.reason)).toEqual(['invalid', 'junk', 'junk', 'role', 'own', 'role', 'junk', 'junk', 'unsupported']);
  });

  it('gives a WhatsApp id its E.164 phone when that number is valid', () => {
    expect(keys(n, 'whatsapp', '14155550134')).toEqual(['whatsapp::14155550134', 'phone::+14155550134']);
    expect(keys(n, 'twilioAddress', 'whatsapp:+14155550134')).toEqual(['whatsapp::14155550134', 'phone::+14155550134']);
    expect(keys(n, 'twilioAddress', '+14155550134')).toEqual(['phone::+14155550134']);
  });

  it('reads a WhatsApp id that is only valid under its country quirk as that number', () => {
    // Mexico: wa_id 521 + ten digits is the number +52 + ten digits.
    const mx = n.normalize([{ type: 'whatsapp', value: '5215512345678' }]);
    expect(mx.identifiers.map((i) => i.key)).toEqual(['whatsapp::5215512345678', 'phone::+525512345678']);
    expect(mx.candidates).toEqual([]);
    // Brazil: a mobile registered before the ninth digit (local number starting 6-9).
    const br = n.normalize([{ type: 'whatsapp', value: '559281723241' }]);
    expect(br.identifiers.map((i) => i.key)).toEqual(['whatsapp::559281723241', 'phone::+5592981723241']);
  });

  it('turns country quirks into review candidates, not identifiers, when the id is valid as it stands', () => {
    const landline = n.normalize([{ type: 'whatsapp', value: '551127654321' }]);
    expect(landline.identifiers.map((i) => i.key)).toEqual(['whatsapp::551127654321', 'phone::+551127654321']);
    expect(landline.candidates.map((i) => i.key)).toEqual(['phone::+5511927654321']);
    expect(quirkCandidates('5491123456789')).toEqual(['+541123456789']);
  });

  it('scopes CRM ids per portal / org / subdomain', () => {
    expect(keys(n, 'hubspotContactId', '00123', '456')).toEqual(['hubspotContactId:456:123']);
    expect(keys(n, 'hubspotContactId', '123', '789')).not.toEqual(keys(n, 'hubspotContactId', '123', '456'));
    expect(keys(n, 'zendeskUserId', '42', 'Acme')).toEqual(['zendeskUserId:acme:42']);
    expect(keys(n, 'hubspotContactId', '123')).toEqual(['hubspotContactId:default:123']);
  });
});

describe('Salesforce ids', () => {
  it('computes the case-safe 18-character form', () => {
    expect(salesforceSuffix('001A0000006Vm9r')).toBe('IAC');
    expect(normalizeSalesforceId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
  });

  it('restores case of an 18-character id from its suffix', () => {
    expect(normalizeSalesforceId('001a0000006vm9riac')).toBe('001A0000006Vm9rIAC');
  });

  it('rejects malformed ids', () => {
    expect(normalizeSalesforceId('001A0000006Vm9')).toBeUndefined();
    expect(normalizeSalesforceId('001A0000006Vm9r!!!')).toBeUndefined();
  });
});

describe('traits', () => {
  it('normalizes dates in several formats', () => {
    expect(normalizeDate('19560409')).toBe('19560409');
    expect(normalizeDate('1956-4-9')).toBe('19560409');
    expect(normalizeDate('09/04/1956')).toBe('19560409');
    expect(normalizeDate('04/09/1956', 'mdy')).toBe('19560409');
    expect(normalizeDate('soon')).toBeUndefined();
  });

  it('cleans names and splits full names', () => {
    expect(normalizeTraits({ fullName: 'Dr. José  van Dyke' })).toEqual({
      fullName: 'dr jose van dyke',
      firstName: 'jose',
      lastName: 'van dyke',
    });
    expect(normalizeTraits({ company: 'Acme, Inc.', postcode: 'sw1a 1aa', firstName: '' })).toEqual({
      company: 'acme',
      postcode: 'SW1A1AA',
    });
  });

  it('recognises junk placeholders', () => {
    for (const v of ['null', 'N/A', '-1', '0000000', '--', ' ']) expect(isJunkValue(v)).toBe(true);
    expect(isJunkValue('7364009')).toBe(false);
  });
});
