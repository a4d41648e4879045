/**
 * The public check-digit algorithms the detectors rely on. Inputs are already normalised
 * (digits only, or upper-case alphanumerics); every function is total and returns false on junk.
 */

/** Luhn (mod 10), the check digit of every payment card number. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digit that makes `payload` + digit Luhn-valid. */
export function luhnCheckDigit(payload: string): string {
  for (let d = 0; d <= 9; d += 1) {
    if (luhnValid(`${payload}${d}`)) return String(d);
  }
  throw new Error(`not a digit string: ${payload}`);
}

/** ISO 7064 mod 97-10 over an alphanumeric string (A=10 … Z=35), computed piecewise. */
export function mod97(alphanumeric: string): number {
  let remainder = 0;
  for (const ch of alphanumeric) {
    const code = ch.charCodeAt(0);
    let value: number;
    if (code >= 48 && code <= 57) value = code - 48;
    else if (code >= 65 && code <= 90) value = code - 55;
    else return Number.NaN;
    remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
  }
  return remainder;
}

/** Dutch "elfproef" for a 9-digit BSN: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11), not all zeros. */
export function bsnElevenProof(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || /^0+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += (9 - i) * (digits.charCodeAt(i) - 48);
  sum -= digits.charCodeAt(8) - 48;
  return sum % 11 === 0;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** The control letter of a Spanish DNI number (NIE: X/Y/Z replaced by 0/1/2 first). */
export function spanishControlLetter(number: string): string {
  return DNI_LETTERS.charAt(Number(number) % 23);
}

/** Italian codice fiscale: odd-position values (1-based) of 0–9 and A–Z. */
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** The check letter (16th character) of an Italian codice fiscale's first 15 characters. */
export function codiceFiscaleCheckLetter(first15: string): string | null {
  if (!/^[A-Z0-9]{15}$/.test(first15)) return null;
  let sum = 0;
  for (let i = 0; i < 15; i += 1) {
    const code = first15.charCodeAt(i);
    const index = code <= 57 ? code - 48 : code - 65; // digits and letters share the 0–9 slots
    sum += i % 2 === 0 ? (CF_ODD[index] ?? 0) : index;
  }
  return String.fromCharCode(65 + (sum % 26));
}
