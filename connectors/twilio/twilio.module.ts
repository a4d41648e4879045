/**
 * Twilio inside the service: the messaging webhook (/webhooks/twilio/:connectionId: inbound SMS and
 * WhatsApp, STOP/START, delivery callbacks) and the sender the `message` port uses for SMS (and for
 * WhatsApp without a WhatsApp Cloud connection). The connection is made through the connections API.
 */
import {
  connectorIngest,
  ConnectionsRepository,
  defineModule,
  IDENTITY_SERVICE,
  MESSAGE_SENDERS,
  type ModuleFactory,
} from '../../server/platform';
import { twilioMessageSender } from './message-sender';
import { twilioWebhookRoutes } from './twilio.routes';

export const twilioModule: ModuleFactory = defineModule({
  name: 'twilio',
  uses: { senders: MESSAGE_SENDERS, identity: IDENTITY_SERVICE },
  build(ctx, { senders, identity }) {
    senders?.register(twilioMessageSender(ctx.config.publicUrl));
    return {
      module: { name: 'twilio', routes: twilioWebhookRoutes(ctx, new ConnectionsRepository(ctx.secrets), connectorIngest(ctx, identity)) },
    };
  },
});
