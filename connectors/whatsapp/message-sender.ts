/**
 * WhatsApp Cloud as a sender of the `message` port (server/messaging/message.port.ts), preferred over
 * Twilio for WhatsApp when the tenant has a Cloud connection. Inside the 24-hour window free-form
 * text; outside it only an approved template, in the person's language when the template names none.
 * The Graph API cannot list sent messages: an attempt whose answer was lost is not repeated.
 */
import { templateRequired, type Connection, type MessageSender, type SendOutcome } from '../../server/platform';
import type { WhatsAppResult } from './client/api';
import { whatsappApiOf } from './connection';

/**
 * WhatsApp template language codes for an ISO 639-1 language: the bare code where WhatsApp has one
 * ("es", "fr", "de"), its documented default locale where it has only regional ones (English en_US,
 * Portuguese pt_BR); en_US when the language is unknown.
 */
export function whatsAppLanguage(language: string | undefined): string {
  if (language === undefined || language === 'en') return 'en_US';
  if (language === 'pt') return 'pt_BR';
  return language;
}

export const whatsappMessageSender: MessageSender<'whatsapp'> = {
  provider: 'whatsapp',
  channels: ['whatsapp'],
  priority: 1,
  async send(connection: Connection<'whatsapp'>, { params, address, windowOpen }): Promise<SendOutcome> {
    const api = whatsappApiOf(connection.config);
    let r: WhatsAppResult<{ messageId: string }>;
    if (windowOpen) r = await api.send(address, { text: params.body });
    else {
      const t = params.template;
      if (t === undefined) return templateRequired();
      // A template without its own language code goes out in the person's (localized steps pass `language`).
      const fallback = whatsAppLanguage(params.language);
      const template =
        typeof t === 'string'
          ? { name: t, language: fallback }
          : { name: t.name, language: t.language ?? fallback, ...(t.components === undefined ? {} : { components: t.components }) };
      r = await api.send(address, { template });
    }
    return r.ok
      ? { ok: true, messageId: r.value.messageId, status: 'accepted', mode: windowOpen ? 'session' : 'template' }
      : { ok: false, error: r.error, noEffect: r.noEffect };
  },
};
