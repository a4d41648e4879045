import { classifyHttpStatus, parseRetryAfter } from '../../../connectors/shared/http-errors';
import { classifyTwilioError } from '../../../connectors/twilio/client/api';
import { consentKeyword, normalizeTwilioWebhook } from '../../../connectors/twilio/client/inbound';
import { classifyGraphError } from '../../../connectors/whatsapp/client/api';
import { normalizeWhatsAppPayload, whatsappPayloadSchema } from '../../../connectors/whatsapp/client/webhook';
import { normalizeZendeskEvent, zendeskEnvelopeSchema } from '../../../connectors/zendesk/client/webhook';

const zd = (type: string, detail: Record<string, unknown>, event: Record<string, unknown> = {}) =>
  zendeskEnvelopeSchema.parse({ account_id: 1, id: '01HR1', type: `zen:event-type:${type}`, time: '2024-03-05T10:00:00Z', detail, event });

describe('Zendesk events → canonical events', () => {
  it('normalises upper-case status/priority and scopes the requester by subdomain', () => {
    const out = normalizeZendeskEvent(
      zd('ticket.created', { id: '456789', requester_id: '12345678', status: 'NEW', priority: 'URGENT', subject: 'Parcel' }),
      'acme',
    );
    expect(out.kind).toBe('event');
    if (out.kind !== 'event') return;
    expect(out.event).toMatchObject({
      id: 'zendesk:01HR1',
      source: 'zendesk',
      type: 'ticket.created',
      occurredAt: '2024-03-05T10:00:00Z',
      subject: { identifiers: [{ type: 'zendeskUserId', value: '12345678', scope: 'acme' }] },
      properties: {
        ticketId: '456789',
        status: 'new',
        priority: 'urgent',
        openHighPriorityTicket: true,
        journey: { kind: 'ticket', status: 'opened', priority: 'urgent' },
      },
    });
  });

  it('turns a status change to SOLVED into ticket.solved, and keeps only the requester’s public comment as text', () => {
    const solved = normalizeZendeskEvent(
      zd(
        'ticket.status_changed',
        { id: '1', requester_id: '2', status: 'SOLVED', priority: 'HIGH' },
        { previous: 'OPEN', current: 'SOLVED' },
      ),
      'acme',
    );
    expect(solved.kind === 'event' && solved.event.type).toBe('ticket.solved');
    expect(solved.kind === 'event' && solved.event.properties?.['openHighPriorityTicket']).toBe(false);
    const byAgent = normalizeZendeskEvent(
      zd(
        'ticket.comment_added',
        { id: '1', requester_id: '2', status: 'OPEN' },
        { comment: { body: 'We are on it', is_public: true, author: { id: '99', is_staff: true } } },
      ),
      'acme',
    );
    expect(byAgent.kind === 'event' && byAgent.event.text).toBeUndefined();
    expect(byAgent.kind === 'event' && byAgent.event.properties?.['direction']).toBe('outbound');
    // The agent's public reply is kept for the conversation, outside the customer's text.
    expect(byAgent.kind === 'event' && byAgent.event.properties?.['agentComment']).toBe('We are on it');
    const note = normalizeZendeskEvent(
      zd(
        'ticket.comment_added',
        { id: '1', requester_id: '2', status: 'OPEN' },
        { comment: { body: 'Internal: refund approved', is_public: false, author: { id: '99' } } },
      ),
      'acme',
    );
    expect(note.kind === 'event' && note.event.properties?.['agentComment']).toBeUndefined();
    const byRequester = normalizeZendeskEvent(
      zd(
        'ticket.comment_added',
        { id: '1', requester_id: '2', status: 'OPEN' },
        { comment: { body: 'Still broken!!', is_public: true, author: { id: '2' } } },
      ),
      'acme',
    );
    expect(byRequester.kind === 'event' && byRequester.event.text).toBe('Still broken!!');
  });

  it('maps identity, merge and deactivation events; ignores staff users and unhandled types', () => {
    const identity = normalizeZendeskEvent(
      zd(
        'user.identity_created',
        { id: '7', email: 'jo@northwind.io', role: 'end-user' },
        { current: { id: 1, type: 'phone_number', value: '+14155550100' } },
      ),
      'acme',
    );
    expect(identity.kind === 'event' && identity.event.subject.identifiers).toEqual([
      { type: 'zendeskUserId', value: '7', scope: 'acme' },
      { type: 'phone', value: '+14155550100' },
      { type: 'email', value: 'jo@northwind.io' },
    ]);
    const removed = normalizeZendeskEvent(
      zd('user.identity_deleted', { id: '7', role: 'end-user' }, { previous: { type: 'email', value: 'old@northwind.io' } }),
      'acme',
    );
    expect(removed.kind === 'event' && removed.event.properties?.['removedIdentifiers']).toEqual([
      { type: 'email', value: 'old@northwind.io' },
    ]);
    const merged = normalizeZendeskEvent(zd('user.merged', { id: '7', role: 'end-user' }, { merged_user_id: '8' }), 'acme');
    expect(merged.kind === 'event' && merged.event.properties?.['mergedFrom']).toEqual([
      { type: 'zendeskUserId', value: '8', scope: 'acme' },
    ]);
    const gone = normalizeZendeskEvent(
      zd('user.active_changed', { id: '7', role: 'end-user' }, { previous: true, current: false }),
      'acme',
    );
    expect(gone.kind === 'event' && gone.event.type).toBe('user.deleted');
    expect(normalizeZendeskEvent(zd('user.created', { id: '9', email: 'agent@acme.io', role: 'agent' }), 'acme').kind).toBe('unknown');
    expect(normalizeZendeskEvent(zd('organization.created', { id: '3' }), 'acme')).toEqual({
      kind: 'unknown',
      type: 'zen:event-type:organization.created',
    });
  });
});

describe('Twilio webhooks', () => {
  const base = { MessageSid: `SM${'a'.repeat(32)}`, AccountSid: `AC${'b'.repeat(32)}`, SmsStatus: 'received', NumMedia: '0' };

  it('recognises single-word opt-out / opt-in keywords only', () => {
    expect(consentKeyword(' stop ', 'sms')).toEqual({ channel: 'sms', status: 'opted_out', keyword: 'STOP' });
    expect(consentKeyword('Unsubscribe.', 'whatsapp')).toEqual({ channel: 'whatsapp', status: 'opted_out', keyword: 'UNSUBSCRIBE' });
    expect(consentKeyword('START', 'sms')?.status).toBe('opted_in');
    expect(consentKeyword('STOP PLEASE', 'sms')).toBeUndefined();
    expect(consentKeyword('hello', 'sms')).toBeUndefined();
  });

  it('normalises a WhatsApp message with WaId, ProfileName as a trait, and media', () => {
    const out = normalizeTwilioWebhook(
      {
        ...base,
        From: 'whatsapp:+14155551234',
        To: 'whatsapp:+14155238886',
        Body: 'Photo of the damage',
        WaId: '14155551234',
        ProfileName: 'Jo',
        NumMedia: '1',
        MediaUrl0: 'https://api.twilio.com/m/1',
        MediaContentType0: 'image/jpeg',
      },
      '2026-01-01T00:00:00.000Z',
    );
    expect(out.kind).toBe('message');
    if (out.kind !== 'message') return;
    expect(out.channel).toBe('whatsapp');
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      type: 'message.received',
      subject: {
        identifiers: [
          { type: 'phone', value: '+14155551234' },
          { type: 'whatsappId', value: '14155551234' },
        ],
        traits: { profileName: 'Jo' },
      },
      properties: { channel: 'whatsapp', media: [{ url: 'https://api.twilio.com/m/1', contentType: 'image/jpeg' }] },
    });
  });

  it('adds a consent.updated event for STOP, classifies status callbacks and rejects malformed params', () => {
    const stop = normalizeTwilioWebhook({ ...base, From: '+14155551234', To: '+15005550006', Body: 'STOP' }, '2026-01-01T00:00:00.000Z');
    expect(stop.kind === 'message' && stop.events.map((e) => e.type)).toEqual(['message.received', 'consent.updated']);
    expect(stop.kind === 'message' && stop.events[1]?.properties).toMatchObject({
      channel: 'sms',
      status: 'opted_out',
      outcomeEvent: 'unsubscribe',
    });
    const status = normalizeTwilioWebhook(
      { MessageSid: base.MessageSid, AccountSid: base.AccountSid, MessageStatus: 'undelivered', ErrorCode: '30003', To: '+14155551234' },
      'x',
    );
    expect(status).toEqual({
      kind: 'status',
      accountSid: base.AccountSid,
      messageSid: base.MessageSid,
      status: 'undelivered',
      channel: 'sms',
      errorCode: '30003',
      to: '+14155551234',
    });
    expect(normalizeTwilioWebhook({ ...base, MessageSid: 'nope', From: '+1', To: '+2' }, 'x').kind).toBe('invalid');
  });
});

describe('WhatsApp Cloud payloads', () => {
  const payload = (phoneNumberId: string) =>
    whatsappPayloadSchema.parse({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
                contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
                messages: [{ from: '16505551234', id: 'wamid.A', timestamp: '1749416383', type: 'text', text: { body: 'Hi' } }],
                statuses: [{ id: 'wamid.B', status: 'DELIVERED', timestamp: '1749416390', recipient_id: '16505551234' }],
              },
            },
            { field: 'account_update', value: {} },
          ],
        },
      ],
    });

  it('turns messages into events keyed by wamid and statuses into delivery updates, ignoring other fields', () => {
    const out = normalizeWhatsAppPayload(payload('106540352242922'), '106540352242922');
    expect(out.events).toEqual([
      expect.objectContaining({
        id: 'whatsapp:wamid.A',
        type: 'message.received',
        occurredAt: '2025-06-08T20:59:43.000Z',
        text: 'Hi',
        subject: { identifiers: [{ type: 'whatsappId', value: '16505551234' }], traits: { profileName: 'Sheena Nelson' } },
      }),
    ]);
    expect(out.statuses).toEqual([
      { messageId: 'wamid.B', status: 'delivered', recipientId: '16505551234', errorCode: undefined, at: '2025-06-08T20:59:50.000Z' },
    ]);
    expect(out.ignored).toEqual(['field:account_update']);
  });

  it('ignores changes for another phone number id', () => {
    const out = normalizeWhatsAppPayload(payload('999'), '106540352242922');
    expect(out.events).toEqual([]);
    expect(out.ignored).toContain('phone_number_id:999');
  });
});

describe('error classification', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(classifyHttpStatus('x', 503, 'down')).toMatchObject({ category: 'transient', code: 'x.http_503' });
    expect(classifyHttpStatus('x', 422, 'bad')).toMatchObject({ category: 'permanent' });
  });

  it('classifies Twilio and Meta codes Baton acts on', () => {
    expect(classifyTwilioError({ status: 400, code: 21610, message: 'unsubscribed' }, {})).toMatchObject({
      error: { code: 'twilio.opted_out', category: 'permanent' },
      noEffect: true,
      twilioCode: 21610,
    });
    expect(classifyTwilioError({ status: 400, code: 63016, message: 'window' }, {}).error.code).toBe('twilio.template_required');
    expect(classifyTwilioError({ status: 429, code: 20429, message: 'slow down' }, { headers: { 'retry-after': '4' } })).toMatchObject({
      error: { category: 'rate_limited', retryAfterMs: 4000 },
      noEffect: true,
    });
    expect(classifyTwilioError(new Error('ECONNRESET'), {})).toMatchObject({
      error: { category: 'transient', code: 'twilio.network' },
      noEffect: false,
    });
    expect(classifyGraphError(400, { error: { code: 131047, message: 'Re-engagement message' } }, null)).toMatchObject({
      error: { code: 'whatsapp.template_required' },
      noEffect: true,
    });
    expect(classifyGraphError(400, { error: { code: 131056, message: 'pair rate' } }, null).error).toMatchObject({
      category: 'rate_limited',
      retryAfterMs: 6000,
    });
    expect(classifyGraphError(401, { error: { code: 190, message: 'token' } }, null).error.category).toBe('auth');
    expect(classifyGraphError(500, { error: { code: 131000, message: 'oops' } }, null)).toMatchObject({
      error: { category: 'transient' },
      noEffect: false,
    });
  });
});
