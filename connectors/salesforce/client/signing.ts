import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../../shared/safe-equal';

/**
 * Requests from the Baton package's Apex code (LWC controller, Flow actions) to `/salesforce/...` are
 * signed with a per-org secret delivered at install. The Apex side (BatonSigner.cls) builds the same
 * canonical string:
 *
 *   v1 \n METHOD \n PATH-WITH-QUERY \n TIMESTAMP \n ORG-ID \n hex(SHA-256(body))
 *
 * and sends `X-Baton-Org`, `X-Baton-Timestamp` (Unix seconds) and
 * `X-Baton-Signature: v1=base64(HMAC-SHA256(base64decode(secret), canonical))`.
 */
export const SIGNATURE_HEADERS = { org: 'x-baton-org', timestamp: 'x-baton-timestamp', signature: 'x-baton-signature' } as const;
export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/salesforce/cards/record?recordId=003...`. */
  readonly path: string;
  readonly timestamp: string;
  readonly orgId: string;
  readonly body: Buffer | string;
}

export function canonicalString(r: SignedRequest): string {
  const bodyHash = createHash('sha256').update(r.body).digest('hex');
  return ['v1', r.method.toUpperCase(), r.path, r.timestamp, r.orgId, bodyHash].join('\n');
}

export function signRequest(secretBase64: string, r: SignedRequest): string {
  return `v1=${createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(canonicalString(r), 'utf8').digest('base64')}`;
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Constant-time check of the signature plus the timestamp window (replays older than 5 minutes fail). */
export function verifyRequest(secretBase64: string, r: SignedRequest, signature: string, nowSeconds: number): VerifyResult {
  if (!/^\d{9,11}$/.test(r.timestamp)) return { ok: false, reason: 'X-Baton-Timestamp must be Unix seconds' };
  if (Math.abs(nowSeconds - Number(r.timestamp)) > MAX_CLOCK_SKEW_SECONDS)
    return { ok: false, reason: 'the request timestamp is outside the 5-minute window' };
  if (!safeEqual(signRequest(secretBase64, r), signature)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
