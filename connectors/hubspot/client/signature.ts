/**
 * HubSpot request signatures (reference §1): v3 = base64(HMAC-SHA256(clientSecret, METHOD + URI + body + timestamp))
 * with a 5-minute window; v2 = hex(SHA-256(clientSecret + METHOD + URI + body)) for workflow-action calls
 * that carry no v3 headers. Compared in constant time; the URI is decoded the way HubSpot documents.
 */
import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../../shared/safe-equal';

export const MAX_SIGNATURE_AGE_MS = 300_000;
/** Clock skew tolerated for timestamps from the future (the docs are silent; extra hardening). */
export const MAX_FUTURE_SKEW_MS = 60_000;

const DECODINGS: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** Decodes exactly the percent-encodings HubSpot lists (case-insensitive hex); leaves every other one as received. */
export function decodeSignedUri(uri: string): string {
  return uri.replace(/%[0-9a-fA-F]{2}/g, (m) => DECODINGS[m.toUpperCase()] ?? m);
}

export function signV3(input: { clientSecret: string; method: string; uri: string; body: string; timestamp: string }): string {
  return createHmac('sha256', input.clientSecret)
    .update(`${input.method.toUpperCase()}${decodeSignedUri(input.uri)}${input.body}${input.timestamp}`, 'utf8')
    .digest('base64');
}

export function signV2(input: { clientSecret: string; method: string; uri: string; body: string }): string {
  return createHash('sha256').update(`${input.clientSecret}${input.method.toUpperCase()}${input.uri}${input.body}`, 'utf8').digest('hex');
}

export function signV1(input: { clientSecret: string; body: string }): string {
  return createHash('sha256').update(`${input.clientSecret}${input.body}`, 'utf8').digest('hex');
}

export type SignatureFailure = 'missing' | 'stale' | 'future' | 'malformed_timestamp' | 'mismatch';
export type SignatureCheck =
  { readonly ok: true; readonly version: 'v2' | 'v3' } | { readonly ok: false; readonly reason: SignatureFailure };

export interface SignedRequest {
  readonly method: string;
  /** The full URL HubSpot called: PUBLIC_URL + path + query as received. */
  readonly uri: string;
  readonly body: string;
  readonly header: (name: string) => string | undefined;
}

/** Verifies the v3 signature; with `allowV2`, falls back to v2 only when no v3 headers are present. */
export function verifyHubSpotRequest(
  req: SignedRequest,
  clientSecret: string,
  nowMs: number,
  options: { allowV2?: boolean } = {},
): SignatureCheck {
  const v3 = req.header('x-hubspot-signature-v3');
  const ts = req.header('x-hubspot-request-timestamp');
  if (v3 !== undefined && v3 !== '') {
    if (ts === undefined || !/^\d{1,16}$/.test(ts)) return { ok: false, reason: ts === undefined ? 'missing' : 'malformed_timestamp' };
    const at = Number(ts);
    if (nowMs - at > MAX_SIGNATURE_AGE_MS) return { ok: false, reason: 'stale' };
    if (at - nowMs > MAX_FUTURE_SKEW_MS) return { ok: false, reason: 'future' };
    const expected = signV3({ clientSecret, method: req.method, uri: req.uri, body: req.body, timestamp: ts });
    return safeEqual(expected, v3) ? { ok: true, version: 'v3' } : { ok: false, reason: 'mismatch' };
  }
  if (options.allowV2 === true) {
    const v2 = req.header('x-hubspot-signature');
    const version = req.header('x-hubspot-signature-version');
    if (v2 !== undefined && (version === undefined || version.toLowerCase() === 'v2')) {
      const expected = signV2({ clientSecret, method: req.method, uri: req.uri, body: req.body });
      return safeEqual(expected, v2.toLowerCase()) ? { ok: true, version: 'v2' } : { ok: false, reason: 'mismatch' };
    }
  }
  return { ok: false, reason: 'missing' };
}

/** Headers a HubSpot sender (the sandbox, benches, tests) puts on a v3-signed request. */
export function signedHeaders(input: {
  clientSecret: string;
  method: string;
  uri: string;
  body: string;
  timestampMs: number;
}): Record<string, string> {
  const timestamp = String(input.timestampMs);
  return {
    'x-hubspot-signature-v3': signV3({
      clientSecret: input.clientSecret,
      method: input.method,
      uri: input.uri,
      body: input.body,
      timestamp,
    }),
    'x-hubspot-request-timestamp': timestamp,
  };
}
