/**
 * Privacy: finds payment card numbers, national ids and IBANs in text (each checked against its
 * check digit or issuance rules) and scans what Baton is about to send. Pure; see README.md.
 */
export {
  SENSITIVE_KINDS,
  maskValue,
  type SensitiveKind,
  type SensitiveScheme,
  type CardScheme,
  type NationalIdScheme,
  type SensitiveFinding,
} from './finding';
export { luhnValid, luhnCheckDigit, mod97, bsnElevenProof, spanishControlLetter, codiceFiscaleCheckLetter } from './checksums';
export { findPaymentCards, isPaymentCardNumber, cardScheme } from './payment-card';
export { findNationalIds, isValidSsn, isValidNinoPrefix, isValidCodiceFiscale } from './national-id';
export { findIbans, isValidIban, IBAN_LENGTHS } from './iban';
export { findSensitiveData, replaceFindings } from './detect';
export { scanOutboundParams, type OutboundPiiViolation, type OutboundScanOptions } from './outbound';
