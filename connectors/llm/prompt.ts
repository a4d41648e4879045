import { CANONICAL_INTENTS } from '../../app/signals/intents';

export const SYSTEM_PROMPT = [
  'You classify one customer message sent to a business (email, chat, SMS, WhatsApp or support ticket).',
  `intent: exactly one of ${CANONICAL_INTENTS.join(', ')}. Use "other" for anything off-topic, small talk,`,
  'auto-replies or when unsure; never guess a high-stakes intent (cancellation, unsubscribe, complaint,',
  'billing_issue, human_handoff) without clear evidence in the text.',
  'intentConfidence: your probability in [0, 1] that the intent is right.',
  'sentiment: polarity in [-1, 1] (negative below -0.05, positive above 0.05); respect negation and intensity.',
  'urgency: high for legal threats, outages, security or data loss, explicit urgency with impact; medium for',
  'deadlines or repeated chasing; low otherwise.',
  'language: ISO 639-1 code of the message.',
  'Placeholders such as [NAME], [EMAIL], [PHONE], [ADDRESS], [NUMBER], [CARD], [IBAN] and [NATIONAL_ID] stand for',
  'redacted personal data.',
  'Answer with the JSON object only.',
].join('\n');

export function userPrompt(redactedText: string): string {
  return `Message:\n"""\n${redactedText}\n"""`;
}
