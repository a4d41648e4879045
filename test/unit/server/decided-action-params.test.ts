import { parseCatalog, type Action } from '../../../app/decisioning/catalog';
import type { ChosenAction } from '../../../app/decisioning/record';
import { actionParams } from '../../../server/decisioning/decider.adapter';
import { contactChannelOf, outboundContactOf } from '../../../server/runs/contact-recording.adapter';
import { whatsAppLanguage } from '../../../connectors/whatsapp/message-sender';

const chosen = (action: Partial<ChosenAction> & Pick<ChosenAction, 'channel'>): ChosenAction => ({
  id: 'a1',
  label: 'Upgrade offer',
  requiresApproval: false,
  ...action,
});

describe('actionParams: the catalog action becomes the port input', () => {
  it('email: template id from params, subject and body from the template object, a card draft wins', () => {
    const action = chosen({
      channel: 'email',
      template: { name: 'upgrade', subject: 'Time to upgrade', body: 'Hello there' },
      params: { templateId: '90002' },
    });
    expect(actionParams(action, null)).toEqual({
      templateId: '90002',
      subject: 'Time to upgrade',
      body: 'Hello there',
      template: { name: 'upgrade', subject: 'Time to upgrade', body: 'Hello there' },
    });
    expect(actionParams(action, { subject: 'Edited', body: 'Edited body' })).toMatchObject({ subject: 'Edited', body: 'Edited body' });
    // The body is never the template's name.
    expect(actionParams(chosen({ channel: 'email', template: 'upgrade-offer' }), null)).toEqual({
      templateId: 'upgrade-offer',
      subject: 'Upgrade offer',
      body: 'Upgrade offer',
      template: 'upgrade-offer',
    });
    expect(actionParams(chosen({ channel: 'email', params: { subject: 'S', body: 'B' } }), null)).toEqual({
      templateId: 'a1',
      subject: 'S',
      body: 'B',
    });
  });

  it('crm_update writes the catalog properties; tasks carry subject, body and a priority both CRMs read', () => {
    expect(actionParams(chosen({ channel: 'crm_update', params: { properties: { baton_hot: true, score: 3 } } }), null)).toEqual({
      properties: { baton_hot: true, score: 3 },
    });
    expect(
      actionParams(chosen({ channel: 'task', params: { subject: 'Call back', body: 'About the renewal', priority: 'urgent' } }), null),
    ).toEqual({ subject: 'Call back', body: 'About the renewal', priority: 'HIGH' });
    expect(actionParams(chosen({ channel: 'task', params: { priority: 'normal' } }), null)).toEqual({
      subject: 'Upgrade offer',
      priority: 'MEDIUM',
    });
    expect(actionParams(chosen({ channel: 'task', builtIn: true }), null)).toEqual({ subject: 'Upgrade offer', priority: 'HIGH' });
    expect(actionParams(chosen({ channel: 'ticket', params: { priority: 'urgent', body: 'Follow up' } }), null)).toEqual({
      subject: 'Upgrade offer',
      body: 'Follow up',
      priority: 'urgent',
    });
  });

  it('text messages: channel and body (a string template is the text), WhatsApp keeps its template', () => {
    expect(actionParams(chosen({ channel: 'sms', template: 'Hi! Anything we can help with?' }), null)).toEqual({
      channel: 'sms',
      body: 'Hi! Anything we can help with?',
      template: 'Hi! Anything we can help with?',
    });
    expect(
      actionParams(
        chosen({ channel: 'whatsapp', template: { name: 'renewal_offer', language: 'en' }, params: { body: 'Your renewal' } }),
        null,
      ),
    ).toEqual({ channel: 'whatsapp', body: 'Your renewal', template: { name: 'renewal_offer', language: 'en' } });
  });

  it('refuses params a channel does not use, and malformed ones, naming the field', () => {
    const base: Omit<Action, 'channel'> = { id: 'x', label: 'X', value: 1 };
    const pathsOf = (actions: unknown[]): string[] => {
      const result = parseCatalog({ actions });
      return result.ok ? [] : result.issues.map((i) => i.path);
    };
    // Shape errors.
    expect(
      pathsOf([
        { ...base, id: 'b', channel: 'crm_update', params: { properties: { 'bad name': 1 } } },
        { ...base, id: 'c', channel: 'task', params: { priority: 'asap' } },
        { ...base, id: 'd', channel: 'email', params: { unknown: 1 } },
      ]),
    ).toEqual(expect.arrayContaining(['actions.0.params.properties.bad name', 'actions.1.params.priority', 'actions.2.params']));
    // Well-formed params on a channel that does not read them (checked once the shapes are right).
    expect(
      pathsOf([
        { ...base, id: 'a', channel: 'sms', params: { properties: { a: 1 } } },
        { ...base, id: 'e', channel: 'whatsapp', params: { body: 'x'.repeat(1601) } },
        { ...base, id: 'f', channel: 'crm_update', params: { priority: 'high', properties: { a: 1 } } },
      ]),
    ).toEqual(['actions.0.params.properties', 'actions.1.params.body', 'actions.2.params.priority']);
    expect(parseCatalog({ actions: [{ ...base, channel: 'crm_update', params: { properties: { baton_hot: true } } }] }).ok).toBe(true);
  });
});

describe('actionParams: the action in the person’s language', () => {
  const localized = chosen({
    channel: 'email',
    template: { name: 'renewal', subject: 'Your renewal', body: 'Renews soon' },
    params: { templateId: '100', subject: 'Your renewal' },
    localized: {
      es: { params: { templateId: '200', subject: 'Tu renovación' } },
      pt: { template: { name: 'renovacao', subject: 'Sua renovação', body: 'Renova em breve' } },
    },
  });

  it('lays the variant’s params over the base key by key and names the language', () => {
    expect(actionParams(localized, null, 'es')).toEqual({
      templateId: '200',
      subject: 'Tu renovación',
      body: 'Renews soon',
      template: { name: 'renewal', subject: 'Your renewal', body: 'Renews soon' },
      language: 'es',
    });
    // A variant that replaces the template: its subject and body come from it; base params stay.
    expect(actionParams(localized, null, 'pt-BR')).toMatchObject({
      templateId: '100',
      subject: 'Your renewal',
      body: 'Renova em breve',
      template: { name: 'renovacao' },
      language: 'pt',
    });
    // A rep’s approved draft still wins.
    expect(actionParams(localized, { subject: 'Editado', body: 'Texto editado' }, 'es')).toMatchObject({
      subject: 'Editado',
      body: 'Texto editado',
      templateId: '200',
      language: 'es',
    });
  });

  it('uses the base action when the language is unknown or has no variant', () => {
    const base = actionParams(localized, null);
    expect(base).toEqual({
      templateId: '100',
      subject: 'Your renewal',
      body: 'Renews soon',
      template: { name: 'renewal', subject: 'Your renewal', body: 'Renews soon' },
    });
    expect(actionParams(localized, null, 'de')).toEqual(base);
    expect(actionParams(localized, null, 'und')).toEqual(base);
  });

  it('refuses bad language keys and params the channel does not read inside a variant', () => {
    const result = parseCatalog({
      actions: [
        { id: 'a', label: 'A', value: 1, channel: 'sms', params: { body: 'Hi' }, localized: { Spanish: { params: { body: 'Hola' } } } },
        { id: 'b', label: 'B', value: 1, channel: 'sms', params: { body: 'Hi' }, localized: { es: { params: { subject: 'Hola' } } } },
      ],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path)).toEqual(
        expect.arrayContaining(['actions.0.localized.Spanish', 'actions.1.localized.es.params.subject']),
      );
      expect(result.issues.find((i) => i.path === 'actions.0.localized.Spanish')?.message).toMatch(/ISO 639-1/);
    }
  });
});

describe('WhatsApp template language', () => {
  it('sends a template without its own language code in the person’s language', () => {
    expect(whatsAppLanguage(undefined)).toBe('en_US');
    expect(whatsAppLanguage('en')).toBe('en_US');
    expect(whatsAppLanguage('pt')).toBe('pt_BR');
    expect(whatsAppLanguage('es')).toBe('es');
    expect(whatsAppLanguage('de')).toBe('de');
  });
});

describe('outbound contacts of run steps', () => {
  const request = (kind: 'email' | 'message' | 'task' | 'note' | 'crm_update', params: Record<string, string> = {}) => ({
    tenantId: 't',
    runId: 'r',
    stepId: 's1',
    profileId: 'p',
    kind,
    params,
    idempotencyKey: 'k1',
    attempt: 1,
  });

  it.each([
    ['email', {}, 'email'],
    ['message', { channel: 'whatsapp' }, 'whatsapp'],
    ['message', { channel: 'sms' }, 'sms'],
    ['task', {}, 'task'],
    ['note', {}, null],
    ['crm_update', {}, null],
  ] as const)('%s %j counts on channel %s', (kind, params, channel) => {
    expect(contactChannelOf(kind, params)).toBe(channel);
  });

  it('is keyed by the decision when one chose the action, else by the step key', () => {
    expect(outboundContactOf(request('email', { decisionId: 'dec_1', actionId: 'upsell' }))).toEqual({
      tenantId: 't',
      profileId: 'p',
      key: 'dec_1',
      actionId: 'upsell',
      channel: 'email',
    });
    expect(outboundContactOf(request('email'))).toEqual({
      tenantId: 't',
      profileId: 'p',
      key: 'step:k1',
      actionId: 'step:s1',
      channel: 'email',
    });
    expect(outboundContactOf(request('note'))).toBeNull();
  });
});
