/**
 * The conversation graph: per person, one timeline across channels grouped in threads, who spoke,
 * and the signals of the customer's own messages (migration 018, app/conversation). Filled by its
 * pipeline stage (after decisioning, which stores each message's signals) and by the message port's
 * sends; served by `GET /api/v1/profiles/:id/conversation`, as the `conversation` part of
 * `GET /api/v1/profiles/:id` (messages per channel, the sentiment trend) and on the record card;
 * erased with the person. A backfill job fills it from the events stored before it existed.
 */
import { PROFILE_SECTIONS } from '../identity/identity.module';
import { profileAliases } from '../identity/profiles.repository';
import { defineModule } from '../module';
import { backfillHandler, CONVERSATION_BACKFILL_JOB, enqueueBackfills } from './conversation.backfill';
import { channelSummary, eraseConversation, loadTrend } from './conversation.repository';
import { conversationRoutes } from './conversation.routes';
import { conversationStage } from './conversation.stage';

export const conversationModule = defineModule({
  name: 'conversation',
  uses: { sections: PROFILE_SECTIONS },
  build(ctx, { sections }) {
    sections?.add({
      name: 'conversation',
      async load(q, tenantId, profileId) {
        const aliases = await profileAliases(q, tenantId, profileId);
        const [channels, trend] = await Promise.all([channelSummary(q, tenantId, aliases), loadTrend(q, tenantId, aliases, 10)]);
        return { channels, sentiment: { latest: trend.latest, direction: trend.direction, recentFalls: trend.falls } };
      },
    });
    return {
      module: {
        name: 'conversation',
        api: conversationRoutes(ctx.db),
        stages: [conversationStage({ db: ctx.db, work: ctx.work, logger: ctx.logger, now: () => ctx.clock.now() })],
        handlers: { [CONVERSATION_BACKFILL_JOB]: backfillHandler(ctx.db, ctx.work) },
        erase: (tx, tenantId, profileIds) => eraseConversation(tx, tenantId, profileIds),
        async start() {
          // Messages of the event log from before the store existed (once per tenant; see conversation.backfill.ts).
          await enqueueBackfills(ctx.db, ctx.work);
        },
      },
    };
  },
});
