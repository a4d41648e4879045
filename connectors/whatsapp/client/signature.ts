/**
 * Meta webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, and the GET
 * verification handshake (hub.mode=subscribe, hub.verify_token, echo hub.challenge).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../shared/safe-equal';

export const WHATSAPP_SIGNATURE_HEADER = 'x-hub-signature-256';

export function whatsappSignature(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export function verifyWhatsAppSignature(appSecrets: readonly string[], header: string | undefined, rawBody: Buffer | string): boolean {
  if (header === undefined || !header.startsWith('sha256=')) return false;
  const given = header.toLowerCase();
  return appSecrets.some((secret) => safeEqual(whatsappSignature(secret, rawBody), given));
}

export type Handshake = { readonly ok: true; readonly challenge: string } | { readonly ok: false; readonly reason: string };

/** The subscription handshake: answer the challenge only for mode=subscribe and the configured token. */
export function verifyHandshake(query: Record<string, unknown>, verifyToken: string): Handshake {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe') return { ok: false, reason: 'hub.mode must be subscribe' };
  if (typeof token !== 'string' || !safeEqual(token, verifyToken)) return { ok: false, reason: 'verify token does not match' };
  if (typeof challenge !== 'string' || challenge === '' || challenge.length > 512) return { ok: false, reason: 'missing hub.challenge' };
  return { ok: true, challenge };
}
