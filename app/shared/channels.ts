/**
 * The one channel list: how an action reaches a person (the action catalog's `channel`, a playbook
 * `decide` step's channel, the record card's next action). Copied verbatim into the HubSpot card's
 * contract (connectors/hubspot/project.ts CONTRACT_SOURCES), so it imports nothing.
 */
export const CHANNELS = ['email', 'sms', 'whatsapp', 'task', 'crm_update', 'ticket', 'none'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Channels that reach the customer directly: consent, quiet hours and caps apply to these, and they carry a drafted message. */
export const CUSTOMER_CONTACT_CHANNELS: readonly Channel[] = ['email', 'sms', 'whatsapp'];

export function isCustomerContactChannel(channel: string): boolean {
  return (CUSTOMER_CONTACT_CHANNELS as readonly string[]).includes(channel);
}
