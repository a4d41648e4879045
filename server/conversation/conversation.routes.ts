/**
 * `GET /api/v1/profiles/:id/conversation` — the person's conversation across channels, newest first,
 * in keyset pages. One answer serves both readings:
 *   - `messages`: the timeline (each with its `threadKey`, channel, speaker and, for the customer's own
 *     messages, `signals` with intent, sentiment, urgency and language);
 *   - `threads`: the threads this page's messages belong to, with their totals (first and last
 *     message, message count) and the ids of their messages on the page;
 *   - `trend`: the customer's sentiment trend and its sharp falls;
 *   - `nextCursor`: pass it as `cursor` for the next (older) page; null on the last page.
 * Query: `limit` (1-100, default 25), `cursor`, `channel`, `thread` (one thread's messages only).
 * A merged-away profile id answers for the profile it was merged into; messages of every merged id
 * are included. Unknown profile: 404; bad query or cursor: 400.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ConversationPageBody } from '../../app/contracts';
import { CONVERSATION_CHANNELS } from '../../app/conversation';
import type { Database } from '../db/database';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import { encodeCursor, pageCursor } from '../http/page-cursor';
import { currentProfileId, profileAliases } from '../identity/profiles.repository';
import { loadTrend, messagePage, threadsOf } from './conversation.repository';

const profileIdSchema = z.string().trim().min(1).max(200);
const querySchema = z.strictObject({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(25),
  cursor: pageCursor.optional(),
  channel: z.enum(CONVERSATION_CHANNELS, { error: `must be one of ${CONVERSATION_CHANNELS.join(', ')}` }).optional(),
  thread: z.string().trim().min(1).max(300).optional(),
});

export function conversationRoutes(db: Database): Router {
  const router = Router();
  router.get('/profiles/:id/conversation', async (req, res) => {
    const id = profileIdSchema.safeParse(req.params['id']);
    if (!id.success) throw validationError(id.error, 'path parameter id');
    const query = querySchema.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const tenantId = tenantOf(res);
    const live = await currentProfileId(db, tenantId, id.data);
    if (live === undefined) throw new HttpError(404, 'profile_not_found', `no profile ${id.data} in your tenant`);
    const aliases = await profileAliases(db, tenantId, live);
    const { limit, cursor, channel, thread } = query.data;
    const page = await messagePage(db, tenantId, aliases, { limit, before: cursor, channel, threadKey: thread });
    const [threads, trend] = await Promise.all([threadsOf(db, tenantId, aliases, page.messages), loadTrend(db, tenantId, aliases)]);
    res.json({
      profileId: live,
      messages: page.messages,
      threads,
      trend,
      nextCursor: page.next === null ? null : encodeCursor(page.next),
    } satisfies ConversationPageBody);
  });
  return router;
}
