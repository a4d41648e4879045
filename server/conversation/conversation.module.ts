/**
 * The conversation graph: per person, one timeline across channels grouped in threads, who spoke,
 * and the signals of the customer's own messages (migration 018, app/conversation). Filled by its
 * pipeline stage (after decisioning, which stores each message's signals) and by the message port's
 * sends; served by `GET /api/v1/profiles/:id/conversation` and on the record card; erased with the person.
 */
import type { ModuleFactory } from '../module';
import { eraseConversation } from './conversation.repository';
import { conversationRoutes } from './conversation.routes';
import { conversationStage } from './conversation.stage';

export const conversationModule: ModuleFactory = (ctx) => ({
  name: 'conversation',
  api: conversationRoutes(ctx.db),
  stages: [conversationStage({ db: ctx.db, work: ctx.work, logger: ctx.logger })],
  erase: (tx, tenantId, profileIds) => eraseConversation(tx, tenantId, profileIds),
});
