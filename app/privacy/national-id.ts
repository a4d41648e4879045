import { bsnElevenProof, codiceFiscaleCheckLetter, spanishControlLetter } from './checksums';
import { finding, hasContextBefore, type SensitiveFinding } from './finding';

/**
 * National identification numbers with a published structure or check digit:
 * - US Social Security number: AAA-GG-SSSS; area 000, 666 and 900–999, group 00 and serial 0000 are
 *   never issued, nor the two numbers the SSA voided after they were printed (078-05-1120, 219-09-9999).
 *   Written with dashes it stands alone; written with spaces or none it needs "SSN"/"social security" before it.
 * - UK National Insurance number: two prefix letters, six digits, suffix A–D. Neither prefix letter is
 *   D, F, I, Q, U or V, the second is not O, and BG, GB, KN, NK, NT, TN, ZZ are not allocated.
 *   Lower case only counts after "National Insurance"/"NI"/"NINO".
 * - Dutch BSN: nine digits passing the elfproef; only after "BSN"/"burgerservicenummer"/"sofinummer",
 *   since one random nine-digit number in eleven passes.
 * - Spanish DNI (8 digits + control letter) and NIE (X/Y/Z + 7 digits + control letter), mod 23.
 * - Italian codice fiscale: 16 characters with its odd/even-position check letter (omocodia included).
 */
const SSN = /(?<![\w.-])(?<!\d )(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;
const SSN_CONTEXT = /\b(?:ssn|social security|soc\.? ?sec)/i;
const SSN_VOIDED = new Set(['078051120', '219099999']);

export function isValidSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  return !SSN_VOIDED.has(`${area}${group}${serial}`);
}

const NINO = /(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-Da-d])(?![A-Za-z0-9])/g;
const NINO_CONTEXT = /national insurance|\bNI\b|\bNINO\b/i;
const NINO_BAD_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export function isValidNinoPrefix(prefix: string): boolean {
  const [first = '', second = ''] = prefix.toUpperCase();
  if ('DFIQUV'.includes(first) || 'DFIOQUV'.includes(second)) return false;
  return !NINO_BAD_PREFIXES.has(prefix.toUpperCase());
}

const BSN = /(?<![\w.-])(\d{3}[ .]?\d{3}[ .]?\d{3}|\d{4}\.\d{2}\.\d{3})(?![\w-]|\.\d)/g;
const BSN_CONTEXT = /\b(?:bsn|burgerservicenummer|sofi-?nummer|citizen service number)\b/i;

const DNI = /(?<![\w])(\d{8})[- ]?([A-Za-z])(?![\w])/g;
const NIE = /(?<![\w])([XYZxyz])[- ]?(\d{7})[- ]?([A-Za-z])(?![\w])/g;

const CF_DIGIT = '[0-9LMNPQRSTUVlmnpqrstuv]';
const CODICE_FISCALE = new RegExp(
  `(?<![A-Za-z0-9])[A-Za-z]{6}${CF_DIGIT}{2}[ABCDEHLMPRSTabcdehlmprst]${CF_DIGIT}{2}[A-Za-z]${CF_DIGIT}{3}[A-Za-z](?![A-Za-z0-9])`,
  'g',
);

export function isValidCodiceFiscale(value: string): boolean {
  const upper = value.toUpperCase();
  return upper.length === 16 && codiceFiscaleCheckLetter(upper.slice(0, 15)) === upper.charAt(15);
}

export function findNationalIds(text: string): SensitiveFinding[] {
  const out: SensitiveFinding[] = [];
  for (const m of text.matchAll(SSN)) {
    const [raw, area = '', sep = '', group = '', serial = ''] = m;
    if (!isValidSsn(area, group, serial)) continue;
    if (sep !== '-' && !hasContextBefore(text, m.index, SSN_CONTEXT)) continue;
    out.push(finding('national_id', 'us_ssn', 'US Social Security number', text, m.index, m.index + raw.length));
  }
  for (const m of text.matchAll(NINO)) {
    const [raw, prefix = '', , , , suffix = ''] = m;
    if (!isValidNinoPrefix(prefix)) continue;
    const upper = prefix === prefix.toUpperCase() && suffix === suffix.toUpperCase();
    if (!upper && !hasContextBefore(text, m.index, NINO_CONTEXT)) continue;
    out.push(finding('national_id', 'uk_nino', 'UK National Insurance number', text, m.index, m.index + raw.length));
  }
  for (const m of text.matchAll(BSN)) {
    const raw = m[0];
    if (!bsnElevenProof(raw.replace(/\D/g, '')) || !hasContextBefore(text, m.index, BSN_CONTEXT)) continue;
    out.push(finding('national_id', 'nl_bsn', 'Dutch citizen service number (BSN)', text, m.index, m.index + raw.length));
  }
  for (const m of text.matchAll(DNI)) {
    const [raw, number = '', letter = ''] = m;
    if (spanishControlLetter(number) !== letter.toUpperCase()) continue;
    out.push(finding('national_id', 'es_dni', 'Spanish DNI number', text, m.index, m.index + raw.length));
  }
  for (const m of text.matchAll(NIE)) {
    const [raw, initial = '', number = '', letter = ''] = m;
    const lead = String('XYZ'.indexOf(initial.toUpperCase()));
    if (spanishControlLetter(`${lead}${number}`) !== letter.toUpperCase()) continue;
    out.push(finding('national_id', 'es_nie', 'Spanish NIE number', text, m.index, m.index + raw.length));
  }
  for (const m of text.matchAll(CODICE_FISCALE)) {
    if (!isValidCodiceFiscale(m[0])) continue;
    out.push(finding('national_id', 'it_codice_fiscale', 'Italian codice fiscale', text, m.index, m.index + m[0].length));
  }
  return out;
}
