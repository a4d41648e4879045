/** Trait normalization: every trait becomes a clean string or is absent. */
import { TRAIT_FIELDS, type TraitField, type Traits } from '../types';
import { cleanText, splitFullName } from './names';

export type DateOrder = 'dmy' | 'mdy';

/** Normalizes a birth date to YYYYMMDD; undefined when it cannot be read. */
export function normalizeDate(raw: string, order: DateOrder = 'dmy'): string | undefined {
  const text = raw.trim();
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(text) ?? /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$/.exec(text);
  if (m !== null) return ymd(m[1], m[2], m[3]);
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(text);
  if (m !== null) return order === 'dmy' ? ymd(m[3], m[2], m[1]) : ymd(m[3], m[1], m[2]);
  // Keep unreadable 8-digit strings as they are: typos in dates are still comparable digit by digit.
  return /^\d{8}$/.test(text) ? text : undefined;
}

function ymd(y: string | undefined, mo: string | undefined, d: string | undefined): string | undefined {
  if (y === undefined || mo === undefined || d === undefined) return undefined;
  return `${y}${mo.padStart(2, '0')}${d.padStart(2, '0')}`;
}

const COMPANY_SUFFIXES = /\b(inc|incorporated|llc|ltd|limited|gmbh|corp|corporation|co|plc|sa|sas|bv|ag|pty)\b/g;

function normalizeOne(field: TraitField, raw: string, order: DateOrder): string | undefined {
  switch (field) {
    case 'birthDate':
      return normalizeDate(raw, order);
    case 'postcode':
      return raw.toUpperCase().replace(/\s+/g, '') || undefined;
    case 'streetNumber':
      return raw.trim().toLowerCase().replace(/\s+/g, '') || undefined;
    case 'company':
      return cleanText(raw).replace(COMPANY_SUFFIXES, '').replace(/\s+/g, ' ').trim() || undefined;
    default:
      return cleanText(raw) || undefined;
  }
}

/** Reads known trait fields from an event subject's free-form traits object. */
export function normalizeTraits(raw: Readonly<Record<string, unknown>> | undefined, order: DateOrder = 'dmy'): Traits {
  const traits: Traits = {};
  if (raw === undefined) return traits;
  for (const field of TRAIT_FIELDS) {
    const value = raw[field];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const normalized = normalizeOne(field, String(value), order);
    if (normalized !== undefined) traits[field] = normalized;
  }
  // Messaging and support sources send one display name (WhatsApp profile name, Twilio ProfileName,
  // a Zendesk requester name): read it as a full name when no name field came.
  let full = traits.fullName === undefined ? undefined : String(raw['fullName']);
  if (full === undefined && traits.firstName === undefined && traits.lastName === undefined) {
    for (const alias of DISPLAY_NAME_FIELDS) {
      const value = raw[alias];
      if (typeof value === 'string' && value.trim() !== '') {
        full = value;
        break;
      }
    }
  }
  if (full !== undefined && (traits.firstName === undefined || traits.lastName === undefined)) {
    const split = splitFullName(full);
    if (traits.firstName === undefined && split.first) traits.firstName = split.first;
    if (traits.lastName === undefined && split.last) traits.lastName = split.last;
  }
  // "S." as a family name is an initial: it says nothing a comparison or the guard can use.
  if (traits.lastName !== undefined && traits.lastName.replace(/[^a-z]/g, '').length <= 1) delete traits.lastName;
  if (traits.firstName !== undefined && !/[a-z]/.test(traits.firstName)) delete traits.firstName;
  return traits;
}

/** Trait names sources use for a single display name, in order of preference. */
const DISPLAY_NAME_FIELDS = ['name', 'displayName', 'display_name', 'profileName', 'profile_name', 'senderName'] as const;

/** First given name of a person (first token), used by the name guard. */
export function firstNameOf(traits: Traits): string | undefined {
  const first = traits.firstName?.split(/[\s-]/)[0];
  return first !== undefined && first.length > 0 ? first : undefined;
}
