/** CRM record ids: Salesforce 15/18-character ids, HubSpot and Zendesk numeric ids. */

const SF_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

function isUpper(ch: string): boolean {
  return ch >= 'A' && ch <= 'Z';
}

/** The 3-character case-safe suffix of a 15-character Salesforce id. */
export function salesforceSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      if (isUpper(id15.charAt(chunk * 5 + i))) bits |= 1 << i;
    }
    suffix += SF_SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/**
 * Normalizes a Salesforce id to its 18-character form. An 18-character id whose case was lost
 * (e.g. lower-cased by another system) is repaired from its suffix, which encodes the case.
 */
export function normalizeSalesforceId(raw: string): string | undefined {
  const text = raw.trim();
  if (!SF_ID.test(text)) return undefined;
  if (text.length === 15) return text + salesforceSuffix(text);
  const suffix = text.slice(15).toUpperCase();
  let restored = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SF_SUFFIX_ALPHABET.indexOf(suffix.charAt(chunk));
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const ch = text.charAt(chunk * 5 + i);
      restored += bits & (1 << i) ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  if (salesforceSuffix(restored) !== suffix) return undefined;
  return restored + suffix;
}

/** Key prefix of a Salesforce id (003 Contact, 00Q Lead, …): a person may have one of each. */
export function salesforceObjectPrefix(id18: string): string {
  return id18.slice(0, 3);
}

/** HubSpot / Zendesk ids are positive integers; leading zeros and separators are not meaningful. */
export function normalizeNumericId(raw: string): string | undefined {
  const text = raw.trim().replace(/[\s,_]/g, '');
  if (!/^\d{1,20}$/.test(text)) return undefined;
  const stripped = text.replace(/^0+/, '');
  return stripped.length === 0 ? undefined : stripped;
}
