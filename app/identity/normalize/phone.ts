/**
 * Phone numbers to E.164 with libphonenumber-js `max` metadata (real validation, not only length).
 * Extensions are dropped. WhatsApp ids yield their E.164 phone when that number is valid; the known
 * Brazil / Mexico / Argentina differences between wa_id and dialled number only yield candidates.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type Region = CountryCode;

export interface PhoneParse {
  /** E.164 when the number is valid for its region. */
  readonly e164: string | undefined;
  /** Numbers that may be the same line (country quirks); for review only, never links. */
  readonly candidates: readonly string[];
}

const INVALID: PhoneParse = { e164: undefined, candidates: [] };

/** Only digits and the punctuation people write numbers with, an optional leading `+`. */
const PUNCTUATED_DIGITS = /^\+?[\d\s().\-/]+$/;

/** The number as written, without a scheme, an extension or the `00` international prefix. */
function phoneText(raw: string): string {
  let text = raw.trim().replace(/^(tel:|sms:|whatsapp:)/i, '');
  text = text.replace(/\s*(?:ext\.?|extension|x|#)\s*\d+\s*$/i, '');
  return text.startsWith('00') ? `+${text.slice(2)}` : text;
}

function parseValid(text: string, region: Region | undefined): string | undefined {
  const parsed = parsePhoneNumberFromString(text, region);
  if (parsed === undefined || !parsed.isValid()) return undefined;
  return parsed.number;
}

/** Bounded memo: phone parsing dominates normalization cost and inputs repeat a lot. */
export class PhoneNormalizer {
  private readonly cache = new Map<string, PhoneParse>();

  constructor(
    private readonly defaultRegion: Region | undefined,
    private readonly cacheSize = 50_000,
  ) {}

  phone(raw: string): PhoneParse {
    const text = phoneText(raw);
    // Formatting characters do not change what a number parses to, so "(415) 555-0100" and
    // "415.555.0100" share one parse; text with letters (vanity numbers) is kept as written.
    const key = PUNCTUATED_DIGITS.test(text) ? `${text.startsWith('+') ? '+' : ''}${text.replace(/\D/g, '')}` : text;
    return this.memo(`p|${key}`, () => this.parseText(text));
  }

  /** A WhatsApp id: digits of the number without `+` (Meta `wa_id`, Twilio `WaId`) or `whatsapp:+…`. */
  whatsapp(raw: string): { waId: string | undefined } & PhoneParse {
    const digits = raw.trim().replace(/^whatsapp:/i, '').replace(/[^\d]/g, '');
    if (digits.length < 8 || digits.length > 15) return { waId: undefined, ...INVALID };
    return { waId: digits, ...this.memo(`w|${digits}`, () => whatsappPhone(digits)) };
  }

  private memo(key: string, compute: () => PhoneParse): PhoneParse {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(key, value);
    return value;
  }

  private parseText(text: string): PhoneParse {
    const e164 = parseValid(text, this.defaultRegion);
    if (e164 === undefined) return INVALID;
    return { e164, candidates: quirkCandidates(e164.slice(1)) };
  }
}

function whatsappPhone(digits: string): PhoneParse {
  const e164 = parseValid(`+${digits}`, undefined);
  const candidates = quirkCandidates(digits).filter((c) => c !== e164);
  return { e164, candidates };
}

/**
 * The other form of a number under WhatsApp's country quirks, as valid E.164 strings:
 * Brazil mobiles with / without the 9th digit, Mexico with / without `1` after 52,
 * Argentina with / without `9` after 54.
 */
export function quirkCandidates(digits: string): string[] {
  const out: string[] = [];
  const add = (d: string): void => {
    const v = parseValid(`+${d}`, undefined);
    if (v !== undefined && v !== `+${digits}` && !out.includes(v)) out.push(v);
  };
  if (digits.startsWith('55')) {
    if (digits.length === 12) add(`${digits.slice(0, 4)}9${digits.slice(4)}`);
    if (digits.length === 13 && digits[4] === '9') add(`${digits.slice(0, 4)}${digits.slice(5)}`);
  } else if (digits.startsWith('52')) {
    if (digits.length === 13 && digits[2] === '1') add(`52${digits.slice(3)}`);
    if (digits.length === 12) add(`521${digits.slice(2)}`);
  } else if (digits.startsWith('54')) {
    if (digits[2] === '9') add(`54${digits.slice(3)}`);
    else add(`549${digits.slice(2)}`);
  }
  return out;
}
