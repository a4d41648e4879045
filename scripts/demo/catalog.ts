/**
 * What the demo tenant's admin configures: an action catalog across every channel (two offers need a
 * rep to approve their draft), policies tuned for a demo that should show learning and lift within
 * minutes, and the sample playbooks as they ship (their runs get the demo portal's marketing email ids
 * in their context).
 */
import { newLeadNurtureDefinition } from '../../app/orchestration/samples/new-lead-nurture';
import { renewalRescueDefinition } from '../../app/orchestration/samples/renewal-rescue';

/** HubSpot marketing email ids of the demo portal (the sandbox sends any id). */
export const EMAIL_TEMPLATES = {
  demoInvite: '90001',
  upgradeOffer: '90002',
  nurture: '90003',
  welcome: '90004',
  reminder: '90005',
} as const;

export const DEMO_CATALOG = {
  actions: [
    {
      id: 'demo-invite-email',
      label: 'Invite to a product demo',
      channel: 'email',
      value: 80,
      cost: 1,
      template: EMAIL_TEMPLATES.demoInvite,
    },
    {
      id: 'upgrade-offer-email',
      label: 'Upgrade offer',
      channel: 'email',
      value: 120,
      cost: 1,
      template: EMAIL_TEMPLATES.upgradeOffer,
      requiresApproval: true,
    },
    { id: 'nurture-email', label: 'Helpful content email', channel: 'email', value: 30, template: EMAIL_TEMPLATES.nurture },
    {
      id: 'sms-check-in',
      label: 'SMS check-in',
      channel: 'sms',
      value: 45,
      cost: 2,
      template: 'Hi from Baton Demo! Anything we can help with? Reply and a person will answer.',
    },
    {
      id: 'whatsapp-offer',
      label: 'WhatsApp renewal offer',
      channel: 'whatsapp',
      value: 70,
      cost: 2,
      template: { name: 'renewal_offer', language: 'en' },
      requiresApproval: true,
    },
    { id: 'call-task', label: 'Call them', channel: 'task', value: 100, cost: 10 },
    {
      id: 'csm-ticket',
      label: 'Open a CSM follow-up ticket',
      channel: 'ticket',
      value: 50,
      cost: 5,
      template: 'Please reach out: Baton flagged this customer for a follow-up.',
    },
    // A crm_update needs properties to be chosen; baton_reason is a field both CRMs carry (see the samples).
    {
      id: 'flag-hot-lead',
      label: 'Flag as hot in the CRM',
      channel: 'crm_update',
      value: 15,
      params: { properties: { baton_reason: 'Flagged hot by Baton: high intent and recent engagement' } },
    },
  ],
};

/** The marketing emails the sample playbooks send (run context `emails`, see app/orchestration/samples). */
export const DEMO_EMAILS = { welcome: EMAIL_TEMPLATES.welcome, reminder: EMAIL_TEMPLATES.reminder } as const;

/** Decision context key naming the one action a rep asks Baton to decide for (the walkthrough does). */
export const REQUESTED_ACTION = 'requestedAction';

/** An engagement policy: a decision asked for one action (context.requestedAction) considers only that action. */
export const REQUESTED_ACTION_POLICY = {
  id: 'rep-requested-action',
  kind: 'applicability',
  description: 'A rep asking Baton to decide for one action (decision context requestedAction) gets only that action considered.',
  rule: {
    or: [{ '!': [{ var: `context.${REQUESTED_ACTION}` }] }, { '==': [{ var: `context.${REQUESTED_ACTION}` }, { var: 'action.id' }] }],
  },
} as const;

/** Simulated hours a decision waits for its outcome before it counts as "no response". */
export const ATTRIBUTION_SIMULATED_HOURS = 72;

/**
 * Policies at `speed` simulated hours per second. The attribution window is 72 simulated hours in
 * real time (72 s at speed 1), so decisions nobody answered settle as negative within the demo and
 * lift compares rates rather than only the positives that arrived.
 */
export function demoPolicies(speed: number): Record<string, unknown> {
  return {
    holdout: { share: 0.2 },
    randomControlShare: 0.05,
    engagementPolicies: [REQUESTED_ACTION_POLICY],
    // The demo runs at any hour; quiet hours would park every message at night in UTC.
    quietHours: { enabled: false },
    // Demo contacts consented to texts and WhatsApp when they signed up.
    consent: { sms: 'opt_out', whatsapp: 'opt_out' },
    // New actions reach half the people at once and everyone after 20 positives, so learning shows in minutes.
    reach: { initial: 0.5, fullAtPositives: 20 },
    frequencyCaps: [
      { channel: 'all', period: 'day', max: 3 },
      { channel: 'all', period: 'week', max: 10 },
    ],
    attributionWindowHours: ATTRIBUTION_SIMULATED_HOURS / speed / 3600,
  };
}

export const DEMO_MARKER = '(demo portal)';

type Json = Record<string, unknown>;

/** The sample playbooks as they ship (their parameters suit both CRMs), marked as the demo's. */
export function demoPlaybooks(): Json[] {
  return [newLeadNurtureDefinition, renewalRescueDefinition].map((definition) => {
    const { status: _status, version: _version, ...rest } = definition as unknown as Json;
    return { ...rest, description: `${String(rest['description'] ?? '')} ${DEMO_MARKER}`.trim() };
  });
}
