/**
 * Contact policies in funnel order. Order matters only for the explanation: a candidate is
 * reported as blocked by the first policy that stops it.
 */
import { consentPolicy } from './consent';
import { frequencyCapPolicy } from './frequencyCaps';
import { highRiskPolicy } from './highRisk';
import { quietHoursPolicy } from './quietHours';
import { sentimentSuppressionPolicy, ticketSuppressionPolicy } from './suppression';
import { type ContactPolicy } from './types';
import { whatsappWindowPolicy } from './whatsappWindow';

export const CONTACT_POLICIES: readonly ContactPolicy[] = [
  consentPolicy,
  whatsappWindowPolicy,
  highRiskPolicy,
  ticketSuppressionPolicy,
  sentimentSuppressionPolicy,
  frequencyCapPolicy,
  quietHoursPolicy,
];

export {
  consentPolicy,
  frequencyCapPolicy,
  highRiskPolicy,
  quietHoursPolicy,
  sentimentSuppressionPolicy,
  ticketSuppressionPolicy,
  whatsappWindowPolicy,
};
export { bindEngagement } from './engagement';
export { classifyRisk, findHighRisk, type HighRiskFinding } from './highRisk';
export { quietWindowAt } from './quietHours';
export * from './types';
