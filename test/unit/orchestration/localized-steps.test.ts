import { localizeParams, parsePlaybook, primaryLanguage } from '../../../app/orchestration';
import { actionPlaybook, makeWorld, publish, pump, start } from './support/harness';

const greeting = actionPlaybook({
  id: 'greet',
  steps: [
    {
      id: 'send',
      kind: 'action',
      action: {
        type: 'message',
        params: { channel: 'whatsapp', body: 'Hi {{context.profile.firstName}}, your order shipped.', template: { name: 'order_shipped' } },
        localized: {
          es: { body: 'Hola {{context.profile.firstName}}, tu pedido ya salió.' },
          pt: {
            body: 'Olá {{context.profile.firstName}}, seu pedido foi enviado.',
            template: { name: 'order_shipped', language: 'pt_PT' },
          },
        },
      },
    },
  ],
});

describe('language tags', () => {
  it('reads the primary ISO 639-1 subtag and refuses anything else', () => {
    expect(primaryLanguage('es')).toBe('es');
    expect(primaryLanguage('pt-BR')).toBe('pt');
    expect(primaryLanguage('pt_BR')).toBe('pt');
    expect(primaryLanguage(' DE ')).toBe('de');
    expect(primaryLanguage('und')).toBeUndefined();
    expect(primaryLanguage('Spanish')).toBeUndefined();
    expect(primaryLanguage('')).toBeUndefined();
    expect(primaryLanguage(42)).toBeUndefined();
  });

  it('lays the variant over the base params key by key and names the language', () => {
    const base = { channel: 'sms', body: 'Hi', mediaUrl: ['https://x.example/a.png'] };
    expect(localizeParams(base, { fr: { body: 'Bonjour' } }, 'fr-CA')).toEqual({
      params: { channel: 'sms', body: 'Bonjour', mediaUrl: ['https://x.example/a.png'], language: 'fr' },
      language: 'fr',
    });
    expect(localizeParams(base, { fr: { body: 'Bonjour' } }, 'de')).toEqual({ params: base, language: null });
    expect(localizeParams(base, undefined, 'fr')).toEqual({ params: base, language: null });
    expect(localizeParams(base, { fr: { body: 'Bonjour' } }, undefined)).toEqual({ params: base, language: null });
  });
});

describe('localized action steps', () => {
  it('sends the variant in the person’s language, with the scope templates resolved', async () => {
    const world = makeWorld();
    await publish(world, greeting);
    await start(world, 'greet', { profile: { firstName: 'Lucía', language: 'es' } });
    await start(world, 'greet', { profile: { firstName: 'João', language: 'pt-BR' } }, 'profile_2');
    await start(world, 'greet', { profile: { firstName: 'Ada', language: 'de' } }, 'profile_3');
    await start(world, 'greet', { profile: { firstName: 'Sam' } }, 'profile_4');
    await pump(world);
    expect(world.actions.calls.map((c) => c.params)).toEqual([
      { channel: 'whatsapp', body: 'Hola Lucía, tu pedido ya salió.', template: { name: 'order_shipped' }, language: 'es' },
      {
        channel: 'whatsapp',
        body: 'Olá João, seu pedido foi enviado.',
        template: { name: 'order_shipped', language: 'pt_PT' },
        language: 'pt',
      },
      // No German variant, no known language: the base text as written.
      { channel: 'whatsapp', body: 'Hi Ada, your order shipped.', template: { name: 'order_shipped' } },
      { channel: 'whatsapp', body: 'Hi Sam, your order shipped.', template: { name: 'order_shipped' } },
    ]);
  });

  it('validates variants like params: language keys, expressions and the paths they read', () => {
    const bad = parsePlaybook({
      id: 'bad',
      version: 1,
      name: 'Bad',
      steps: [
        {
          id: 'send',
          kind: 'action',
          action: { type: 'message', params: { channel: 'sms', body: 'Hi' }, localized: { Spanish: { body: 'Hola' } } },
        },
      ],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/ISO 639-1/);

    const badExpr = parsePlaybook({
      id: 'bad2',
      version: 1,
      name: 'Bad 2',
      steps: [
        {
          id: 'send',
          kind: 'action',
          action: {
            type: 'message',
            params: { channel: 'sms', body: 'Hi' },
            localized: { es: { body: 'Hola {{person.name}}', to: { $expr: { nope: [1] } } } },
          },
        },
      ],
    });
    expect(badExpr.ok).toBe(false);
    if (!badExpr.ok) {
      const where = badExpr.issues.map((i) => i.path);
      expect(where.some((p) => p.startsWith('steps[0].action.localized.es'))).toBe(true);
      expect(badExpr.issues.length).toBeGreaterThanOrEqual(2);
    }
  });
});
