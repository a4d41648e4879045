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
  if (traits.fullName !== undefined && (traits.firstName === undefined || traits.lastName === undefined)) {
    const split = splitFullName(String(raw['fullName']));
    if (traits.firstName === undefined && split.first) traits.firstName = split.first;
    if (traits.lastName === undefined && split.last) traits.lastName = split.last;
  }
  return traits;
}

/** First given name of a person (first token), used by the name guard. */
export function firstNameOf(traits: Traits): string | undefined {
  const first = traits.firstName?.split(/[\s-]/)[0];
  return first !== undefined && first.length > 0 ? first : undefined;
}
