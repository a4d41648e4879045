import { luhnValid } from './checksums';
import { finding, type CardScheme, type SensitiveFinding } from './finding';

interface IinRule {
  readonly scheme: CardScheme;
  /** Inclusive prefix ranges, compared on the first `from.length` digits. */
  readonly ranges: readonly (readonly [from: string, to: string])[];
  readonly lengths: readonly number[];
}

const range = (from: number, to: number): readonly [string, string] => [String(from), String(to)];
const LONG = [16, 17, 18, 19];

/**
 * Issuer identification number (IIN) prefixes and lengths of the card networks in use
 * (ISO/IEC 7812 allocations as the networks publish them). A number outside every rule is not a card.
 */
const IIN_RULES: readonly IinRule[] = [
  { scheme: 'amex', ranges: [range(34, 34), range(37, 37)], lengths: [15] },
  { scheme: 'visa', ranges: [range(4, 4)], lengths: [13, 16, 19] },
  { scheme: 'mastercard', ranges: [range(51, 55), range(2221, 2720)], lengths: [16] },
  { scheme: 'mir', ranges: [range(2200, 2204)], lengths: LONG },
  { scheme: 'discover', ranges: [range(6011, 6011), range(644, 649), range(65, 65)], lengths: LONG },
  { scheme: 'diners', ranges: [range(300, 305), range(3095, 3095), range(36, 36), range(38, 39)], lengths: [14, 15, 16, 17, 18, 19] },
  { scheme: 'jcb', ranges: [range(3528, 3589)], lengths: LONG },
  { scheme: 'unionpay', ranges: [range(62, 62), range(81, 81)], lengths: LONG },
  { scheme: 'maestro', ranges: [range(50, 50), range(56, 69)], lengths: [13, 14, 15, 16, 17, 18, 19] },
];

/** The card network whose IIN range and length fit, or null. */
export function cardScheme(digits: string): CardScheme | null {
  for (const rule of IIN_RULES) {
    if (!rule.lengths.includes(digits.length)) continue;
    for (const [from, to] of rule.ranges) {
      const prefix = digits.slice(0, from.length);
      if (prefix.length === from.length && prefix >= from && prefix <= to) return rule.scheme;
    }
  }
  return null;
}

/** A plausible card number: 13–19 digits, a known IIN range and length, and a valid Luhn digit. */
export function isPaymentCardNumber(digits: string): boolean {
  return /^\d{13,19}$/.test(digits) && cardScheme(digits) !== null && luhnValid(digits);
}

interface Group {
  readonly start: number;
  readonly end: number;
  readonly digits: string;
}

/** Digit groups joined by single spaces or dashes (how people write card numbers). */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

/**
 * How a card number is grouped when it is only part of a longer run of digits: written whole,
 * in fours (the last group shorter), or Amex/Diners 4-6-5 / 4-6-4.
 */
function cardLikeGrouping(groups: readonly Group[]): boolean {
  if (groups.length === 1) return true;
  const lengths = groups.map((g) => g.digits.length);
  const last = lengths[lengths.length - 1] ?? 0;
  if (lengths.slice(0, -1).every((n) => n === 4) && last >= 1 && last <= 4) return true;
  return lengths.length === 3 && lengths[0] === 4 && lengths[1] === 6 && (last === 5 || last === 4);
}

/**
 * Payment card numbers in free text. A run of digit groups is a card when all of it is one, or
 * else any card-shaped stretch of its groups is (a card followed by its CVC, a reference before
 * it). Digits glued to letters (a SKU, an IBAN's account part) or to a decimal point are not.
 */
export function findPaymentCards(text: string): SensitiveFinding[] {
  const out: SensitiveFinding[] = [];
  for (const match of text.matchAll(DIGIT_RUN)) {
    const runStart = match.index;
    const groups: Group[] = [];
    for (const part of match[0].matchAll(/\d+/g)) {
      groups.push({ start: runStart + part.index, end: runStart + part.index + part[0].length, digits: part[0] });
    }
    const runEnd = runStart + match[0].length;
    const before = text.slice(Math.max(0, runStart - 2), runStart);
    const after = text.slice(runEnd, runEnd + 2);
    const leftGlued = /[A-Za-z]$/.test(before) || /\d[.,]$/.test(before);
    const rightGlued = /^[A-Za-z]/.test(after) || /^[.,]\d/.test(after);

    let i = 0;
    while (i < groups.length) {
      let best = -1;
      let bestScheme: CardScheme | null = null;
      let digits = '';
      for (let j = i; j < groups.length; j += 1) {
        digits += groups[j]?.digits ?? '';
        if (digits.length > 19) break;
        if (digits.length < 13) continue;
        if ((i === 0 && leftGlued) || (j === groups.length - 1 && rightGlued)) continue;
        const scheme = cardScheme(digits);
        if (scheme === null || !luhnValid(digits)) continue;
        const whole = i === 0 && j === groups.length - 1;
        if (whole || cardLikeGrouping(groups.slice(i, j + 1))) {
          best = j;
          bestScheme = scheme;
        }
      }
      const first = groups[i];
      const last = groups[best];
      if (bestScheme !== null && first !== undefined && last !== undefined) {
        out.push(finding('payment_card', bestScheme, 'payment card number', text, first.start, last.end));
        i = best + 1;
      } else {
        i += 1;
      }
    }
  }
  return out;
}
