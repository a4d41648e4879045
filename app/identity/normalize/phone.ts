/**
 * Phone numbers to E.164 with libphonenumber-js `max` metadata (real validation, not only length).
 * Extensions are dropped. WhatsApp ids yield their E.164 phone when that number is valid; the known
 * Brazil / Mexico / Argentina differences between wa_id and dialled number only yield candidates.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

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

/**
 * With no region known at all (no tenant default, no country on the record, no other number with a
 * country code), ten digits or 1 + ten digits that form a valid North American number are read as
 * one: the only numbering plan commonly written without a country code in international exports.
 */
function nanpFallback(text: string): Region | undefined {
  if (!PUNCTUATED_DIGITS.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  return digits.length === 10 || (digits.length === 11 && digits.startsWith('1')) ? 'US' : undefined;
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

  /**
   * `region` stands in for the default region when the normalizer has none (the record's country,
   * or the country of another number on the same record).
   */
  phone(raw: string, region?: Region): PhoneParse {
    const text = phoneText(raw);
    // Formatting characters do not change what a number parses to, so "(415) 555-0100" and
    // "415.555.0100" share one parse; text with letters (vanity numbers) is kept as written.
    const key = PUNCTUATED_DIGITS.test(text) ? `${text.startsWith('+') ? '+' : ''}${text.replace(/\D/g, '')}` : text;
    const use = this.defaultRegion ?? (text.startsWith('+') ? undefined : (region ?? nanpFallback(text)));
    return this.memo(`p|${use ?? ''}|${key}`, () => this.parseText(text, use));
  }

  /** True when the normalizer has a default region of its own. */
  get hasDefaultRegion(): boolean {
    return this.defaultRegion !== undefined;
  }

  /** A WhatsApp id: digits of the number without `+` (Meta `wa_id`, Twilio `WaId`) or `whatsapp:+…`. */
  whatsapp(raw: string): { waId: string | undefined } & PhoneParse {
    const digits = raw
      .trim()
      .replace(/^whatsapp:/i, '')
      .replace(/[^\d]/g, '');
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

  private parseText(text: string, region: Region | undefined): PhoneParse {
    const e164 = parseValid(text, region);
    if (e164 === undefined) return INVALID;
    return { e164, candidates: quirkCandidates(e164.slice(1)) };
  }
}

/**
 * The phone of a WhatsApp id. A wa_id belongs to a registered account, so when its digits are not a
 * valid number as they stand but exactly one country-quirk form is (a Mexican `521…` id, a Brazilian
 * mobile registered before the ninth digit), that form is the number; otherwise quirk forms are
 * candidates for review only.
 */
function whatsappPhone(digits: string): PhoneParse {
  const e164 = parseValid(`+${digits}`, undefined);
  const candidates = quirkCandidates(digits).filter((c) => c !== e164);
  if (e164 === undefined && candidates.length === 1) return { e164: candidates[0], candidates: [] };
  // Brazil: a 12-digit id whose local number starts 6–9 is a mobile registered before the ninth digit
  // (landlines start 2–5), so the number today is the one with the 9.
  if (digits.length === 12 && digits.startsWith('55') && /[6-9]/.test(digits.charAt(4))) {
    const mobile = candidates.find((c) => c.length === 14);
    if (mobile !== undefined) return { e164: mobile, candidates: e164 === undefined ? [] : [e164] };
  }
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

const COUNTRY_NAMES: Readonly<Record<string, Region>> = {
  'united states': 'US',
  'united states of america': 'US',
  usa: 'US',
  'u s a': 'US',
  'u s': 'US',
  america: 'US',
  'united kingdom': 'GB',
  uk: 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  canada: 'CA',
  mexico: 'MX',
  méxico: 'MX',
  brazil: 'BR',
  brasil: 'BR',
  argentina: 'AR',
  colombia: 'CO',
  chile: 'CL',
  peru: 'PE',
  spain: 'ES',
  españa: 'ES',
  espana: 'ES',
  france: 'FR',
  germany: 'DE',
  deutschland: 'DE',
  italy: 'IT',
  italia: 'IT',
  portugal: 'PT',
  netherlands: 'NL',
  'the netherlands': 'NL',
  holland: 'NL',
  belgium: 'BE',
  switzerland: 'CH',
  austria: 'AT',
  ireland: 'IE',
  sweden: 'SE',
  norway: 'NO',
  denmark: 'DK',
  finland: 'FI',
  poland: 'PL',
  india: 'IN',
  australia: 'AU',
  'new zealand': 'NZ',
  'south africa': 'ZA',
  nigeria: 'NG',
  kenya: 'KE',
  singapore: 'SG',
  japan: 'JP',
  china: 'CN',
  indonesia: 'ID',
  philippines: 'PH',
  'united arab emirates': 'AE',
  uae: 'AE',
  israel: 'IL',
  turkey: 'TR',
};

/** An ISO 3166-1 alpha-2 region from a country trait ("US", "usa", "United States", "Brasil"). */
export function regionOfCountry(raw: string | undefined): Region | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text.length === 2 && isSupportedCountry(text.toUpperCase())) return text.toUpperCase() as Region;
  return COUNTRY_NAMES[text.toLowerCase().replace(/[.]/g, ' ').replace(/\s+/g, ' ').trim()];
}

/** The region of a valid E.164 number. */
export function regionOfE164(e164: string): Region | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}
