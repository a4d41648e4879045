/**
 * Messaging inside the service, vendor-neutral: the connections API (Zendesk, Twilio, WhatsApp Cloud
 * and warehouse connections), the `message` action port (registered in the runs module's action
 * registry; it sends through the senders the Twilio and WhatsApp modules register in MESSAGE_SENDERS),
 * the messaging part of GET /profiles/:id, and erasure of messaging state. The vendors' webhooks,
 * jobs and the `ticket` port live in connectors/zendesk, connectors/twilio and connectors/whatsapp.
 */
import { IDENTITY_SERVICE, PROFILE_SECTIONS } from '../identity/identity.module';
import { profileAliases } from '../identity/profiles.repository';
import { defineModule, provide, type ModuleFactory } from '../module';
import { ACTION_REGISTRY } from '../runs/runs.module';
import { connectionRoutes } from '../connections/connections.routes';
import { ConnectionsRepository } from '../connections/connections.repository';
import { connectorIngest } from './ingest';
import { eraseMessagingData, messagingView } from './messaging-state.repository';
import { MessageActionPort } from './message.port';
import { MESSAGE_SENDERS, MessageSenders } from './senders';

export interface MessagingModuleOptions {
  /** Clock for the WhatsApp window (tests). */
  readonly now?: () => number;
}

export function messagingModuleWith(options: MessagingModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'messaging',
    uses: { registry: ACTION_REGISTRY, sections: PROFILE_SECTIONS, identity: IDENTITY_SERVICE },
    provides: [MESSAGE_SENDERS],
    build(ctx, { registry, sections, identity }) {
      const repo = new ConnectionsRepository(ctx.secrets);
      const ingest = connectorIngest(ctx, identity);
      const now = options.now ?? ((): number => ctx.clock.now());
      const senders = new MessageSenders();
      if (registry !== undefined) {
        const messages = new MessageActionPort({ db: ctx.db, repo, ingest, senders, now });
        registry.register('message', messages, {
          handles: (r) => messages.handles(r),
          available: (tenantId) => repo.hasActive(ctx.db, tenantId, ['twilio', 'whatsapp']),
          name: 'Twilio or WhatsApp Cloud',
        });
      }
      sections?.add({
        name: 'messaging',
        load: async (q, tenantId, profileId) => messagingView(q, tenantId, await profileAliases(q, tenantId, profileId)),
      });
      return {
        module: {
          name: 'messaging',
          api: connectionRoutes({ db: ctx.db, repo, publicUrl: ctx.config.publicUrl }),
          erase: (tx, tenantId, profileIds) => eraseMessagingData(tx, tenantId, profileIds),
        },
        provided: [provide(MESSAGE_SENDERS, senders)],
      };
    },
  });
}

export const messagingModule: ModuleFactory = messagingModuleWith();
