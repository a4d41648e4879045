/**
 * Zendesk inside the service: the ticket webhook (/webhooks/zendesk/:connectionId), the requester
 * lookup job, and the `ticket` action port (guarded by "this tenant has an active Zendesk connection").
 * The connection itself is made through the connections API (server/messaging).
 */
import {
  ACTION_REGISTRY,
  connectorIngest,
  ConnectionsRepository,
  defineModule,
  IDENTITY_SERVICE,
  type ModuleFactory,
} from '../../server/platform';
import { TicketActionPort } from './ticket.port';
import { ZENDESK_USER_SYNC_JOB, zendeskWebhookRoutes } from './zendesk.routes';
import { zendeskUserSync } from './zendesk-user-sync';

export interface ZendeskModuleOptions {
  /** Clock for signature freshness (tests). */
  readonly now?: () => number;
}

export function zendeskModuleWith(options: ZendeskModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'zendesk',
    uses: { registry: ACTION_REGISTRY, identity: IDENTITY_SERVICE },
    build(ctx, { registry, identity }) {
      const repo = new ConnectionsRepository(ctx.secrets);
      const ingest = connectorIngest(ctx, identity);
      const now = options.now ?? ((): number => ctx.clock.now());
      if (registry !== undefined) {
        const tickets = new TicketActionPort({ db: ctx.db, repo, now });
        registry.register('ticket', tickets, {
          handles: (r) => tickets.handles(r),
          available: (tenantId) => tickets.available(tenantId),
          name: 'Zendesk',
        });
      }
      return {
        module: {
          name: 'zendesk',
          routes: zendeskWebhookRoutes(ctx, repo, ingest, now),
          handlers: { [ZENDESK_USER_SYNC_JOB]: zendeskUserSync(ctx, repo, ingest) },
        },
      };
    },
  });
}

export const zendeskModule: ModuleFactory = zendeskModuleWith();
