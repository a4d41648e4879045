/**
 * `POST /webhooks/twilio/:connectionId`: X-Twilio-Signature over PUBLIC_URL + the path and query
 * Twilio requested, plus the sorted form parameters (or, for JSON bodies, the URL with bodySHA256).
 * Inbound SMS/WhatsApp → message events (and consent.updated for STOP/START); status callbacks →
 * delivery state of the message Baton sent. Answered with empty TwiML (replies go through the API).
 */
import express, { Router } from 'express';
import { normalizeTwilioWebhook } from './client/inbound';
import { TWILIO_OPTED_OUT } from './client/api';
import {
  TWILIO_SIGNATURE_HEADER,
  TWILIO_SIGNATURE_SETTINGS_HEADER,
  verifyTwilioForm,
  verifyTwilioJson,
  type FormParams,
} from './client/signature';
import {
  addressKey,
  assertNoNul,
  badSignature,
  type ConnectionsRepository,
  consentEvent,
  DELIVERY_RANK,
  HttpError,
  type Ingest,
  linkProfile,
  type ModuleContext,
  recordConsent,
  recordInbound,
  SqlEffectLedger,
  unknownConnection,
} from '../../server/platform';
import { systemClock } from '../../app/shared/clock';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Form body → params; a repeated name becomes an array (Twilio signs every value). */
export function formParams(raw: string): FormParams {
  const out: FormParams = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function twilioWebhookRoutes(ctx: ModuleContext, repo: ConnectionsRepository, ingest: Ingest): Router {
  const router = Router();
  router.post('/webhooks/twilio/:connectionId', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const connection = await repo.byWebhookId(ctx.db, 'twilio', req.params['connectionId'] ?? '');
    if (connection === undefined) throw unknownConnection('twilio');
    const { authToken, secondaryAuthToken, accountSid } = connection.config;
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const signed = {
      authTokens: secondaryAuthToken === undefined ? [authToken] : [authToken, secondaryAuthToken],
      signature: req.get(TWILIO_SIGNATURE_HEADER),
      url: `${ctx.config.publicUrl}${req.originalUrl}`,
      settingsHeader: req.get(TWILIO_SIGNATURE_SETTINGS_HEADER),
    };
    if (req.is('application/json') !== false && req.is('application/json') !== null) {
      if (!verifyTwilioJson(signed, raw)) throw badSignature('X-Twilio-Signature does not match the URL and bodySHA256 of this request');
      // No messaging webhook Baton subscribes to is JSON; a valid one is acknowledged and counted.
      ctx.metrics.webhooksUnknown.inc({ source: 'twilio', type: 'json' });
      res.status(200).json({ status: 'ignored', type: 'json' });
      return;
    }
    const params = formParams(raw);
    if (!verifyTwilioForm(signed, params))
      throw badSignature('X-Twilio-Signature does not match PUBLIC_URL + path and the form parameters');
    assertNoNul(Object.values(params).flat().join(''), 'the form');
    const receivedAt = new Date(systemClock.now()).toISOString();
    const inbound = normalizeTwilioWebhook(params, receivedAt);
    if (inbound.kind === 'invalid') throw new HttpError(400, 'invalid_request', `invalid Twilio webhook: ${inbound.message}`);
    if (inbound.kind === 'unknown') {
      ctx.metrics.webhooksUnknown.inc({ source: 'twilio', type: 'other' });
      res.status(200).type('text/xml').send(EMPTY_TWIML);
      return;
    }
    if (inbound.accountSid !== accountSid)
      throw new HttpError(400, 'account_mismatch', 'the AccountSid of this webhook is not the account of this connection');
    const tenantId = connection.tenantId;
    if (inbound.kind === 'status') {
      await new SqlEffectLedger(ctx.db).recordDelivery(
        tenantId,
        'twilio',
        inbound.messageSid,
        inbound.status,
        DELIVERY_RANK[inbound.status] ?? 0,
        inbound.errorCode ?? null,
      );
      if (inbound.errorCode === String(TWILIO_OPTED_OUT) && inbound.to !== undefined) {
        await recordConsent(
          ctx.db,
          tenantId,
          inbound.channel,
          addressKey(inbound.channel, inbound.to),
          'opted_out',
          receivedAt,
          'twilio:21610',
        );
        await ingest(
          tenantId,
          consentEvent('twilio', `twilio:${inbound.messageSid}:21610`, inbound.channel, inbound.to, 'opted_out', receivedAt, {
            provider: 'twilio',
            errorCode: inbound.errorCode,
          }),
        );
      }
      res.status(200).type('text/xml').send(EMPTY_TWIML);
      return;
    }
    const address = addressKey(inbound.channel, inbound.address);
    await recordInbound(ctx.db, tenantId, inbound.channel, address, inbound.occurredAt);
    if (inbound.consent !== undefined)
      await recordConsent(
        ctx.db,
        tenantId,
        inbound.channel,
        address,
        inbound.consent.status,
        inbound.occurredAt,
        `keyword:${inbound.consent.keyword}`,
      );
    for (const event of inbound.events) {
      const stored = await ingest(tenantId, event);
      await linkProfile(ctx.db, tenantId, { channel: inbound.channel, address }, stored.profileId);
    }
    res.status(200).type('text/xml').send(EMPTY_TWIML);
  });
  return router;
}
