/**
 * PII minimisation for prompts: the model needs the wording, not the identifiers.
 * Emails, phone-like numbers and long digit runs (orders, cards, accounts) become placeholders.
 */
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** A + or digit, then digits with common separators; checked for 7–15 digits below. */
const PHONE_LIKE = /(?:\+|\b)\d[\d\s().-]{5,}\d\b/g;
const LONG_DIGITS = /\d{5,}/g;

export function redactPii(text: string): string {
  return text
    .replace(EMAIL, '[EMAIL]')
    .replace(PHONE_LIKE, (match) => {
      const digits = match.replace(/\D/g, '').length;
      if (digits >= 7 && digits <= 15 && !/^\d+$/.test(match.trim())) return '[PHONE]';
      return digits >= 5 ? '[NUMBER]' : match;
    })
    .replace(LONG_DIGITS, '[NUMBER]');
}
