/**
 * Zendesk, Twilio and WhatsApp Cloud inside the service: the connections API, the three webhook
 * endpoints, the requester lookup job, and the `message` / `ticket` action ports registered in the
 * runs module's action registry (each guarded by "this tenant has an active connection of mine").
 */
import { PROFILE_SECTIONS } from '../identity/identity.module';
import { profileAliases } from '../identity/profiles.repository';
import type { ModuleFactory } from '../module';
import { ACTION_REGISTRY } from '../runs/runs.module';
import { connectionRoutes } from '../connections/connections.routes';
import { ConnectionsRepository } from '../connections/connections.repository';
import { Router } from 'express';
import { connectorIngest } from './ingest';
import { eraseMessagingData, messagingView } from './messaging-state.repository';
import { MessageActionPort } from './message.port';
import { TicketActionPort } from './ticket.port';
import { twilioWebhookRoutes } from './twilio.routes';
import { whatsappWebhookRoutes } from './whatsapp.routes';
import { ZENDESK_USER_SYNC_JOB, zendeskWebhookRoutes } from './zendesk.routes';
import { zendeskUserSync } from './zendesk-user-sync';

export interface MessagingModuleOptions {
  /** Clock for signature freshness and the WhatsApp window (tests). */
  readonly now?: () => number;
}

export function messagingModuleWith(options: MessagingModuleOptions = {}): ModuleFactory {
  return (ctx) => {
    const repo = new ConnectionsRepository(ctx.secrets);
    const ingest = connectorIngest(ctx);
    const now = options.now ?? Date.now;
    const registry = ctx.services.get(ACTION_REGISTRY);
    if (registry !== undefined) {
      const messages = new MessageActionPort({ db: ctx.db, repo, ingest, publicUrl: ctx.config.publicUrl, now });
      const tickets = new TicketActionPort({ db: ctx.db, repo, now });
      registry.register('message', messages, {
        handles: (r) => messages.handles(r),
        available: (tenantId) => repo.hasActive(ctx.db, tenantId, ['twilio', 'whatsapp']),
        name: 'Twilio or WhatsApp Cloud',
      });
      registry.register('ticket', tickets, { handles: (r) => tickets.handles(r), available: (tenantId) => tickets.available(tenantId), name: 'Zendesk' });
    }
    ctx.services.get(PROFILE_SECTIONS)?.add({
      name: 'messaging',
      load: async (q, tenantId, profileId) => messagingView(q, tenantId, await profileAliases(q, tenantId, profileId)),
    });
    const routes = Router();
    routes.use(zendeskWebhookRoutes(ctx, repo, ingest, now));
    routes.use(twilioWebhookRoutes(ctx, repo, ingest));
    routes.use(whatsappWebhookRoutes(ctx, repo, ingest));
    return {
      name: 'messaging',
      api: connectionRoutes({ db: ctx.db, repo, publicUrl: ctx.config.publicUrl }),
      routes,
      handlers: { [ZENDESK_USER_SYNC_JOB]: zendeskUserSync(ctx, repo, ingest) },
      erase: (tx, tenantId, profileIds) => eraseMessagingData(tx, tenantId, profileIds),
    };
  };
}

export const messagingModule: ModuleFactory = messagingModuleWith();
