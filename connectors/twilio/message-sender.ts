/**
 * Twilio as a sender of the `message` port (server/messaging/message.port.ts): SMS, and WhatsApp when
 * the tenant has no WhatsApp Cloud connection. Outside the WhatsApp window only a Content template
 * (ContentSid) goes. Delivery callbacks come back to /webhooks/twilio/:connectionId (twilio.routes.ts).
 * Twilio can list what it sent, so an attempt whose answer was lost is looked up before any resend.
 */
import { permanentError } from '../../app/orchestration/errors';
import { templateRequired, type Connection, type MessageSender, type MessagingChannel, type SendOutcome } from '../../server/platform';
import type { TwilioResult } from './client/api';
import { twilioApiOf } from './connection';

const twilioTo = (channel: MessagingChannel, address: string): string => (channel === 'whatsapp' ? `whatsapp:+${address}` : address);

export function twilioMessageSender(publicUrl: string): MessageSender<'twilio'> {
  return {
    provider: 'twilio',
    channels: ['sms', 'whatsapp'],
    priority: 2,
    async send(connection: Connection<'twilio'>, { params, address, windowOpen }): Promise<SendOutcome> {
      const config = connection.config;
      const template = typeof params.template === 'object' ? params.template : undefined;
      const contentSid =
        params.contentSid ??
        template?.contentSid ??
        (typeof params.template === 'string' && /^HX[0-9a-fA-F]{32}$/.test(params.template) ? params.template : undefined);
      const variables = params.contentVariables ?? template?.variables;
      const whatsapp = params.channel === 'whatsapp';
      const from = whatsapp
        ? config.whatsappFrom === undefined
          ? undefined
          : config.whatsappFrom.startsWith('whatsapp:')
            ? config.whatsappFrom
            : `whatsapp:${config.whatsappFrom}`
        : config.smsFrom;
      if (from === undefined && config.messagingServiceSid === undefined) {
        return {
          ok: false,
          noEffect: true,
          error: permanentError(
            'twilio.no_sender',
            `the Twilio connection has no ${whatsapp ? 'whatsappFrom' : 'smsFrom'} number or messagingServiceSid`,
          ),
        };
      }
      const useTemplate = whatsapp && !windowOpen;
      if (useTemplate && contentSid === undefined) return templateRequired();
      const r: TwilioResult<{ sid: string; status: string }> = await twilioApiOf(config).send({
        to: twilioTo(params.channel, address),
        from,
        messagingServiceSid: from === undefined ? config.messagingServiceSid : undefined,
        ...(useTemplate ? { contentSid, contentVariables: variables } : { body: params.body, mediaUrl: params.mediaUrl }),
        statusCallback: `${publicUrl}/webhooks/twilio/${connection.id}`,
      });
      if (r.ok) return { ok: true, messageId: r.value.sid, status: r.value.status, mode: useTemplate ? 'template' : 'session' };
      return { ok: false, error: r.error, noEffect: r.noEffect, ...(r.error.code === 'twilio.opted_out' ? { optedOutCode: '21610' } : {}) };
    },
    async findSent(connection: Connection<'twilio'>, { channel, address, since, body }) {
      const found = await twilioApiOf(connection.config).findSent(twilioTo(channel, address), undefined, since, body);
      if (!found.ok) return { ok: false, error: found.error };
      return { ok: true, value: found.value === undefined ? undefined : { messageId: found.value.sid, status: found.value.status } };
    },
  };
}
