/** What the detectors report: where a piece of sensitive data sits in a text and how to name it. */
export const SENSITIVE_KINDS = ['payment_card', 'national_id', 'iban'] as const;
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

export type CardScheme = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'mir' | 'maestro';
export type NationalIdScheme = 'us_ssn' | 'uk_nino' | 'nl_bsn' | 'es_dni' | 'es_nie' | 'it_codice_fiscale';
export type SensitiveScheme = CardScheme | NationalIdScheme | 'iban';

export interface SensitiveFinding {
  readonly kind: SensitiveKind;
  /** Card network, national id type, or `iban`. */
  readonly scheme: SensitiveScheme;
  /** Human name of what was found, e.g. "payment card number", "US Social Security number", "IBAN (DE)". */
  readonly label: string;
  /** UTF-16 offsets into the scanned text: `text.slice(start, end)` is the value as written. */
  readonly start: number;
  readonly end: number;
  /** The value with every letter and digit masked except the last four (an IBAN keeps its country). */
  readonly masked: string;
  /** The last four letters or digits, for messages such as "ending 4242". */
  readonly last4: string;
}

const isAlnum = (ch: string): boolean => /[0-9A-Za-z]/.test(ch);

/** Masks `raw` keeping separators, the first `keepStart` and the last four alphanumerics. */
export function maskValue(raw: string, keepStart = 0): { masked: string; last4: string } {
  const total = [...raw].filter(isAlnum).length;
  let seen = 0;
  let masked = '';
  let last4 = '';
  for (const ch of raw) {
    if (!isAlnum(ch)) {
      masked += ch;
      continue;
    }
    seen += 1;
    const keep = seen <= keepStart || seen > total - 4;
    masked += keep ? ch : '•';
    if (seen > total - 4) last4 += ch.toUpperCase();
  }
  return { masked, last4 };
}

export function finding(
  kind: SensitiveKind,
  scheme: SensitiveScheme,
  label: string,
  text: string,
  start: number,
  end: number,
  keepStart = 0,
): SensitiveFinding {
  return { kind, scheme, label, start, end, ...maskValue(text.slice(start, end), keepStart) };
}

/**
 * True when one of the context words appears in the `window` characters before `start` with no
 * other digits between it and `start` ("BSN 111222333", not "BSN 111222333 and order 123456782").
 */
export function hasContextBefore(text: string, start: number, words: RegExp, window = 40): boolean {
  const before = text.slice(Math.max(0, start - window), start);
  const flags = words.flags.includes('g') ? words.flags : `${words.flags}g`;
  let lastEnd = -1;
  for (const m of before.matchAll(new RegExp(words.source, flags))) lastEnd = m.index + m[0].length;
  return lastEnd >= 0 && !/\d/.test(before.slice(lastEnd));
}
