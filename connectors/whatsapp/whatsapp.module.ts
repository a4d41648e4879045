/**
 * WhatsApp Cloud inside the service: the webhook (/webhooks/whatsapp/:connectionId: verification
 * handshake, inbound messages, delivery statuses) and the sender the `message` port prefers for
 * WhatsApp. The connection is made through the connections API.
 */
import { connectorIngest, ConnectionsRepository, MESSAGE_SENDERS, type ModuleFactory } from '../../server/platform';
import { whatsappMessageSender } from './message-sender';
import { whatsappWebhookRoutes } from './whatsapp.routes';

export const whatsappModule: ModuleFactory = (ctx) => {
  ctx.services.get(MESSAGE_SENDERS)?.register(whatsappMessageSender);
  return { name: 'whatsapp', routes: whatsappWebhookRoutes(ctx, new ConnectionsRepository(ctx.secrets), connectorIngest(ctx)) };
};
