import type { PlaybookInput } from '../playbook/playbook.schema';

/**
 * "New lead nurture": welcome a new lead, wait for engagement, route hot leads to sales (after a
 * human approves the hand-off) and let decisioning pick the next touch for the others; silent leads
 * get a reminder in their local daytime. Ends when the lead books a demo, becomes a customer or
 * unsubscribes.
 *
 * Run context expected: { profile: { firstName, email, timeZone }, lead: { source, score } }.
 */
export const newLeadNurtureDefinition = {
  id: 'new-lead-nurture',
  version: 1,
  name: 'New lead nurture',
  description: 'Welcome, watch for engagement, hand hot leads to sales, nurture the rest.',
  status: 'published',
  concurrency: 'one_per_profile',
  exitCriteria: [
    { id: 'demo-booked', when: { '==': [{ var: 'event.type' }, 'meeting_booked'] } },
    { id: 'became-customer', when: { '==': [{ var: 'event.properties.lifecycleStage' }, 'customer'] } },
    { id: 'unsubscribed', when: { '==': [{ var: 'event.type' }, 'unsubscribe'] } },
  ],
  steps: [
    {
      id: 'welcome-email',
      kind: 'action',
      action: { type: 'email', params: { templateId: 'nurture-welcome', to: '{{context.profile.email}}', firstName: '{{context.profile.firstName}}' } },
    },
    {
      id: 'await-engagement',
      kind: 'wait',
      wait: {
        type: 'event',
        match: { in: [{ var: 'event.type' }, ['email_opened', 'email_clicked', 'form_submitted']] },
        timeout: '3d',
        onTimeout: 'daytime',
      },
    },
    {
      id: 'is-hot',
      kind: 'branch',
      branches: [
        {
          when: { or: [{ '>=': [{ var: 'context.lead.score' }, 70] }, { '==': [{ var: 'steps.await-engagement.output.event.type' }, 'form_submitted'] }] },
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
      action: { type: 'task', params: { subject: 'Hot lead: {{context.profile.firstName}} ({{context.lead.source}})', priority: 'high' } },
      next: 'handed-off',
    },
    { id: 'next-touch', kind: 'decide', context: { goal: 'nurture', score: { $expr: { var: 'context.lead.score' } } }, next: 'nurtured', onNoAction: 'nurtured' },
    { id: 'daytime', kind: 'wait', wait: { type: 'time_window', days: [1, 2, 3, 4, 5], start: '10:00', end: '16:00' } },
    {
      id: 'reminder-email',
      kind: 'action',
      action: { type: 'email', params: { templateId: 'nurture-reminder', to: '{{context.profile.email}}' } },
      retry: { maxAttempts: 4, initialInterval: '30s' },
      next: 'nurtured',
    },
    { id: 'handed-off', kind: 'exit', reason: 'handed to sales' },
    { id: 'nurtured', kind: 'exit', reason: 'nurture sequence finished' },
  ],
} as const satisfies PlaybookInput;
