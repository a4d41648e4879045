import type { PlaybookInput } from '../playbook/playbook.schema';

/**
 * "Renewal rescue": a customer whose renewal is at risk. Flag the record, get the owner involved for
 * big accounts, reach out in the customer's business hours with the next best action, then wait for
 * a reply; a reply becomes a follow-up task, no reply in five days opens a ticket for the CSM team.
 * Ends as soon as the renewal is won, the customer unsubscribes or a high-priority ticket is opened.
 *
 * Run context expected: { profile: { firstName, email, timeZone }, renewal: { arr, renewalDate } }.
 * Every step uses values both CRM ports accept: the flag is written to `baton_reason` (a property
 * Baton creates in HubSpot, mapped to Baton_Reason__c in Salesforce; Baton's own write-back replaces
 * it when the next best action changes), tasks carry HIGH/MEDIUM (HubSpot's enum, Salesforce maps
 * it), and the reply is logged as a task because the Salesforce port has no notes.
 */
export const renewalRescueDefinition = {
  id: 'renewal-rescue',
  version: 1,
  name: 'Renewal rescue',
  description: 'Save at-risk renewals: flag, escalate big accounts, reach out in business hours, follow up.',
  status: 'published',
  concurrency: 'one_per_profile',
  exitCriteria: [
    {
      id: 'renewal-won',
      description: 'The renewal deal reached closed-won',
      when: {
        and: [
          { or: [{ in: ['deal', { var: 'event.type' }] }, { in: ['opportunity', { var: 'event.type' }] }] },
          {
            or: [
              { in: [{ var: 'event.properties.stage' }, ['closedwon', 'Closed Won']] },
              { '==': [{ var: 'event.properties.isWon' }, true] },
            ],
          },
        ],
      },
    },
    { id: 'unsubscribed', description: 'The customer unsubscribed', when: { in: ['unsubscribe', { var: 'event.type' }] } },
    {
      id: 'urgent-ticket',
      description: 'A high-priority ticket is open: humans take over',
      when: {
        and: [
          { in: [{ var: 'event.type' }, ['ticket.created', 'ticket_opened']] },
          { in: [{ var: 'event.properties.priority' }, ['high', 'urgent']] },
        ],
      },
    },
  ],
  defaults: { retry: { maxAttempts: 5, initialInterval: '2s', backoffCoefficient: 2, maxInterval: '5m' } },
  steps: [
    {
      id: 'flag-at-risk',
      kind: 'action',
      action: {
        type: 'crm_update',
        params: { properties: { baton_reason: 'Renewal at risk: {{context.renewal.arr}} ARR, renews {{context.renewal.renewalDate}}' } },
      },
    },
    {
      id: 'big-account',
      kind: 'branch',
      branches: [{ when: { '>=': [{ var: 'context.renewal.arr' }, 50000] }, next: 'owner-task' }],
      otherwise: 'business-hours',
    },
    {
      id: 'owner-task',
      kind: 'action',
      action: {
        type: 'task',
        params: { subject: 'Renewal at risk: call {{context.profile.firstName}}', priority: 'HIGH', dueInDays: 1 },
      },
      next: 'business-hours',
    },
    {
      id: 'business-hours',
      kind: 'wait',
      wait: { type: 'time_window', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    },
    {
      id: 'outreach',
      kind: 'decide',
      context: { goal: 'renewal', arr: { $expr: { var: 'context.renewal.arr' } } },
      onNoAction: 'csm-ticket',
    },
    {
      id: 'await-reply',
      kind: 'wait',
      wait: {
        type: 'event',
        match: {
          in: [
            { var: 'event.type' },
            ['email.replied', 'message.received', 'meeting.booked', 'email_replied', 'message_received', 'meeting_booked'],
          ],
        },
        timeout: '5d',
        onTimeout: 'csm-ticket',
      },
    },
    {
      id: 'log-reply',
      kind: 'action',
      action: {
        type: 'task',
        params: {
          subject: 'Renewal: {{context.profile.firstName}} answered the outreach ({{steps.await-reply.output.event.type}}), follow up',
          priority: 'MEDIUM',
          dueInDays: 1,
        },
      },
    },
    { id: 'engaged', kind: 'exit', reason: 'customer engaged' },
    {
      id: 'csm-ticket',
      kind: 'action',
      action: {
        type: 'ticket',
        params: { subject: 'Renewal at risk, no response: {{context.profile.email}}', priority: 'normal' },
      },
      // Without a help desk for this person, the account owner gets the follow-up as a CRM task.
      onUndeliverable: { fallback: 'csm-task' },
      next: 'escalated',
    },
    { id: 'escalated', kind: 'exit', reason: 'handed to customer success' },
    {
      id: 'csm-task',
      kind: 'action',
      action: {
        type: 'task',
        params: { subject: 'Renewal at risk, no response from {{context.profile.email}}: call them', priority: 'HIGH', dueInDays: 1 },
      },
    },
  ],
} as const satisfies PlaybookInput;
