/**
 * High-risk situations go to a person, not to automation: a complaint with high urgency, a
 * cancellation from a high-value account, or a legal threat. Every automated action is blocked;
 * human tasks stay available, and the arbiter escalates to a built-in human task when the catalog
 * offers none.
 */
import { isAutomatedChannel } from '../catalog';
import { type ProfileSnapshot, type SignalObservation } from '../types';
import { ALLOW, HOUR_MS, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput } from './types';

export interface HighRiskFinding {
  readonly kind: 'complaint_high_urgency' | 'high_value_cancellation' | 'legal_threat';
  readonly signal: SignalObservation;
  readonly description: string;
}

export function classifyRisk(signal: SignalObservation, profile: ProfileSnapshot, highValueThreshold: number): HighRiskFinding | null {
  const at = formatInstant(signal.at);
  if (signal.legalThreat === true) return { kind: 'legal_threat', signal, description: `legal threat in a message at ${at}` };
  if (signal.intent === 'complaint' && signal.urgency === 'high') {
    return { kind: 'complaint_high_urgency', signal, description: `high-urgency complaint at ${at}` };
  }
  const value = profile.accountValue ?? 0;
  if (signal.intent === 'cancellation' && value >= highValueThreshold) {
    return {
      kind: 'high_value_cancellation',
      signal,
      description: `cancellation request at ${at} from an account worth ${value} (≥ ${highValueThreshold})`,
    };
  }
  return null;
}

/** The most recent high-risk finding within the lookback window, if any. */
export function findHighRisk(input: PolicyInput): HighRiskFinding | null {
  const { highValueThreshold, signalLookbackHours } = input.config.highRisk;
  const since = input.now - signalLookbackHours * HOUR_MS;
  for (const signal of input.signals) {
    if (signal.at < since || signal.at > input.now) continue;
    const finding = classifyRisk(signal, input.profile, highValueThreshold);
    if (finding) return finding;
  }
  return null;
}

export const highRiskPolicy: ContactPolicy = {
  id: 'high_risk',
  summary: 'Complaints with high urgency, cancellations by high-value accounts and legal threats go to a human task.',
  bind(input: PolicyInput): BoundPolicy {
    const finding = findHighRisk(input);
    if (finding === null) return () => ALLOW;
    const reason = `${finding.description}: a person handles this, not automation`;
    return (candidate) => (isAutomatedChannel(candidate.action.channel) ? { kind: 'block', reason } : ALLOW);
  },
};
