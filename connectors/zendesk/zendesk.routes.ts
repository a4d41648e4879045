/**
 * `POST /webhooks/zendesk/:connectionId`: signature over timestamp + raw body, envelope validated,
 * normalised to a canonical event and ingested (duplicates collapse on the Zendesk event id). Ticket
 * state is kept so a solved ticket is judged by the requester's latest sentiment, and an unknown
 * requester is looked up once through the API, asynchronously (never inside the webhook request).
 */
import express, { Router } from 'express';
import { scoreSentiment } from '../../app/signals';
import { normalizeZendeskEvent, zendeskEnvelopeSchema } from './client/webhook';
import { verifyZendeskSignature, ZENDESK_SIGNATURE_HEADER, ZENDESK_TIMESTAMP_HEADER } from './client/signature';
import {
  assertNoNul,
  badSignature,
  type ConnectionsRepository,
  type Ingest,
  linkProfile,
  type ModuleContext,
  parseJsonBody,
  unknownConnection,
  upsertTicket,
  validationError,
} from '../../server/platform';
import { systemClock } from '../../app/shared/clock';

export const ZENDESK_USER_SYNC_JOB = 'zendesk.user_sync';
const POSITIVE = 0.05;

export function zendeskWebhookRoutes(
  ctx: ModuleContext,
  repo: ConnectionsRepository,
  ingest: Ingest,
  now: () => number = () => systemClock.now(),
): Router {
  const router = Router();
  router.post('/webhooks/zendesk/:connectionId', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const connection = await repo.byWebhookId(ctx.db, 'zendesk', req.params['connectionId'] ?? '');
    if (connection === undefined) throw unknownConnection('zendesk');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { webhookSecret, previousWebhookSecret, subdomain } = connection.config;
    const check = verifyZendeskSignature({
      secrets: previousWebhookSecret === undefined ? [webhookSecret] : [webhookSecret, previousWebhookSecret],
      signature: req.get(ZENDESK_SIGNATURE_HEADER),
      timestamp: req.get(ZENDESK_TIMESTAMP_HEADER),
      rawBody: raw,
      now: now(),
    });
    if (!check.ok) throw badSignature(check.reason);
    assertNoNul(raw);
    const envelope = zendeskEnvelopeSchema.safeParse(parseJsonBody(raw));
    if (!envelope.success) throw validationError(envelope.error, 'Zendesk event');
    const normalized = normalizeZendeskEvent(envelope.data, subdomain);
    if (normalized.kind === 'unknown') {
      ctx.metrics.webhooksUnknown.inc({ source: 'zendesk', type: envelope.data.type });
      res.status(200).json({ status: 'ignored', type: normalized.type });
      return;
    }
    let event = normalized.event;
    const ticket = normalized.ticket;
    if (ticket !== undefined) {
      const sentiment = ticket.requesterComment === undefined ? undefined : scoreSentiment(ticket.requesterComment).score;
      const row = await upsertTicket(ctx.db, {
        tenantId: connection.tenantId,
        connectionId: connection.id,
        ticketId: ticket.ticketId,
        requesterId: ticket.requesterId,
        status: ticket.status,
        priority: ticket.priority,
        sourceUpdatedAt: ticket.updatedAt,
        sentiment,
      });
      if (event.type === 'ticket.solved' && row.lastRequesterSentiment !== null) {
        const s = row.lastRequesterSentiment;
        const satisfaction = s >= POSITIVE ? 'good' : s <= -POSITIVE ? 'bad' : undefined;
        event = {
          ...event,
          properties: {
            ...event.properties,
            requesterSentiment: s,
            ...(satisfaction === undefined ? {} : { satisfaction }),
            ...(satisfaction === 'good' ? { outcome: 'positive', outcomeEvent: 'ticket_solved' } : {}),
          },
        };
      }
    }
    const result = await ingest(connection.tenantId, event);
    if (ticket !== undefined)
      await linkProfile(ctx.db, connection.tenantId, { connectionId: connection.id, ticketId: ticket.ticketId }, result.profileId);
    if (ticket?.requesterId !== undefined && !result.duplicate) {
      await ctx.work.enqueue({
        tenantId: connection.tenantId,
        kind: ZENDESK_USER_SYNC_JOB,
        payload: { connectionId: connection.id, userId: ticket.requesterId },
        dedupeKey: `zendesk-user:${connection.id}:${ticket.requesterId}`,
        maxAttempts: 8,
      });
    }
    res.status(200).json({ status: result.duplicate ? 'duplicate' : 'stored', eventId: result.eventId, profileId: result.profileId });
  });
  return router;
}
