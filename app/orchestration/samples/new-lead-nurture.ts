import type { PlaybookInput } from '../playbook/playbook.schema';

/**
 * "New lead nurture": welcome a new lead, wait for engagement, route hot leads to sales (after a
 * human approves the hand-off) and let decisioning pick the next touch for the others; silent leads
 * get a reminder in their local daytime. Ends when the lead books a demo, becomes a customer or
 * unsubscribes.
 *
 * Run context expected: { profile: { firstName, email, timeZone }, lead: { source, score },
 * emails?: { welcome, reminder } }. Parameters are ones both CRM ports accept: HubSpot sends a
 * marketing email by its numeric id (`emails.welcome` / `emails.reminder`, no default can exist),
 * Salesforce sends the subject and body; task priority is HIGH (HubSpot's enum, Salesforce maps it).
 * Events are matched by the canonical names the pipeline stores (`meeting.booked`, `email.opened`,
 * `*.unsubscribed`) and by the older underscore names.
 */
export const newLeadNurtureDefinition = {
  id: 'new-lead-nurture',
  version: 1,
  name: 'New lead nurture',
  description: 'Welcome, watch for engagement, hand hot leads to sales, nurture the rest.',
  status: 'published',
  concurrency: 'one_per_profile',
  exitCriteria: [
    { id: 'demo-booked', when: { in: [{ var: 'event.type' }, ['meeting.booked', 'meeting_booked']] } },
    {
      id: 'became-customer',
      when: {
        or: [
          { '==': [{ var: 'event.properties.lifecycleStage' }, 'customer'] },
          {
            and: [
              { '==': [{ var: 'event.properties.propertyName' }, 'lifecyclestage'] },
              { '==': [{ var: 'event.properties.propertyValue' }, 'customer'] },
            ],
          },
        ],
      },
    },
    // A substring test: `unsubscribe`, `email.unsubscribed`, `message.unsubscribed`.
    { id: 'unsubscribed', when: { in: ['unsubscribe', { var: 'event.type' }] } },
  ],
  steps: [
    {
      id: 'welcome-email',
      kind: 'action',
      action: {
        type: 'email',
        params: {
          templateId: '{{context.emails.welcome}}',
          to: '{{context.profile.email}}',
          subject: 'Welcome, {{context.profile.firstName}}',
          body: 'Hi {{context.profile.firstName}}, thanks for your interest! Reply to this email and a person will answer.',
        },
      },
    },
    {
      id: 'await-engagement',
      kind: 'wait',
      wait: {
        type: 'event',
        match: {
          in: [
            { var: 'event.type' },
            ['email.opened', 'email.clicked', 'form.submitted', 'email_opened', 'email_clicked', 'form_submitted'],
          ],
        },
        timeout: '3d',
        onTimeout: 'daytime',
      },
    },
    {
      id: 'is-hot',
      kind: 'branch',
      branches: [
        {
          when: {
            or: [
              { '>=': [{ var: 'context.lead.score' }, 70] },
              { in: [{ var: 'steps.await-engagement.output.event.type' }, ['form.submitted', 'form_submitted']] },
            ],
          },
          next: 'approve-handoff',
        },
      ],
      otherwise: 'next-touch',
    },
    {
      id: 'approve-handoff',
      kind: 'wait',
      wait: { type: 'approval', timeout: '1d', prompt: 'Hand this lead to sales?', onRejected: 'next-touch', onTimeout: 'next-touch' },
    },
    {
      id: 'sales-task',
      kind: 'action',
      action: { type: 'task', params: { subject: 'Hot lead: {{context.profile.firstName}} ({{context.lead.source}})', priority: 'HIGH' } },
      next: 'handed-off',
    },
    {
      id: 'next-touch',
      kind: 'decide',
      context: { goal: 'nurture', score: { $expr: { var: 'context.lead.score' } } },
      next: 'nurtured',
      onNoAction: 'nurtured',
    },
    { id: 'daytime', kind: 'wait', wait: { type: 'time_window', days: [1, 2, 3, 4, 5], start: '10:00', end: '16:00' } },
    {
      id: 'reminder-email',
      kind: 'action',
      action: {
        type: 'email',
        params: {
          templateId: '{{context.emails.reminder}}',
          to: '{{context.profile.email}}',
          subject: 'Still interested?',
          body: 'Just checking in: is there anything we can help with?',
        },
      },
      retry: { maxAttempts: 4, initialInterval: '30s' },
      next: 'nurtured',
    },
    { id: 'handed-off', kind: 'exit', reason: 'handed to sales' },
    { id: 'nurtured', kind: 'exit', reason: 'nurture sequence finished' },
  ],
} as const satisfies PlaybookInput;
