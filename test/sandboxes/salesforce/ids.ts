import { randomBytes } from 'node:crypto';

/** Key prefixes of the objects the sandbox serves (Salesforce's documented 3-character prefixes). */
export const KEY_PREFIX: Readonly<Record<string, string>> = {
  Account: '001',
  Contact: '003',
  Opportunity: '006',
  Lead: '00Q',
  Case: '500',
  Task: '00T',
  User: '005',
  Organization: '00D',
  // A ContentNote is a ContentDocument: its id is the document id that ContentDocumentLink names.
  ContentNote: '069',
  ContentDocumentLink: '06A',
  ActionCadence: '77C',
  ApexClass: '01p',
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Salesforce's 15 → 18 character id: a checksum suffix encoding the case of each block of 5. */
export function to18(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(block * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += SUFFIX.charAt(flags);
  }
  return id15 + suffix;
}

/** A fresh 18-character id for an object type. */
export function newSalesforceId(type: string): string {
  const prefix = KEY_PREFIX[type] ?? 'a00';
  const bytes = randomBytes(12);
  let body = '';
  for (const b of bytes) body += ALPHABET.charAt(b % ALPHABET.length);
  return to18(`${prefix}${body}`.slice(0, 15));
}
