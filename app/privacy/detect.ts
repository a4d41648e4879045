import { type SensitiveFinding, type SensitiveKind } from './finding';
import { findIbans } from './iban';
import { findNationalIds } from './national-id';
import { findPaymentCards } from './payment-card';

/** When two findings overlap, the more specific one wins (an IBAN contains card-length digit runs). */
const PRIORITY: Readonly<Record<SensitiveKind, number>> = { iban: 0, payment_card: 1, national_id: 2 };

/**
 * Payment card numbers, national ids and IBANs in `text`, in text order and never overlapping.
 * Every finding passed its format's check digit or issuance rules, so order numbers, tracking numbers
 * and look-alikes that fail them are not reported.
 */
export function findSensitiveData(text: string): SensitiveFinding[] {
  const all = [...findIbans(text), ...findPaymentCards(text), ...findNationalIds(text)].sort(
    (a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: SensitiveFinding[] = [];
  for (const f of all) {
    if (kept.every((k) => f.end <= k.start || f.start >= k.end)) kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** `text` with each finding replaced by `placeholder(finding)`. */
export function replaceFindings(text: string, findings: readonly SensitiveFinding[], placeholder: (f: SensitiveFinding) => string): string {
  let out = '';
  let at = 0;
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < at) continue;
    out += text.slice(at, f.start) + placeholder(f);
    at = f.end;
  }
  return out + text.slice(at);
}
