/** Fixtures and a recording stand-in for hubspot.fetch (which only exists inside HubSpot's worker). */
import type { RenderedElementNode, RenderedNode } from '@hubspot/ui-extensions/testing';
import type { FetchResponse, HubSpotFetch } from '../src/app/cards/lib/api';
import { type CardView, cardViewSchema, emptyCard } from '../src/app/cards/lib/contract/card-view';
import { type SettingsView, settingsViewSchema } from '../src/app/cards/lib/contract/settings-view';

export const BASE_URL = 'https://baton.example.com';

export interface RecordedCall {
  readonly url: string;
  readonly method: string;
  readonly body: Record<string, unknown> | undefined;
}

export type Reply = { status: number; body: unknown };

/** A hubspot.fetch stand-in: records every call and answers with `handler`'s reply. */
export function recordingFetch(handler: (call: RecordedCall) => Reply | Promise<Reply>): { fetch: HubSpotFetch; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetch: HubSpotFetch = async (url, options) => {
    const call = { url, method: options?.method ?? 'GET', body: options?.body };
    calls.push(call);
    const reply = await handler(call);
    const response: FetchResponse = { ok: reply.status >= 200 && reply.status < 300, status: reply.status, json: async () => reply.body };
    return response;
  };
  return { fetch, calls };
}

export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Fires an event prop with a value (the testing types declare the argument as the handler itself). */
export function fire(node: Pick<RenderedElementNode, 'nodeType'> & { trigger: unknown }, eventPropName: string, arg?: unknown): void {
  (node.trigger as (name: string, value?: unknown) => void)(eventPropName, arg);
}

/** All text under a node, in order, one space between text nodes (`.text` only holds a node's own text). */
export function allText(node: RenderedNode): string {
  if (node.nodeType === 'text') return node.text;
  const children = 'childNodes' in node ? node.childNodes : [];
  return children
    .map(allText)
    .filter((t) => t !== '')
    .join(' ');
}

/** Lets pending effects and promise callbacks run (the renderer does not flush React effects synchronously). */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export function unknownRecordCard(): CardView {
  return emptyCard(new Date('2026-11-30T12:00:00Z'));
}

/** A person in the middle of a journey: every section of the card has something to show. */
export function fullCard(overrides: Partial<CardView> = {}): CardView {
  return cardViewSchema.parse({
    profileId: 'prof_1',
    displayName: 'Ada Lovelace',
    journey: {
      stage: 'opportunity',
      enteredAt: '2026-11-27T09:00:00Z',
      timeInStageMs: 3 * 24 * 3600_000 + 5 * 3600_000,
      history: [{ from: 'qualified', to: 'opportunity', at: '2026-11-27T09:00:00Z', reason: 'deal created' }],
    },
    hotness: { score: 81.6, trend: 'rising', updatedAt: '2026-11-30T11:00:00Z' },
    nextBestAction: {
      decisionId: 'dec_1',
      action: { id: 'send_case_study', label: 'Send the fintech case study', channel: 'email' },
      score: 0.42,
      propensity: 0.31,
      reasons: [
        { code: 'signal.intent', text: 'Asked about pricing yesterday (purchase intent).' },
        { code: 'score.propensity', text: 'Similar people replied 31% of the time.' },
      ],
      requiresApproval: true,
      draft: { subject: 'How Acme cut onboarding time', body: 'Hi Ada, here is the case study we discussed.' },
      status: 'proposed',
      decidedAt: '2026-11-30T11:30:00Z',
    },
    runs: [
      {
        runId: 'run_failed',
        playbookId: 'pb_onboarding',
        playbookName: 'Onboarding',
        playbookVersion: 3,
        status: 'parked',
        startedAt: '2026-11-28T10:00:00Z',
        updatedAt: '2026-11-30T10:00:00Z',
        canRetry: true,
        steps: [
          { stepId: 'welcome', kind: 'action', status: 'completed', attempts: 1, route: 'owner_task', updatedAt: '2026-11-28T10:00:01Z' },
          {
            stepId: 'create_task',
            kind: 'action',
            status: 'failed',
            attempts: 5,
            error: { code: 'rate_limited', message: 'HubSpot answered 429 five times' },
            updatedAt: '2026-11-30T10:00:00Z',
          },
        ],
      },
      {
        runId: 'run_done',
        playbookId: 'pb_nurture',
        playbookName: 'Nurture',
        playbookVersion: 1,
        status: 'completed',
        startedAt: '2026-11-01T10:00:00Z',
        updatedAt: '2026-11-05T10:00:00Z',
        canRetry: false,
        steps: [{ stepId: 'email_1', kind: 'action', status: 'completed', attempts: 1 }],
      },
    ],
    identities: [
      { type: 'email', value: 'ada@example.com', source: 'hubspot', linkedAt: '2026-11-01T10:00:00Z' },
      { type: 'hubspot_contact_id', value: '123', scope: '62515', source: 'hubspot', linkedAt: '2026-11-01T10:00:00Z' },
      {
        type: 'phone',
        value: '+447700900123',
        source: 'zendesk',
        linkedAt: '2026-11-10T10:00:00Z',
        evidence: 'same email a…@example.com, name Ada ≈ Adah · HubSpot contact ↔ Zendesk user',
      },
    ],
    possibleMatches: [
      {
        matchId: 'm_1',
        otherProfileId: 'prof_9',
        displayName: 'A. Lovelace',
        probability: 0.87,
        reasons: ['same last name', 'same company domain'],
      },
    ],
    signals: [
      {
        eventId: 'ev_2',
        source: 'zendesk',
        type: 'ticket.comment',
        occurredAt: '2026-11-29T15:00:00Z',
        excerpt: 'What would it cost for 40 seats?',
        intent: 'purchase_intent',
        intentConfidence: 0.92,
        sentiment: 0.35,
        sentimentLabel: 'positive',
        urgency: 'medium',
        language: 'en',
      },
      {
        eventId: 'ev_1',
        source: 'hubspot',
        type: 'contact.propertyChange',
        occurredAt: '2026-11-28T15:00:00Z',
        excerpt: null,
        intent: null,
        intentConfidence: null,
        sentiment: null,
        sentimentLabel: null,
        urgency: null,
      },
    ],
    conversation: {
      latest: [
        {
          messageId: 'msg_3',
          threadKey: 'whatsapp:447700900123',
          channel: 'whatsapp',
          speaker: 'customer',
          occurredAt: '2026-11-30T09:00:00Z',
          excerpt: 'Esto es inaceptable, nadie me responde.',
          intent: 'complaint',
          sentiment: -0.72,
          sentimentLabel: 'negative',
          urgency: 'high',
          language: 'es',
        },
        {
          messageId: 'msg_2',
          threadKey: 'whatsapp:447700900123',
          channel: 'whatsapp',
          speaker: 'bot',
          occurredAt: '2026-11-29T16:00:00Z',
          excerpt: 'Your order ships today.',
          intent: null,
          sentiment: null,
          sentimentLabel: null,
          urgency: null,
          language: null,
        },
        {
          messageId: 'msg_1',
          threadKey: 'zendesk:acme:42',
          channel: 'zendesk',
          speaker: 'rep',
          occurredAt: '2026-11-29T15:30:00Z',
          excerpt: null,
          intent: null,
          sentiment: null,
          sentimentLabel: null,
          urgency: null,
          language: null,
        },
      ],
      trend: {
        points: [
          { at: '2026-11-28T10:00:00Z', sentiment: 0.6, trend: 0.6 },
          { at: '2026-11-29T15:00:00Z', sentiment: 0.35, trend: 0.475 },
          { at: '2026-11-30T09:00:00Z', sentiment: -0.72, trend: -0.123 },
        ],
        latest: -0.123,
        direction: 'falling',
        falls: [{ at: '2026-11-30T09:00:00Z', from: 0.6, to: -0.123, drop: 0.723 }],
      },
    },
    generatedAt: '2026-11-30T12:00:00Z',
    ...overrides,
  });
}

export function settingsView(overrides: Partial<SettingsView> = {}): SettingsView {
  return settingsViewSchema.parse({
    connection: {
      status: 'connected',
      portalId: '62515',
      reason: null,
      connectedAt: '2026-11-01T10:00:00Z',
      scopes: ['oauth', 'crm.objects.contacts.read'],
      installUrl: 'https://baton.example.com/oauth/hubspot/install',
    },
    policies: {
      quietHours: { enabled: true, start: '21:00', end: '08:00' },
      frequencyCaps: { perDay: 1, perWeek: 3 },
      holdoutShare: 0.05,
      randomControlShare: 0.02,
    },
    playbooks: [
      { playbookId: 'pb_onboarding', name: 'Onboarding', version: 3, description: 'Welcome new customers', enabled: true },
      { playbookId: 'pb_winback', name: 'Win-back', version: null, description: null, enabled: false },
    ],
    updatedAt: '2026-11-20T10:00:00Z',
    ...overrides,
  });
}
