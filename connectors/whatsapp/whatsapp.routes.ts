/**
 * `GET /webhooks/whatsapp/:connectionId` (verification handshake) and `POST` (X-Hub-Signature-256
 * over the raw body with the app secret): messages → message events, statuses → delivery state.
 */
import express, { Router } from 'express';
import { verifyHandshake, verifyWhatsAppSignature, WHATSAPP_SIGNATURE_HEADER } from './client/signature';
import { normalizeWhatsAppPayload, whatsappPayloadSchema } from './client/webhook';
import {
  assertNoNul,
  badSignature,
  type ConnectionsRepository,
  DELIVERY_RANK,
  HttpError,
  type Ingest,
  linkProfile,
  type ModuleContext,
  parseJsonBody,
  recordInbound,
  SqlEffectLedger,
  unknownConnection,
  validationError,
} from '../../server/platform';

export function whatsappWebhookRoutes(ctx: ModuleContext, repo: ConnectionsRepository, ingest: Ingest): Router {
  const router = Router();
  router.get('/webhooks/whatsapp/:connectionId', async (req, res) => {
    const connection = await repo.byWebhookId(ctx.db, 'whatsapp', req.params['connectionId'] ?? '');
    if (connection === undefined) throw unknownConnection('whatsapp');
    const handshake = verifyHandshake(req.query as Record<string, unknown>, connection.config.verifyToken);
    if (!handshake.ok) throw new HttpError(403, 'verification_failed', `webhook verification refused: ${handshake.reason}`);
    res.status(200).type('text/plain').send(handshake.challenge);
  });

  router.post('/webhooks/whatsapp/:connectionId', express.raw({ type: () => true, limit: '3mb' }), async (req, res) => {
    const connection = await repo.byWebhookId(ctx.db, 'whatsapp', req.params['connectionId'] ?? '');
    if (connection === undefined) throw unknownConnection('whatsapp');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyWhatsAppSignature([connection.config.appSecret], req.get(WHATSAPP_SIGNATURE_HEADER), raw))
      throw badSignature('X-Hub-Signature-256 does not match the body and the app secret');
    assertNoNul(raw);
    const payload = whatsappPayloadSchema.safeParse(parseJsonBody(raw));
    if (!payload.success) throw validationError(payload.error, 'WhatsApp webhook');
    const normalized = normalizeWhatsAppPayload(payload.data, connection.config.phoneNumberId);
    if (normalized.invalid.length > 0 && normalized.events.length === 0 && normalized.statuses.length === 0) {
      throw new HttpError(400, 'invalid_request', `invalid WhatsApp webhook: ${normalized.invalid.join(' | ')}`);
    }
    const tenantId = connection.tenantId;
    for (const what of normalized.ignored) ctx.metrics.webhooksUnknown.inc({ source: 'whatsapp', type: what.split(':')[0] ?? 'other' });
    for (const inbound of normalized.inbound) await recordInbound(ctx.db, tenantId, 'whatsapp', inbound.waId, inbound.at);
    let stored = 0;
    let duplicates = 0;
    for (const [i, event] of normalized.events.entries()) {
      const r = await ingest(tenantId, event);
      const waId = normalized.inbound[i]?.waId;
      if (waId !== undefined) await linkProfile(ctx.db, tenantId, { channel: 'whatsapp', address: waId }, r.profileId);
      if (r.duplicate) duplicates++;
      else stored++;
    }
    for (const s of normalized.statuses)
      await new SqlEffectLedger(ctx.db).recordDelivery(
        tenantId,
        'whatsapp',
        s.messageId,
        s.status,
        DELIVERY_RANK[s.status] ?? 0,
        s.errorCode === undefined ? null : String(s.errorCode),
      );
    res.status(200).json({
      stored,
      duplicates,
      statuses: normalized.statuses.length,
      ignored: normalized.ignored.length,
      invalid: normalized.invalid.length,
    });
  });
  return router;
}
