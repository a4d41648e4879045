/**
 * WhatsApp Cloud inside the service: the webhook (/webhooks/whatsapp/:connectionId: verification
 * handshake, inbound messages, delivery statuses) and the sender the `message` port prefers for
 * WhatsApp. The connection is made through the connections API.
 */
import {
  connectorIngest,
  ConnectionsRepository,
  defineModule,
  IDENTITY_SERVICE,
  MESSAGE_SENDERS,
  type ModuleFactory,
} from '../../server/platform';
import { whatsappMessageSender } from './message-sender';
import { whatsappWebhookRoutes } from './whatsapp.routes';

export const whatsappModule: ModuleFactory = defineModule({
  name: 'whatsapp',
  uses: { senders: MESSAGE_SENDERS, identity: IDENTITY_SERVICE },
  build(ctx, { senders, identity }) {
    senders?.register(whatsappMessageSender);
    return {
      module: {
        name: 'whatsapp',
        routes: whatsappWebhookRoutes(ctx, new ConnectionsRepository(ctx.secrets), connectorIngest(ctx, identity)),
      },
    };
  },
});
