import { botThreadKey, classifyMessage, normalizeSubject, type MessageEventFacts } from '../../../app/conversation';

const facts = (over: Partial<MessageEventFacts>): MessageEventFacts => ({
  type: 'message.received',
  source: 'api',
  text: null,
  properties: {},
  identifiers: [],
  ...over,
});

describe('conversation messages: which events are messages, channel, thread and speaker', () => {
  it('reads a Twilio SMS and a WhatsApp Cloud message as the customer, threaded by their number on that channel', () => {
    const sms = classifyMessage(
      facts({
        source: 'twilio',
        text: 'Where is my order?',
        properties: { channel: 'sms', direction: 'inbound', to: '+15550001111' },
        identifiers: [{ type: 'phone', value: '+1 (303) 555-0142' }],
      }),
    );
    expect(sms).toEqual({ channel: 'sms', threadKey: 'sms:13035550142', speaker: 'customer', text: 'Where is my order?', subject: null });
    const wa = classifyMessage(
      facts({
        source: 'whatsapp',
        text: 'hola',
        properties: { channel: 'whatsapp', direction: 'inbound' },
        identifiers: [{ type: 'whatsappId', value: '13035550142' }],
      }),
    );
    expect(wa).toMatchObject({ channel: 'whatsapp', threadKey: 'whatsapp:13035550142', speaker: 'customer' });
    // Baton's own send to the same number lands in the same thread.
    expect(botThreadKey('whatsapp', '+1 303 555 0142')).toBe(wa?.threadKey);
    expect(botThreadKey('sms', '+13035550142')).toBe(sms?.threadKey);
  });

  it('reads Zendesk comments by ticket: the requester is the customer, an agent is a rep, internal notes are not the conversation', () => {
    const base = { ticketId: '42', zendesk: { subdomain: 'acme' }, ticket: { subject: 'Broken widget' } };
    const requester = classifyMessage(
      facts({
        source: 'zendesk',
        type: 'ticket.comment_added',
        text: 'Still broken',
        properties: { ...base, channel: 'ticket', direction: 'inbound', public: true },
      }),
    );
    expect(requester).toEqual({
      channel: 'zendesk',
      threadKey: 'zendesk:acme:42',
      speaker: 'customer',
      text: 'Still broken',
      subject: 'Broken widget',
    });
    const agent = classifyMessage(
      facts({
        source: 'zendesk',
        type: 'ticket.comment_added',
        properties: { ...base, channel: 'ticket', direction: 'outbound', public: true },
      }),
    );
    expect(agent).toMatchObject({ threadKey: 'zendesk:acme:42', speaker: 'rep', text: null });
    const reply = classifyMessage(
      facts({
        source: 'zendesk',
        type: 'ticket.comment_added',
        properties: { ...base, channel: 'ticket', direction: 'outbound', public: true, agentComment: 'We are on it' },
      }),
    );
    expect(reply).toMatchObject({ speaker: 'rep', text: 'We are on it' });
    expect(
      classifyMessage(
        facts({ source: 'zendesk', type: 'ticket.comment_added', properties: { ...base, direction: 'outbound', public: false } }),
      ),
    ).toBeNull();
    expect(classifyMessage(facts({ source: 'zendesk', type: 'ticket.status_changed', properties: base }))).toBeNull();
  });

  it('reads HubSpot inbox messages by thread (speaker unknown: the webhook names no sender) and skips inbox comments', () => {
    const m = classifyMessage(
      facts({
        source: 'hubspot',
        type: 'conversation.message_received',
        properties: { portalId: '77', objectId: '9001', messageType: 'MESSAGE' },
      }),
    );
    expect(m).toEqual({ channel: 'hubspot_inbox', threadKey: 'hubspot:77:9001', speaker: 'unknown', text: null, subject: null });
    expect(
      classifyMessage(
        facts({
          source: 'hubspot',
          type: 'conversation.message_received',
          properties: { portalId: '77', objectId: '9001', messageType: 'COMMENT' },
        }),
      ),
    ).toBeNull();
    expect(
      classifyMessage(facts({ source: 'hubspot', type: 'contact.updated', properties: { portalId: '77', objectId: '5' } })),
    ).toBeNull();
  });

  it('reads CRM e-mails and notes: threads by thread id, else by subject without Re:/Fwd:; notes are the rep; declared speakers win', () => {
    const inbound = classifyMessage(
      facts({ source: 'hubspot', type: 'email.received', text: 'Can we talk pricing?', properties: { subject: 'Pricing' } }),
    );
    const reply = classifyMessage(
      facts({ source: 'hubspot', type: 'email.sent', text: 'Sure, Tuesday?', properties: { subject: 'RE: Fwd: pricing' } }),
    );
    expect(inbound).toMatchObject({ channel: 'email', speaker: 'customer' });
    expect(reply).toMatchObject({ channel: 'email', speaker: 'rep' });
    expect(reply?.threadKey).toBe(inbound?.threadKey);
    const note = classifyMessage(
      facts({ source: 'salesforce', type: 'note.created', text: 'Called, left voicemail', properties: { recordId: '003X' } }),
    );
    expect(note).toMatchObject({ channel: 'crm_note', speaker: 'rep', threadKey: 'crm_note:salesforce:003X' });
    const bot = classifyMessage(
      facts({ type: 'message.sent', text: 'Your code is ready', properties: { channel: 'chat', speaker: 'bot', threadId: 't1' } }),
    );
    expect(bot).toMatchObject({ channel: 'chat', speaker: 'bot', threadKey: 'chat:api:t1' });
    const agent = classifyMessage(facts({ type: 'chat.message', text: 'Hi', properties: { speaker: 'agent', conversationId: 'c9' } }));
    expect(agent).toMatchObject({ speaker: 'rep', threadKey: 'chat:api:c9' });
  });

  it('reads a Salesforce Case description as the customer opening a case thread; events without words or of other kinds are not messages', () => {
    expect(
      classifyMessage(
        facts({
          source: 'salesforce',
          type: 'case.created',
          text: 'Invoice is wrong',
          properties: { orgId: '00D1', recordId: '500A', fields: { Subject: 'Invoice' } },
        }),
      ),
    ).toEqual({
      channel: 'crm_case',
      threadKey: 'salesforce:00D1:case:500A',
      speaker: 'customer',
      text: 'Invoice is wrong',
      subject: 'Invoice',
    });
    expect(classifyMessage(facts({ type: 'contact.updated', text: 'x' }))).toBeNull();
    expect(classifyMessage(facts({ type: 'email.received', text: '   ' }))).toBeNull();
    expect(classifyMessage(facts({ source: 'baton', type: 'message.received', text: 'derived' }))).toBeNull();
  });

  it('normalises e-mail subjects for threading', () => {
    expect(normalizeSubject('RE: FW: Re[2]:  Your   Order ')).toBe('your order');
    expect(normalizeSubject('Re: re: AW: Angebot')).toBe('angebot');
    expect(normalizeSubject('Regarding the order')).toBe('regarding the order');
  });
});
