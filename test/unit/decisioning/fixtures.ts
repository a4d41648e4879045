/** Shared builders for decisioning tests. */
import { type Action } from '../../../app/decisioning/catalog';
import { defaultDecisioningConfig, type DecisioningConfig, type DecisioningConfigInput } from '../../../app/decisioning/config';
import { type DecisionInput } from '../../../app/decisioning/decide';
import { isInHoldout } from '../../../app/decisioning/holdout';
import { type PolicyInput } from '../../../app/decisioning/policies/types';
import { type ProfileSnapshot } from '../../../app/decisioning/types';

/** Tuesday 2025-06-03 12:00 UTC: daytime in Europe and the Americas. */
export const NOON_UTC = Date.UTC(2025, 5, 3, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function config(overrides: DecisioningConfigInput = {}): DecisioningConfig {
  return defaultDecisioningConfig({ holdout: { share: 0 }, randomControlShare: 0, ...overrides });
}

export function profile(overrides: Partial<ProfileSnapshot> = {}): ProfileSnapshot {
  return {
    profileId: 'p-1',
    stage: 'active',
    timeZone: 'Europe/Berlin',
    traits: { age: 40, plan: 'pro' },
    consent: { email: 'opted_in', sms: 'opted_in', whatsapp: 'opted_in' },
    ...overrides,
  };
}

export const upsellEmail: Action = { id: 'upsell_email', label: 'Upgrade offer', channel: 'email', value: 50 };
export const smsNudge: Action = { id: 'sms_nudge', label: 'SMS nudge', channel: 'sms', value: 10 };
export const waSession: Action = { id: 'wa_session', label: 'WhatsApp reply', channel: 'whatsapp', value: 10 };
export const waTemplate: Action = {
  id: 'wa_template',
  label: 'WhatsApp template',
  channel: 'whatsapp',
  value: 10,
  template: 'renewal_reminder',
};
export const callTask: Action = { id: 'call_task', label: 'Call the customer', channel: 'task', value: 20 };
export const crmUpdate: Action = { id: 'crm_flag', label: 'Flag in CRM', channel: 'crm_update', value: 1 };

export function policyInput(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    profile: profile(),
    context: {},
    config: config(),
    contactHistory: [],
    now: NOON_UTC,
    signals: [],
    ...overrides,
  };
}

export function decisionInput(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    decisionId: 'd-1',
    profile: profile(),
    catalog: [upsellEmail, smsNudge, callTask],
    config: config(),
    propensities: {},
    contactHistory: [],
    now: NOON_UTC,
    ...overrides,
  };
}

/** Finds profile ids inside / outside the holdout for the given settings. */
export function profileIdWithHoldout(inHoldout: boolean, settings = { share: 0.05, salt: 'baton-holdout-v1' }): string {
  for (let i = 0; i < 100_000; i++) {
    const id = `profile-${i}`;
    if (isInHoldout(id, settings) === inHoldout) return id;
  }
  throw new Error('no profile id found');
}
