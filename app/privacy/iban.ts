import { mod97 } from './checksums';
import { finding, type SensitiveFinding } from './finding';

/**
 * IBAN length per country (ISO 13616 IBAN registry, including the French overseas territories and
 * Åland, which use their own country codes with the French and Finnish formats).
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AX: 18,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BL: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GF: 27,
  GI: 23,
  GL: 18,
  GP: 27,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MF: 27,
  MK: 19,
  MN: 20,
  MQ: 27,
  MR: 27,
  MT: 31,
  MU: 30,
  NC: 27,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PF: 27,
  PK: 24,
  PL: 28,
  PM: 27,
  PS: 29,
  PT: 25,
  QA: 29,
  RE: 27,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TF: 27,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  WF: 27,
  XK: 20,
  YE: 30,
  YT: 27,
};

/**
 * A valid IBAN (spaces ignored, any case): a registered country, that country's length, check digits
 * 02–98, alphanumerics only, and the ISO 7064 mod 97-10 check (the rearranged number ≡ 1 mod 97).
 */
export function isValidIban(value: string): boolean {
  const iban = value.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const check = Number(iban.slice(2, 4));
  if (check < 2 || check > 98) return false;
  return mod97(`${iban.slice(4)}${iban.slice(0, 4)}`) === 1;
}

const IBAN_START = /(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})/g;

/**
 * IBANs in free text, written whole or in groups separated by single spaces (the print format).
 * From each country code + check digits, exactly that country's number of characters is taken; the
 * candidate must end at a word boundary and pass `isValidIban`.
 */
export function findIbans(text: string): SensitiveFinding[] {
  const out: SensitiveFinding[] = [];
  for (const m of text.matchAll(IBAN_START)) {
    const country = (m[1] ?? '').toUpperCase();
    const length = IBAN_LENGTHS[country];
    if (length === undefined) continue;
    let taken = 4;
    let end = m.index + 4;
    while (taken < length && end < text.length) {
      const ch = text.charAt(end);
      if (/[A-Za-z0-9]/.test(ch)) {
        taken += 1;
        end += 1;
      } else if (ch === ' ' && /[A-Za-z0-9]/.test(text.charAt(end + 1))) {
        end += 1;
      } else {
        break;
      }
    }
    if (taken !== length || /[A-Za-z0-9]/.test(text.charAt(end))) continue;
    const raw = text.slice(m.index, end);
    if (!isValidIban(raw)) continue;
    out.push(finding('iban', 'iban', `IBAN (${country})`, text, m.index, end, 2));
  }
  return out;
}
