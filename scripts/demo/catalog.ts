/**
 * What the demo tenant's admin configures: an action catalog across every channel, policies tuned
 * for a demo that should show learning within minutes, and the sample playbooks adapted to the demo
 * portal (HubSpot marketing emails are addressed by numeric id; HubSpot task priorities are upper-case).
 */
import { newLeadNurtureDefinition } from '../../app/orchestration/samples/new-lead-nurture';
import { renewalRescueDefinition } from '../../app/orchestration/samples/renewal-rescue';

/** HubSpot marketing email ids of the demo portal (the sandbox sends any id). */
export const EMAIL_TEMPLATES = { demoInvite: '90001', upgradeOffer: '90002', nurture: '90003', welcome: '90004', reminder: '90005' } as const;

export const DEMO_CATALOG = {
  actions: [
    { id: 'demo-invite-email', label: 'Invite to a product demo', channel: 'email', value: 80, cost: 1, template: EMAIL_TEMPLATES.demoInvite },
    { id: 'upgrade-offer-email', label: 'Upgrade offer', channel: 'email', value: 120, cost: 1, template: EMAIL_TEMPLATES.upgradeOffer },
    { id: 'nurture-email', label: 'Helpful content email', channel: 'email', value: 30, template: EMAIL_TEMPLATES.nurture },
    { id: 'sms-check-in', label: 'SMS check-in', channel: 'sms', value: 45, cost: 2, template: 'Hi from Baton Demo! Anything we can help with? Reply and a person will answer.' },
    { id: 'whatsapp-offer', label: 'WhatsApp renewal offer', channel: 'whatsapp', value: 70, cost: 2, template: { name: 'renewal_offer', language: 'en' } },
    { id: 'call-task', label: 'Call them', channel: 'task', value: 100, cost: 10 },
    { id: 'csm-ticket', label: 'Open a CSM follow-up ticket', channel: 'ticket', value: 50, cost: 5, template: 'Please reach out: Baton flagged this customer for a follow-up.' },
    { id: 'flag-hot-lead', label: 'Flag as hot in the CRM', channel: 'crm_update', value: 15 },
  ],
};

export const DEMO_POLICIES = {
  holdout: { share: 0.2 },
  randomControlShare: 0.05,
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
};

export const DEMO_MARKER = '(demo portal)';

type Json = Record<string, unknown>;

function mapSteps(definition: Json, patch: (step: Json) => Json): Json {
  const { status: _status, version: _version, ...rest } = definition;
  return {
    ...rest,
    description: `${String(definition['description'] ?? '')} ${DEMO_MARKER}`.trim(),
    steps: (definition['steps'] as Json[]).map((s) => patch(JSON.parse(JSON.stringify(s)) as Json)),
  };
}

const TEMPLATE_IDS: Record<string, string> = { 'nurture-welcome': EMAIL_TEMPLATES.welcome, 'nurture-reminder': EMAIL_TEMPLATES.reminder };

/**
 * The sample playbooks, adapted to the demo CRMs: emails carry a HubSpot email id and a subject and
 * body (Salesforce), task priorities are upper-case (HubSpot), the renewal flag writes a standard field.
 */
export function demoPlaybooks(): Json[] {
  const patch = (step: Json): Json => {
    const action = step['action'] as { type?: string; params?: Json } | undefined;
    const params = action?.params;
    if (params !== undefined) {
      const sample = typeof params['templateId'] === 'string' ? params['templateId'] : undefined;
      if (action?.type === 'email' && sample !== undefined && TEMPLATE_IDS[sample] !== undefined) {
        // HubSpot sends a marketing email by id; Salesforce's emailSimple needs a subject and body.
        params['templateId'] = TEMPLATE_IDS[sample];
        params['subject'] = sample === 'nurture-welcome' ? 'Welcome to Baton Demo' : 'Still interested?';
        params['body'] = sample === 'nurture-welcome' ? 'Hi {{context.profile.firstName}}, thanks for your interest! Reply to this email to talk to us.' : 'Just checking in: is there anything we can help with?';
      }
      if (action?.type === 'task' && typeof params['priority'] === 'string') params['priority'] = params['priority'].toUpperCase();
      // The renewal flag lands on a standard field (the sample's custom fields do not exist in the demo org).
      if (action?.type === 'crm_update') params['properties'] = { Description: 'Renewal at risk: flagged by Baton' };
    }
    return step;
  };
  return [mapSteps(newLeadNurtureDefinition as unknown as Json, patch), mapSteps(renewalRescueDefinition as unknown as Json, patch)];
}
