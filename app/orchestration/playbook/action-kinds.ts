/**
 * What an `action` step can ask the ActionPort to do, and the parameters each kind needs
 * (present either as literal values or as expressions/templates resolved at run time).
 * Facts as data: the validator and the port adapters read this table.
 */
import { CHANNELS as DECISION_CHANNELS, type Channel as DecisionChannel } from '../../shared/channels';

export const ACTION_KINDS = [
  'crm_update',
  'task',
  'note',
  'email',
  'message',
  'ticket',
  'workflow_enrollment',
  'sequence_enrollment',
  'callback_completion',
  'reply_in_thread',
  'book_meeting',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const REQUIRED_ACTION_PARAMS: Readonly<Record<ActionKind, readonly string[]>> = {
  crm_update: ['properties'],
  task: ['subject'],
  note: ['body'],
  email: ['templateId'],
  message: ['channel', 'body'],
  ticket: ['subject'],
  workflow_enrollment: ['workflowId'],
  sequence_enrollment: ['sequenceId'],
  callback_completion: ['callbackId'],
  /** An answer in the person's CRM inbox thread (HubSpot conversations); `threadId` optional (latest thread). */
  reply_in_thread: ['body'],
  /** The owner's meeting link in a message, or a booking when the step gives `startTime` (HubSpot scheduler). */
  book_meeting: [],
};

/** Decision channels (the action catalog's `channel`) mapped to the port kind a `decide` step runs. */
/** The shared channel list (app/shared/channels.ts) under the name a `decide` step reads. */
export { DECISION_CHANNELS, type DecisionChannel };

export const CHANNEL_TO_ACTION_KIND: Readonly<Record<DecisionChannel, ActionKind | null>> = {
  email: 'email',
  sms: 'message',
  whatsapp: 'message',
  task: 'task',
  crm_update: 'crm_update',
  ticket: 'ticket',
  none: null,
};

export const isDecisionChannel = (value: string): value is DecisionChannel => (DECISION_CHANNELS as readonly string[]).includes(value);
