/**
 * Zendesk webhook signatures: base64(HMAC-SHA256(key = signing secret as given, message = timestamp
 * header + raw body)), headers X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp.
 * The timestamp is an ISO-8601 string; deliveries far from now are refused (replay protection).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../shared/safe-equal';

export const ZENDESK_SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const ZENDESK_TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';
/** How far a signed timestamp may be from now (common practice, not a Zendesk rule). */
export const ZENDESK_TOLERANCE_MS = 5 * 60_000;

export function zendeskSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface ZendeskSignatureInput {
  /** One or more secrets (several during a rotation). */
  readonly secrets: readonly string[];
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  readonly rawBody: Buffer | string;
  readonly now: number;
  readonly toleranceMs?: number;
}

export function verifyZendeskSignature(input: ZendeskSignatureInput): SignatureCheck {
  const { signature, timestamp } = input;
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing X-Zendesk-Webhook-Signature' };
  if (timestamp === undefined || timestamp === '') return { ok: false, reason: 'missing X-Zendesk-Webhook-Signature-Timestamp' };
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return { ok: false, reason: 'unreadable signature timestamp' };
  if (Math.abs(input.now - at) > (input.toleranceMs ?? ZENDESK_TOLERANCE_MS)) return { ok: false, reason: 'stale signature timestamp' };
  const match = input.secrets.some((secret) => safeEqual(zendeskSignature(secret, timestamp, input.rawBody), signature));
  return match ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
