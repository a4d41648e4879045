/** Values that are never identifiers: junk placeholders, test values, the tenant's own addresses. */

const JUNK_VALUES = new Set([
  'null',
  'nil',
  'none',
  'undefined',
  'n/a',
  'na',
  'nan',
  '-1',
  'anonymous',
  'unknown',
  'test',
  'void',
  'abc123',
  'asdf',
  'xxx',
  'tbd',
  'noemail',
  'no email',
  'no-email',
  'not provided',
  'false',
  'true',
  '[object object]',
]);

/** Whole-address junk; domains reserved for examples and tests are handled separately. */
const JUNK_EMAILS = new Set([
  'test@test.com',
  'a@a.com',
  'a@b.com',
  'abc@abc.com',
  'asdf@asdf.com',
  'none@none.com',
  'no@no.com',
  'noemail@noemail.com',
  'email@email.com',
  'user@domain.com',
  'name@domain.com',
  'test@gmail.com',
]);
/**
 * Placeholder domains (RFC 2606 second-level names and the reserved TLDs on their own, any host under
 * example.com/org/net, .invalid and .localhost). Named hosts under the `.example` and `.test` TLDs
 * (acme.example) are documentation and sandbox organisations, each address one mailbox: they are kept.
 */
const RESERVED_DOMAINS = ['example.com', 'example.org', 'example.net', 'invalid', 'localhost'];
const RESERVED_BARE = new Set(['test', 'example', 'invalid', 'localhost']);
const JUNK_LOCAL_PARTS = new Set(['test', 'noemail', 'none', 'null', 'asdf', 'fake', 'dummy', 'nobody']);

/** Zeros/dashes only (Segment's suggested block regex) and other placeholders. */
export function isJunkValue(raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (text.length === 0) return true;
  if (/^[0\-\s.]*$/.test(text)) return true;
  return JUNK_VALUES.has(text);
}

export function isJunkEmail(key: string): boolean {
  if (JUNK_EMAILS.has(key)) return true;
  const at = key.lastIndexOf('@');
  const local = key.slice(0, at);
  const domain = key.slice(at + 1);
  if (JUNK_LOCAL_PARTS.has(local)) return true;
  return RESERVED_BARE.has(domain) || RESERVED_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** E.164 numbers made of one repeated digit or a plain ascending run after the country code. */
export function isJunkPhone(e164: string): boolean {
  const digits = e164.slice(1);
  const national = digits.slice(-9);
  if (/^(\d)\1+$/.test(national)) return true;
  return '0123456789012'.includes(national) || '9876543210987'.includes(national);
}
